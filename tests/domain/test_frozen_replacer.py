"""``replacer``: ``dataclasses.replace`` for frozen slots dataclasses, the same results."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest

from ticketflow.domain.frozen import replacer
from ticketflow.domain.positions import PositionStatus, ProcessPosition
from ticketflow.domain.ticket_changes import replace_ticket
from ticketflow.domain.tickets import Ticket

AT = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
TICKET = Ticket(
    id=7,
    number="2026112610000071",
    title="Two monitors",
    queue="Raw",
    state="new",
    state_type="new",
    priority="3 normal",
    lock="unlock",
    owner="root@localhost",
    created_at=AT,
    changed_at=AT,
    dynamic_fields={"Decision": "approved"},
)


def test_a_replaced_ticket_equals_what_dataclasses_replace_gives() -> None:
    position = ProcessPosition("purchase", 1, "approval", PositionStatus.WAITING)
    changes = {"queue": "Purchasing", "version": 2, "process": position, "dynamic_fields": {}}
    replaced = replace_ticket(TICKET, **changes)
    assert replaced == dataclasses.replace(TICKET, **changes)  # type: ignore[arg-type]
    assert replaced is not TICKET
    assert TICKET.queue == "Raw"  # the original is untouched


def test_without_changes_it_is_an_equal_copy() -> None:
    copy = replace_ticket(TICKET)
    assert copy == TICKET
    assert copy is not TICKET


def test_an_unknown_field_is_refused_like_dataclasses_replace_does() -> None:
    with pytest.raises(TypeError, match="no field 'colour'"):
        replace_ticket(TICKET, colour="blue")


@dataclasses.dataclass(frozen=True, slots=True)
class _Single:
    only: int


def test_a_class_with_one_field() -> None:
    assert replacer(_Single)(_Single(1), only=2) == _Single(2)


def test_classes_builder_cannot_build_are_refused() -> None:
    @dataclasses.dataclass(frozen=True)
    class WithoutSlots:
        value: int

    with pytest.raises(TypeError):
        replacer(WithoutSlots)
