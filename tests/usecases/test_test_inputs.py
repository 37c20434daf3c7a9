"""Test Mode input documents: what the page carries and scenarios store reads back unchanged, and a
bad entry is named."""

from __future__ import annotations

import pytest

from ticketflow.domain.errors import InvalidInputError
from ticketflow.usecases.test_inputs import input_document, parse_test_input, starting_snapshot

DOCUMENT = {
    "ticket": {"Title": "A chair", "DynamicField_Colours": ["red", "blue"]},
    "submissions": [
        {"dialog": "ask", "as": "customer", "fields": {"DynamicField_Item": "chair"}},
        {"dialog": "decide", "as": "agent", "fields": {"DynamicField_Tags": ["a", "b"]}},
    ],
    "service_results": {
        "order": {"values": {"DynamicField_Order": "PO-1"}},
        "check": {"error": "ERP_DOWN", "message": "timeout"},
        "notify": {"message": "refused"},
    },
    "sub_process_results": {"child": {"DynamicField_Result": "ok"}},
}


def test_a_document_reads_back_as_it_was_written() -> None:
    parsed = parse_test_input(DOCUMENT)

    assert input_document(parsed) == DOCUMENT
    assert parse_test_input(input_document(parsed)) == parsed


def test_a_failure_without_a_code_stays_without_one() -> None:
    parsed = parse_test_input(DOCUMENT)

    assert parsed.scenario.service_results["notify"].error_code is None
    assert parsed.scenario.service_results["check"].error_code == "ERP_DOWN"


@pytest.mark.parametrize(
    ("document", "field"),
    [
        ({"ticket": [], "submissions": []}, "ticket"),
        ({"submissions": {}}, "submissions"),
        ({"submissions": [{"dialog": "x", "as": "robot"}]}, "submissions[0]"),
        ({"submissions": [], "service_results": []}, "service_results"),
        ({"submissions": [], "service_results": {"a": {"values": {"X": {}}}}}, "service_results.a.values.X"),
        ({"submissions": [], "sub_process_results": {"c": 3}}, "sub_process_results.c"),
    ],
)
def test_a_bad_entry_is_named(document: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidInputError) as refused:
        parse_test_input(document)

    assert refused.value.field == field


def test_the_starting_ticket_takes_otobo_defaults_and_the_state_type() -> None:
    snapshot = starting_snapshot(None, {"State": "open", "Title": "Mine"}, {"open": "open", "new": "new"})

    assert snapshot.value("Title") == "Mine"
    assert snapshot.value("Queue") == "Raw"
    assert snapshot.value("StateType") == "open"
