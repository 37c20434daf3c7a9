"""Jobs queued with ``enqueue_at_commit`` belong to the transaction like any other write: committed
with it, gone with a rollback, seen by the queue's own reads before the commit. On PostgreSQL the
INSERT waits for the COMMIT's round trip (counted in libpq's protocol trace)."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import Engine

from ticketflow.db.unit_of_work import SqlUnitOfWork
from ticketflow.usecases.records import JobStatus, NewTicket

Factory = Callable[[], SqlUnitOfWork]
RUN_AT = datetime(2026, 11, 26, 12, tzinfo=UTC)
NEW = NewTicket(title="t", queue="Raw", state="new", priority="3 normal", owner="root@localhost")


def _ticket(uow_factory: Factory) -> int:
    with uow_factory() as uow:
        ticket_id = uow.tickets.add(NEW).id
        uow.commit()
    return ticket_id


def test_a_job_queued_at_commit_is_committed_and_seen_before_by_the_queue(uow_factory: Factory) -> None:
    ticket_id = _ticket(uow_factory)
    with uow_factory() as uow:
        uow.jobs.enqueue_at_commit("email", {"to": "a"}, ticket_id=ticket_id, run_at=RUN_AT)
        seen_inside = [(j.kind, j.payload, j.status) for j in uow.jobs.list_jobs(ticket_id)]
        uow.jobs.enqueue_at_commit("email", {"to": "b"}, ticket_id=ticket_id, run_at=RUN_AT)
        uow.commit()
    with uow_factory() as uow:
        committed = [j.payload["to"] for j in uow.jobs.list_jobs(ticket_id)]
    assert seen_inside == [("email", {"to": "a"}, JobStatus.QUEUED)]
    assert committed == ["a", "b"]


def test_a_rollback_drops_the_jobs_queued_at_commit(uow_factory: Factory) -> None:
    ticket_id = _ticket(uow_factory)
    with uow_factory() as uow:
        uow.jobs.enqueue_at_commit("email", {"to": "a"}, ticket_id=ticket_id, run_at=RUN_AT)
        uow.rollback()
    with uow_factory() as uow:  # and the connection, back in the pool, carries nothing over
        uow.commit()
    with uow_factory() as uow:
        assert uow.jobs.list_jobs(ticket_id) == []


def test_leaving_without_commit_drops_the_jobs_queued_at_commit(uow_factory: Factory) -> None:
    ticket_id = _ticket(uow_factory)
    with uow_factory() as uow:
        uow.jobs.enqueue_at_commit("email", {"to": "a"}, ticket_id=ticket_id, run_at=RUN_AT)
    with uow_factory() as uow:  # the thread's kept connection carries nothing over
        uow.commit()
    with uow_factory() as uow:
        assert uow.jobs.list_jobs(ticket_id) == []


@pytest.mark.postgres
def test_on_postgresql_the_insert_travels_with_the_commit(postgres_url: str, tmp_path: Path) -> None:
    from ticketflow.db.connect import create_engine_for
    from ticketflow.db.seed import seed_defaults

    engine: Engine = create_engine_for(postgres_url)
    try:
        with SqlUnitOfWork(engine) as uow:
            seed_defaults(uow)
            uow.commit()
        ticket_id = _ticket(lambda: SqlUnitOfWork(engine))
        trace = tmp_path / "libpq.trace"
        with SqlUnitOfWork(engine) as uow:
            driver = uow.connection.connection.driver_connection
            assert isinstance(driver, psycopg.Connection)
            assert uow.jobs.list_jobs(ticket_id) == []  # the transaction has begun, as a step's has
            descriptor = os.open(trace, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
            driver.pgconn.trace(descriptor)
            driver.pgconn.set_trace_flags(
                psycopg.pq.Trace.SUPPRESS_TIMESTAMPS | psycopg.pq.Trace.REGRESS_MODE
            )
            uow.jobs.enqueue_at_commit("email", {"to": "a"}, ticket_id=ticket_id, run_at=RUN_AT)
            sent_before_commit = trace.read_text() if trace.exists() else ""
            uow.commit()
            driver.pgconn.untrace()
            os.close(descriptor)
        messages = [line.split("\t")[2] for line in trace.read_text().splitlines() if line.startswith("F")]
        with SqlUnitOfWork(engine) as uow:
            assert [j.payload for j in uow.jobs.list_jobs(ticket_id)] == [{"to": "a"}]
    finally:
        engine.dispose()
    assert "Execute" not in sent_before_commit
    syncs = [m for m in messages if m.startswith(("Sync", "Query"))]
    assert len(syncs) == 1, messages  # the INSERT, the NOTIFY and the COMMIT: one round trip
