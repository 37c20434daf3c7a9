"""PostgreSQL: a transaction that queued a job NOTIFYs the workers when — and only if — it commits.

A trigger on ``jobs`` NOTIFYs for the statements that insert jobs, whoever runs them; a requeue asks
for its NOTIFY, which travels with the COMMIT. These tests listen on a connection of their own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import psycopg
import pytest
from sqlalchemy import Engine, make_url

from ticketflow.db.job_repository import NOTIFY_CHANNEL
from ticketflow.db.tables import jobs
from ticketflow.db.unit_of_work import SqlUnitOfWork
from ticketflow.usecases.records import HistoryEntry, NewTicket

pytestmark = pytest.mark.postgres

Factory = Callable[[], SqlUnitOfWork]
RUN_AT = datetime(2026, 11, 26, 12, tzinfo=UTC)


@pytest.fixture
def database_url(postgres_url: str) -> str:
    return postgres_url


@contextmanager
def listening(engine: Engine) -> Iterator[Callable[[], list[str]]]:
    """A LISTENing connection; yields a function returning the notifications received so far."""
    dsn = make_url(engine.url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn, autocommit=True) as connection:
        connection.execute(f"LISTEN {NOTIFY_CHANNEL}")

        def received() -> list[str]:
            connection.execute("SELECT 1")  # a round trip delivers what arrived meanwhile
            return [notify.channel for notify in connection.notifies(timeout=0.2, stop_after=10)]

        yield received


def _ticket(uow: SqlUnitOfWork) -> int:
    return uow.tickets.add(NewTicket("t", "Raw", "new", "3 normal", "root@localhost")).id


def test_a_step_that_queued_jobs_notifies_once_at_commit(engine: Engine, uow_factory: Factory) -> None:
    with listening(engine) as received:
        with uow_factory() as uow:
            ticket_id = _ticket(uow)
            uow.tickets.add_history(HistoryEntry(ticket_id, "Misc", "%%x", RUN_AT, "root@localhost"))
            uow.jobs.enqueue("email", {"to": "a"}, ticket_id=ticket_id, run_at=RUN_AT)
            uow.jobs.enqueue("email", {"to": "b"}, ticket_id=ticket_id, run_at=RUN_AT)
            assert received() == []  # not before the commit
            uow.commit()
        assert received() == [NOTIFY_CHANNEL]


@pytest.mark.parametrize("at_commit", [False, True], ids=["enqueue", "enqueue_at_commit"])
def test_a_commit_with_nothing_else_pending_still_notifies(
    engine: Engine, uow_factory: Factory, at_commit: bool
) -> None:
    with uow_factory() as uow:
        ticket_id = _ticket(uow)
        uow.commit()
    with listening(engine) as received:
        with uow_factory() as uow:
            enqueue = uow.jobs.enqueue_at_commit if at_commit else uow.jobs.enqueue
            enqueue("email", {"to": "a"}, ticket_id=ticket_id, run_at=RUN_AT)
            uow.commit()
        assert received() == [NOTIFY_CHANNEL]


def test_a_commit_on_the_connection_itself_notifies_too(engine: Engine, uow_factory: Factory) -> None:
    with listening(engine) as received:
        with uow_factory() as uow:
            uow.jobs.enqueue("email", {"to": "a"}, ticket_id=None, run_at=RUN_AT)
            uow.connection.commit()  # as db-package code beside the repositories may do
        assert received() == [NOTIFY_CHANNEL]


def test_a_rolled_back_transaction_notifies_nobody_later_either(engine: Engine, uow_factory: Factory) -> None:
    with listening(engine) as received:
        with uow_factory() as uow:
            uow.jobs.enqueue("email", {"to": "a"}, ticket_id=None, run_at=RUN_AT)
            uow.rollback()
        with uow_factory() as uow:
            uow.jobs.enqueue("email", {"to": "b"}, ticket_id=None, run_at=RUN_AT)
        # left without commit: rolled back
        with uow_factory() as uow:  # the same pooled connection, a transaction queuing nothing
            _ticket(uow)
            uow.commit()
        assert received() == []
        with uow_factory() as uow:
            assert uow.jobs.list_jobs() == []


def test_a_job_inserted_by_plain_sql_wakes_the_workers_too(engine: Engine) -> None:
    with listening(engine) as received:
        with engine.begin() as connection:
            connection.execute(
                jobs.insert().values(
                    kind="email",
                    payload={},
                    status="queued",
                    attempts=0,
                    max_attempts=1,
                    run_at=RUN_AT,
                    created_at=RUN_AT,
                )
            )
        assert received() == [NOTIFY_CHANNEL]


def test_a_requeued_job_wakes_the_workers(engine: Engine, uow_factory: Factory) -> None:
    with uow_factory() as uow:
        job_id = uow.jobs.enqueue("email", {"to": "a"}, ticket_id=None, run_at=RUN_AT)
        uow.commit()
    with listening(engine) as received:
        with uow_factory() as uow:
            uow.jobs.requeue(job_id, run_at=RUN_AT, extra_attempts=1)
            assert received() == []
            uow.commit()
        assert received() == [NOTIFY_CHANNEL]
