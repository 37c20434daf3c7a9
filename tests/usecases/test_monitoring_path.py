"""The path a ticket took, read from its process history's traces."""

from __future__ import annotations

from datetime import UTC, datetime

from ticketflow.usecases.monitoring_path import path_of
from ticketflow.usecases.records import HistoryEntry

AT = datetime(2026, 11, 1, tzinfo=UTC)


def _step(kind: str, name: str, *trace: dict[str, object]) -> HistoryEntry:
    return HistoryEntry(1, kind, name, AT, "root@localhost", trace)


def _moved(transition: str, source: str, target: str) -> dict[str, object]:
    return {"kind": "moved", "transition": transition, "source": source, "target": target}


def test_moves_and_entered_activities_make_the_path() -> None:
    path = path_of(
        [
            _step("NewTicket", "%%1%%Raw"),  # not a process row: ignored
            _step("ProcessStart", "%%p%%1%%%%request", {"kind": "entered_activity", "activity": "request"}),
            _step(
                "ProcessTransition",
                "%%p%%1%%request%%order",
                _moved("submitted", "request", "prepare"),
                {"kind": "entered_activity", "activity": "prepare"},
                _moved("prepared", "prepare", "order"),
                {"kind": "entered_activity", "activity": "order"},
            ),
        ]
    )
    assert path.activities == {"request", "prepare", "order"}
    assert path.transitions == {"submitted", "prepared"}


def test_a_move_whose_action_failed_is_left_out_with_what_it_entered() -> None:
    path = path_of(
        [
            _step("ProcessStart", "%%p%%1%%%%approval"),
            _step(
                "ProcessTransition",
                "%%p%%1%%approval%%manual",
                _moved("approved", "approval", "order"),
                {"kind": "action_failed", "transition": "approved", "action_key": "a", "module": "X"},
                _moved("on-error", "approval", "manual"),
                {"kind": "entered_activity", "activity": "manual"},
            ),
        ]
    )
    assert path.transitions == {"on-error"}
    assert path.activities == {"approval", "manual"}


def test_a_failed_step_keeps_the_ticket_where_it_was() -> None:
    path = path_of(
        [
            _step("ProcessStart", "%%p%%1%%%%a"),
            _step("ProcessFailed", "%%p%%1%%a%%a%%script 'x' failed: 50%% off", {"kind": "script_failed"}),
        ]
    )
    assert (path.activities, path.transitions) == ({"a"}, frozenset())
