"""The ticket query's process-version filter: only tickets pinned to that version of the process,
combined with the other filters, counted and listed alike — on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

from monitoring_support import Histories, Step
from sqlalchemy import Engine

from ticketflow.db.unit_of_work import SqlUnitOfWork
from ticketflow.usecases.records import TicketQuery

T0 = datetime(2026, 11, 1, 20, 0, tzinfo=UTC)


def test_only_tickets_of_the_version_are_listed_and_counted(engine: Engine) -> None:
    h = Histories(engine)
    first = h.ticket("p", 1, "active", [Step(T0, "", "A", "ProcessStart")])
    h.ticket("p", 2, "active", [Step(T0, "", "A", "ProcessStart")])
    second_at_b = h.ticket("p", 2, "waiting", [Step(T0, "", "B", "ProcessStart")])
    h.ticket("q", 2, "active", [Step(T0, "", "A", "ProcessStart")])

    with SqlUnitOfWork(engine) as uow:
        version_one = TicketQuery(process_key="p", process_version=1)
        at_b_of_two = TicketQuery(process_key="p", process_version=2, activity_key="B")
        assert [t.id for t in uow.tickets.list(version_one)] == [first]
        assert uow.tickets.count(version_one) == 1
        assert [t.id for t in uow.tickets.list(at_b_of_two)] == [second_at_b]
        assert uow.tickets.count(TicketQuery(process_key="p", process_version=2)) == 2
        # Without a version every version of the process counts.
        assert uow.tickets.count(TicketQuery(process_key="p")) == 3
        assert uow.tickets.count(TicketQuery(process_key="p", process_version=3)) == 0
