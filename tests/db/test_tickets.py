"""Ticket repository: create, read, compare-and-set update, dynamic fields, filters."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from ticketflow.db.ticket_numbers import is_valid_number
from ticketflow.db.unit_of_work import SqlUnitOfWork
from ticketflow.domain.catalog import DynamicFieldType
from ticketflow.domain.errors import ConflictError, InvalidInputError, NotFoundError
from ticketflow.domain.positions import PositionStatus, ProcessPosition
from ticketflow.usecases.catalog_records import DynamicField
from ticketflow.usecases.records import NewTicket, TicketOrder, TicketQuery

Factory = Callable[[], SqlUnitOfWork]
CREATED = datetime(2024, 1, 15, 9, 30, tzinfo=UTC)


def new_ticket(**changes: object) -> NewTicket:
    base = NewTicket(
        title="Printer on fire",
        queue="Raw",
        state="new",
        priority="3 normal",
        owner="root@localhost",
        created_at=CREATED,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def add_fields(uow_factory: Factory) -> None:
    with uow_factory() as uow:
        uow.catalog.add(DynamicField("Note", "Note", DynamicFieldType.TEXT))
        uow.catalog.add(DynamicField("Approved", "Approved", DynamicFieldType.CHECKBOX))
        uow.catalog.add(DynamicField("Due", "Due", DynamicFieldType.DATE_TIME))
        uow.catalog.add(
            DynamicField(
                "Tags", "Tags", DynamicFieldType.MULTISELECT, {"PossibleValues": {"a": "A", "b": "B"}}
            )
        )
        uow.commit()


def test_a_created_ticket_reads_back_with_number_version_and_state_type(uow_factory: Factory) -> None:
    position = ProcessPosition("incident", 2, "triage", PositionStatus.WAITING)
    with uow_factory() as uow:
        created = uow.tickets.add(new_ticket(process=position, customer_user_id="max@example.com"))
        uow.commit()
    with uow_factory() as uow:
        loaded = uow.tickets.get(created.id)
    assert loaded == created
    assert loaded.version == 1
    assert loaded.state_type == "new"
    assert loaded.process == position
    assert loaded.created_at == CREATED
    assert loaded.number.startswith("2024011510")
    assert is_valid_number(loaded.number)


def test_update_writes_everything_and_bumps_the_version(uow_factory: Factory) -> None:
    with uow_factory() as uow:
        created = uow.tickets.add(new_ticket())
        pending = datetime(2024, 2, 1, 8, tzinfo=UTC)
        changed = replace(
            created,
            title="Printer fixed",
            state="pending reminder",
            queue="Misc",
            pending_until=pending,
            process=ProcessPosition("incident", 1, "done", PositionStatus.FAILED, "boom"),
        )
        updated = uow.tickets.update(changed, expected_version=1)
        uow.commit()
    with uow_factory() as uow:
        loaded = uow.tickets.get(created.id)
    assert updated.version == loaded.version == 2
    assert loaded == updated
    assert (loaded.title, loaded.queue, loaded.state_type) == ("Printer fixed", "Misc", "pending reminder")
    assert loaded.pending_until == pending
    assert loaded.process is not None
    assert loaded.process.failure == "boom"
    assert loaded.changed_at > created.changed_at


def test_the_second_of_two_concurrent_updates_conflicts_and_writes_nothing(uow_factory: Factory) -> None:
    with uow_factory() as uow:
        ticket_id = uow.tickets.add(new_ticket()).id
        uow.commit()
    with uow_factory() as uow:
        first = uow.tickets.get(ticket_id)
    with uow_factory() as uow:
        second = uow.tickets.get(ticket_id)
    with uow_factory() as uow:
        uow.tickets.update(replace(first, title="first"), expected_version=first.version)
        uow.commit()
    with uow_factory() as uow, pytest.raises(ConflictError, match="changed meanwhile"):
        uow.tickets.update(replace(second, title="second"), expected_version=second.version)
    with uow_factory() as uow:
        stored = uow.tickets.get(ticket_id)
    assert (stored.title, stored.version) == ("first", 2)


def test_missing_tickets(uow_factory: Factory) -> None:
    with uow_factory() as uow:
        assert uow.tickets.find(999) is None
        assert uow.tickets.find_by_number("123") is None
        with pytest.raises(NotFoundError):
            uow.tickets.get(999)


def test_unknown_references_are_input_errors(uow_factory: Factory) -> None:
    with uow_factory() as uow, pytest.raises(InvalidInputError, match="state"):
        uow.tickets.add(new_ticket(state="nirvana"))
    with uow_factory() as uow, pytest.raises(InvalidInputError, match="does not exist"):
        uow.tickets.add(new_ticket(queue="Nowhere"))


def test_dynamic_fields_of_every_kind_round_trip_and_update(uow_factory: Factory) -> None:
    add_fields(uow_factory)
    fields = {"Note": "hello", "Approved": "1", "Due": "2024-03-01 12:00:00", "Tags": ("b", "a")}
    with uow_factory() as uow:
        created = uow.tickets.add(new_ticket(dynamic_fields=fields))
        uow.commit()
    with uow_factory() as uow:
        loaded = uow.tickets.get(created.id)
        assert loaded.dynamic_fields == fields
        changed = {"Note": "hello", "Approved": "0", "Tags": ()}
        uow.tickets.update(replace(loaded, dynamic_fields=changed), expected_version=1)
        uow.commit()
    with uow_factory() as uow:
        assert uow.tickets.get(created.id).dynamic_fields == {"Note": "hello", "Approved": "0", "Tags": ()}
        assert uow.tickets.find_by_number(created.number) is not None


def test_update_from_another_unit_of_work_rewrites_fields_it_did_not_load(uow_factory: Factory) -> None:
    add_fields(uow_factory)
    with uow_factory() as uow:
        created = uow.tickets.add(new_ticket(dynamic_fields={"Tags": ("a",), "Note": "x"}))
        uow.commit()
    with uow_factory() as uow:
        uow.tickets.update(replace(created, dynamic_fields={"Tags": ("a", "b")}), expected_version=1)
        uow.commit()
    with uow_factory() as uow:
        assert uow.tickets.get(created.id).dynamic_fields == {"Tags": ("a", "b")}


def test_list_filters_order_and_count(uow_factory: Factory) -> None:
    add_fields(uow_factory)
    with uow_factory() as uow:
        a = uow.tickets.add(new_ticket(title="Alpha", dynamic_fields={"Tags": ("a", "b")}))
        b = uow.tickets.add(
            new_ticket(
                title="Beta_1",
                queue="Misc",
                state="open",
                customer_user_id="eve@example.com",
                created_at=CREATED + timedelta(hours=1),
                process=ProcessPosition("p", 1, "act", PositionStatus.ACTIVE),
            )
        )
        c = uow.tickets.add(
            new_ticket(title="Gamma", state="closed successful", dynamic_fields={"Note": "n"})
        )
        uow.commit()

    def ids(**filters: object) -> list[int]:
        with uow_factory() as uow:
            return [t.id for t in uow.tickets.list(TicketQuery(**filters))]  # type: ignore[arg-type]

    assert ids() == [a.id, b.id, c.id]
    assert ids(queues=("Misc",)) == [b.id]
    assert ids(states=("new", "open")) == [a.id, b.id]
    assert ids(state_types=("closed",)) == [c.id]
    assert ids(owner="root@localhost", customer_user_id="eve@example.com") == [b.id]
    assert ids(process_key="p", activity_key="act", process_status=PositionStatus.ACTIVE) == [b.id]
    assert ids(title_contains="ETA_") == [b.id]
    assert ids(title_contains="%") == []
    assert ids(dynamic_field_equals={"Tags": "b"}) == [a.id]
    assert ids(dynamic_field_equals={"Note": "n"}) == [c.id]
    assert ids(order_by=TicketOrder.TITLE, descending=True) == [c.id, b.id, a.id]
    assert ids(limit=1, offset=1) == [b.id]
    with uow_factory() as uow:
        assert uow.tickets.count(TicketQuery(states=("new", "open"), limit=1)) == 2
        listed = uow.tickets.list(TicketQuery(ids=(a.id,)))
    assert listed[0].dynamic_fields == {"Tags": ("a", "b")}


def test_leaving_without_commit_rolls_back(uow_factory: Factory) -> None:
    with uow_factory() as uow:
        uow.tickets.add(new_ticket())
    with uow_factory() as uow:
        assert uow.tickets.count(TicketQuery()) == 0
