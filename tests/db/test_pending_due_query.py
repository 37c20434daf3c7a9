"""The due-pending-ticket search: tickets whose pending time has come, found through the partial
index of pending times (migration 0012), on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, select

from ticketflow.db.tables import tickets
from ticketflow.db.ticket_query import where_clause
from ticketflow.db.unit_of_work import SqlUnitOfWork
from ticketflow.usecases.records import NewTicket, TicketQuery

NOW = datetime(2026, 11, 27, 8, tzinfo=UTC)


def _add(engine: Engine, state: str, pending_until: datetime | None) -> int:
    with SqlUnitOfWork(engine) as uow:
        ticket = uow.tickets.add(
            NewTicket("t", "Raw", state, "3 normal", "root@localhost", pending_until=pending_until)
        )
        uow.commit()
    return ticket.id


def test_only_tickets_whose_pending_time_has_come_are_found(engine: Engine) -> None:
    past = _add(engine, "pending reminder", NOW - timedelta(hours=1))
    exactly_now = _add(engine, "pending auto close+", NOW)
    _add(engine, "pending reminder", NOW + timedelta(seconds=1))
    _add(engine, "new", None)
    open_with_old_time = _add(engine, "open", NOW - timedelta(days=2))
    with SqlUnitOfWork(engine, read_only=True) as uow:
        due = uow.tickets.list(TicketQuery(pending_due_at=NOW, limit=None))
        due_and_pending = uow.tickets.count(
            TicketQuery(state_types=("pending reminder", "pending auto"), pending_due_at=NOW)
        )
    assert sorted(t.id for t in due) == sorted([past, exactly_now, open_with_old_time])
    assert due_and_pending == 2


def test_due_tickets_are_found_through_the_pending_time_index(engine: Engine) -> None:
    statement = select(tickets.c.id).where(where_clause(TicketQuery(pending_due_at=NOW)))
    compiled = statement.compile(engine, compile_kwargs={"literal_binds": True})
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            explain = f"EXPLAIN QUERY PLAN {compiled}"
        else:
            # A few rows make a sequential scan cheapest; without it the index must still be usable.
            connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
            explain = f"EXPLAIN {compiled}"
        plan = " ".join(str(row[-1]) for row in connection.exec_driver_sql(explain))
    assert "ix_tickets_pending_until" in plan, plan
