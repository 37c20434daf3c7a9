"""On PostgreSQL the hot statements share one psycopg cursor per driver connection (making one per
statement was a measurable part of a durable step); each statement's result is read before the next
one runs. SQLite keeps a cursor per statement."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine

from ticketflow.db.prepared import _cursor
from ticketflow.db.seed import seed_defaults
from ticketflow.db.unit_of_work import SqlUnitOfWork
from ticketflow.usecases.records import NewTicket

NOW = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)


def _seed(uow_factory: Callable[[], SqlUnitOfWork]) -> None:
    with uow_factory() as uow:
        seed_defaults(uow)
        uow.commit()


def test_statements_in_turn_each_read_their_own_result(uow_factory: Callable[[], SqlUnitOfWork]) -> None:
    _seed(uow_factory)
    with uow_factory() as uow:
        first = uow.tickets.add(NewTicket("first", "Raw", "new", "3 normal", "root@localhost"))
        job = uow.jobs.enqueue("email", {"to": "a@example.com"}, ticket_id=first.id, run_at=NOW)
        second = uow.tickets.add(NewTicket("second", "Raw", "new", "3 normal", "root@localhost"))
        uow.commit()
    with uow_factory() as uow:
        assert uow.tickets.get(first.id).title == "first"
        assert uow.tickets.get(second.id).title == "second"
        assert [found.id for found in uow.jobs.list_jobs(first.id)] == [job]


@pytest.mark.postgres
def test_postgres_statements_share_the_cursor_of_their_driver_connection(postgres_url: str) -> None:
    from ticketflow.db.connect import create_engine_for

    engine: Engine = create_engine_for(postgres_url)
    try:
        with SqlUnitOfWork(engine) as uow:
            connection = uow.connection
            shared = _cursor(connection)
            assert _cursor(connection) is shared
            connection.invalidate()  # the driver connection is replaced
        with SqlUnitOfWork(engine) as uow:
            replaced = _cursor(uow.connection)
            assert replaced is not shared
            assert uow.tickets.find(1) is None  # and works
    finally:
        engine.dispose()


def test_sqlite_statements_get_a_cursor_each(sqlite_url: str) -> None:
    from ticketflow.db.connect import create_engine_for

    engine = create_engine_for(sqlite_url)
    try:
        with SqlUnitOfWork(engine) as uow:
            assert _cursor(uow.connection) is not _cursor(uow.connection)
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_a_server_gone_mid_unit_of_work_is_the_error_raised_and_the_next_one_works(postgres_url: str) -> None:
    import psycopg
    from sqlalchemy import make_url
    from sqlalchemy.exc import OperationalError, PendingRollbackError

    from ticketflow.db.connect import create_engine_for

    engine = create_engine_for(postgres_url)
    dsn = make_url(postgres_url).set(drivername="postgresql").render_as_string(hide_password=False)
    try:

        def find_after_the_server_went() -> None:
            with SqlUnitOfWork(engine) as uow:
                uow.tickets.find(1)
                backend = uow.connection.exec_driver_sql("SELECT pg_backend_pid()").scalar_one()
                with psycopg.connect(dsn, autocommit=True) as admin:
                    admin.execute("SELECT pg_terminate_backend(%s)", (backend,))
                uow.tickets.find(1)

        with pytest.raises(OperationalError) as raised:
            find_after_the_server_went()
        assert not isinstance(raised.value, PendingRollbackError)
        assert raised.value.connection_invalidated
        with SqlUnitOfWork(engine) as uow:
            assert uow.tickets.find(1) is None
    finally:
        engine.dispose()
