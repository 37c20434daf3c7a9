"""On PostgreSQL too each thread keeps its connection between units of work; what the pool checked at
checkout is checked for the kept one: after sitting idle it must answer before it is used, an old one
is retired, and read-only units of work (no transaction) and writing ones (a transaction) alternate
on it without the one's setting leaking into the other."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest
from sqlalchemy import Engine, make_url, text

from ticketflow.db.connect import IDLE_PING_SECONDS, RECYCLE_SECONDS, create_engine_for
from ticketflow.db.kept_connections import KeptConnections, kept_connections
from ticketflow.db.seed import seed_defaults
from ticketflow.db.unit_of_work import SqlUnitOfWork

pytestmark = pytest.mark.postgres


@pytest.fixture
def engine(postgres_url: str) -> Iterator[Engine]:
    engine = create_engine_for(postgres_url)
    with SqlUnitOfWork(engine) as uow:
        seed_defaults(uow)
        uow.commit()
    yield engine
    engine.dispose()


def _keeper(engine: Engine) -> KeptConnections:
    keeper = kept_connections(engine)
    assert keeper is not None
    return keeper


def _backend(engine: Engine) -> int:
    with SqlUnitOfWork(engine, read_only=True) as uow:
        return int(uow.connection.execute(text("SELECT pg_backend_pid()")).scalar_one())


def _kept_entry(engine: Engine) -> object:
    (entry,) = _keeper(engine)._by_thread.values()
    return entry


def test_a_thread_uses_the_same_connection_for_its_units_of_work(engine: Engine) -> None:
    backends = {_backend(engine) for _ in range(3)}
    assert len(backends) == 1
    assert engine.pool.checkedout() == 1  # the kept one, between units of work too


def test_read_only_and_writing_units_of_work_alternate_on_the_kept_connection(engine: Engine) -> None:
    insert = text("INSERT INTO groups (name, comment, valid) VALUES (:name, '', true)")
    count = text("SELECT count(*) FROM groups WHERE name IN ('kept', 'undone')")
    with SqlUnitOfWork(engine, read_only=True) as uow:
        assert not uow.connection.connection.driver_connection.info.transaction_status  # idle: none
    with SqlUnitOfWork(engine) as uow:
        uow.connection.execute(insert, {"name": "undone"})  # left without commit: undone
    with SqlUnitOfWork(engine) as uow:
        uow.connection.execute(insert, {"name": "kept"})
        uow.commit()
    with SqlUnitOfWork(engine, read_only=True) as uow:
        assert uow.connection.execute(count).scalar_one() == 1
    with SqlUnitOfWork(engine) as uow:  # a writing one after a read-only one is a transaction again
        uow.connection.execute(insert, {"name": "undone"})
        assert uow.connection.connection.driver_connection.info.transaction_status
    with SqlUnitOfWork(engine, read_only=True) as uow:
        assert uow.connection.execute(count).scalar_one() == 1


def test_a_kept_connection_idle_for_a_while_and_gone_is_replaced_before_use(
    engine: Engine, postgres_url: str
) -> None:
    backend = _backend(engine)
    dsn = make_url(postgres_url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (backend,))
    entry = _kept_entry(engine)
    entry.last_used -= IDLE_PING_SECONDS + 1  # type: ignore[attr-defined]  # as if idle that long
    replaced = _backend(engine)  # no error: the ping found it gone
    assert replaced != backend
    assert engine.pool.checkedout() == 1


def test_a_kept_connection_in_steady_use_is_not_pinged(engine: Engine) -> None:
    _backend(engine)
    pings = []
    keeper = _keeper(engine)
    assert keeper._freshness is not None
    original = keeper._freshness.alive
    keeper._freshness = type(keeper._freshness)(
        keeper._freshness.check_after_idle, lambda c: pings.append(c) or original(c), RECYCLE_SECONDS
    )
    _backend(engine)
    assert pings == []
    _kept_entry(engine).last_used -= IDLE_PING_SECONDS + 1  # type: ignore[attr-defined]
    _backend(engine)
    assert len(pings) == 1


def test_an_old_kept_connection_is_retired(engine: Engine) -> None:
    with SqlUnitOfWork(engine, read_only=True) as uow:
        backend = uow.connection.execute(text("SELECT pg_backend_pid()")).scalar_one()
        record = uow.connection.connection._connection_record  # type: ignore[attr-defined]
    entry = _kept_entry(engine)
    entry.since -= RECYCLE_SECONDS + 1  # type: ignore[attr-defined]
    record.starttime -= RECYCLE_SECONDS + 1  # the pool's record is at least as old
    assert _backend(engine) != backend
    assert engine.pool.checkedout() == 1
