"""Reading through a read-only unit of work keeps the PostgreSQL session's prepared statements: psycopg
prepares a statement run five times on a connection, and forgets all of them at a ROLLBACK. Pages and
API calls read before they write; had their reads ended with ROLLBACK, every statement would be parsed
and planned again on every request."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from ticketflow.db.connect import create_engine_for
from ticketflow.db.unit_of_work import SqlUnitOfWork

pytestmark = pytest.mark.postgres


def _prepared_on_the_session(uow: SqlUnitOfWork) -> list[str]:
    rows = uow.connection.execute(text("SELECT statement FROM pg_prepared_statements")).scalars()
    return list(rows)


def test_reads_in_read_only_units_of_work_stay_prepared(postgres_url: str) -> None:
    engine = create_engine_for(postgres_url)
    try:
        for _ in range(6):
            with SqlUnitOfWork(engine, read_only=True) as uow:
                assert uow.tickets.find(1) is None
        with SqlUnitOfWork(engine, read_only=True) as uow:
            prepared = _prepared_on_the_session(uow)
        assert any("FROM tickets" in statement for statement in prepared), prepared
    finally:
        engine.dispose()


def test_a_unit_of_work_left_without_commit_still_undoes_its_writes(postgres_url: str) -> None:
    engine = create_engine_for(postgres_url)
    try:
        with SqlUnitOfWork(engine) as uow:
            uow.connection.execute(text("INSERT INTO groups (name, comment, valid) VALUES ('g', '', true)"))
        with SqlUnitOfWork(engine, read_only=True) as uow:
            count = uow.connection.execute(text("SELECT count(*) FROM groups WHERE name = 'g'")).scalar_one()
        assert count == 0
    finally:
        engine.dispose()
