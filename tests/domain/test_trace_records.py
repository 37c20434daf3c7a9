"""Trace records as the history stores them (no sentence) and as it shows them (with the sentence)."""

from __future__ import annotations

import json
from datetime import timedelta

from ticketflow.domain.effects import CallWebService, SendNotification, SetValue
from ticketflow.domain.trace import (
    ActionRan,
    EnteredActivity,
    JobQueued,
    Moved,
    TraceEntry,
    checked,
    readable_record,
    trace_to_dict,
)

ENTRIES: tuple[TraceEntry, ...] = (
    checked("review", "approved", True, ("DynamicField_Decision is 'approved', equals 'approved'",)),
    Moved("approved", "review", "fulfil"),
    Moved("failed", "call", "handle", error_code="Timeout"),
    ActionRan("approved", "owner", "TicketOwnerSet", (SetValue("Owner", "agent-3"),)),
    ActionRan(
        "approved",
        "mail",
        "SendNotification",
        (SendNotification(("customer@example.com",), "", "", "approved", "text/plain"),),
    ),
    EnteredActivity("fulfil", "user_task"),
)


def test_a_stored_record_is_read_back_with_the_sentence_of_its_entry() -> None:
    for entry in ENTRIES:
        stored = json.loads(json.dumps(trace_to_dict(entry)))  # as the JSON column gives it back
        assert "text" not in stored
        assert readable_record(stored) == {**stored, "text": entry.describe()}


def test_the_sentence_comes_last_as_it_did_when_it_was_stored_with_the_record() -> None:
    shown = readable_record(trace_to_dict(Moved("approved", "review", "fulfil")))
    assert list(shown)[-1] == "text"


def test_a_record_stored_with_its_sentence_keeps_it() -> None:
    stored = {**trace_to_dict(Moved("approved", "review", "fulfil")), "text": "written back then"}
    assert readable_record(stored) == stored


def test_records_of_no_known_kind_are_shown_as_stored() -> None:
    for stored in ({"transition": "T1", "matched": True}, {"kind": "from_the_future", "x": 1}):
        assert readable_record(stored) == stored


def test_a_record_that_cannot_be_rebuilt_is_shown_without_a_sentence() -> None:
    stored = {"kind": "moved", "transition": "approved"}  # source and target missing
    assert readable_record(stored) == stored


def test_a_queued_web_service_call_is_described_as_before_through_the_record() -> None:
    call = CallWebService("order", "ERP", "CreateOrder", {"Item": "x"}, timedelta(seconds=30), None)
    entry = JobQueued("order", "web service call", (call,))
    stored = json.loads(json.dumps(trace_to_dict(entry)))
    assert readable_record(stored)["text"] == entry.describe()
