"""Each thread keeps its connection between units of work; nested units of work, threads beyond the
limit, ended threads, broken connections, a disposed engine and a forked child all still get a
connection that works, and none is left open behind. SQLite first, then what PostgreSQL adds."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy import Connection, Engine, make_url, text
from sqlalchemy.exc import OperationalError

from ticketflow.db.connect import IDLE_PING_SECONDS, RECYCLE_SECONDS, SQLITE_READ_ONLY, create_engine_for
from ticketflow.db.kept_connections import KeptConnections, kept_connections
from ticketflow.db.seed import seed_defaults
from ticketflow.db.unit_of_work import SqlUnitOfWork
from ticketflow.usecases.records import NewTicket


def _seeded_engine(url: str) -> Engine:
    engine = create_engine_for(url)
    with SqlUnitOfWork(engine) as uow:
        seed_defaults(uow)
        uow.commit()
    return engine


@pytest.fixture
def sqlite_engine(sqlite_url: str) -> Iterator[Engine]:
    engine = _seeded_engine(sqlite_url)
    yield engine
    engine.dispose()


def _keeper(engine: Engine) -> KeptConnections:
    keeper = kept_connections(engine)
    assert keeper is not None
    return keeper


def _driver(connection: Connection) -> Any:
    return connection.connection.driver_connection


def _add_ticket(engine: Engine) -> int:
    with SqlUnitOfWork(engine) as uow:
        ticket_id = uow.tickets.add(NewTicket("t", "Raw", "new", "3 normal", "root@localhost")).id
        uow.commit()
    return ticket_id


def test_a_thread_uses_the_same_connection_for_its_units_of_work(sqlite_engine: Engine) -> None:
    drivers = []
    for _ in range(3):
        with SqlUnitOfWork(sqlite_engine) as uow:
            drivers.append(_driver(uow.connection))
            uow.tickets.add(NewTicket("t", "Raw", "new", "3 normal", "root@localhost"))
            uow.commit()
    assert drivers[0] is drivers[1] is drivers[2]
    assert sqlite_engine.pool.checkedout() == 1  # the kept one, between units of work too
    assert _keeper(sqlite_engine).kept_count() == 1


def test_a_nested_unit_of_work_gets_a_connection_of_its_own(sqlite_engine: Engine) -> None:
    ticket_id = _add_ticket(sqlite_engine)
    with SqlUnitOfWork(sqlite_engine) as outer:
        outer_driver = _driver(outer.connection)
        with SqlUnitOfWork(sqlite_engine, read_only=True) as inner:
            assert _driver(inner.connection) is not outer_driver
            assert inner.tickets.get(ticket_id).id == ticket_id
        outer.tickets.get(ticket_id)
    assert sqlite_engine.pool.checkedout() == 1  # the nested one went back to the pool
    with SqlUnitOfWork(sqlite_engine) as again:
        assert _driver(again.connection) is outer_driver


def test_read_only_is_set_and_cleared_on_the_kept_connection(sqlite_engine: Engine) -> None:
    ticket_id = _add_ticket(sqlite_engine)
    with SqlUnitOfWork(sqlite_engine, read_only=True) as reader:
        reader.tickets.get(ticket_id)
        assert reader.connection.get_execution_options()[SQLITE_READ_ONLY] is True
    # The next writer on the same connection takes the write lock (BEGIN IMMEDIATE) again.
    with SqlUnitOfWork(sqlite_engine) as writer:
        assert writer.connection.get_execution_options()[SQLITE_READ_ONLY] is False
        added = writer.tickets.add(NewTicket("t2", "Raw", "new", "3 normal", "root@localhost")).id
        assert _driver(writer.connection).in_transaction
        writer.commit()
    with SqlUnitOfWork(sqlite_engine, read_only=True) as reader:
        assert reader.tickets.get(added).title == "t2"


def test_threads_keep_their_own_connections_up_to_the_limit(sqlite_engine: Engine) -> None:
    keeper = _keeper(sqlite_engine)
    keeper._limit = 2  # a small limit, to reach it with three threads
    release = threading.Event()
    entered = threading.Barrier(4)
    drivers: dict[int, object] = {}

    def work(index: int) -> None:
        with SqlUnitOfWork(sqlite_engine, read_only=True) as uow:
            drivers[index] = _driver(uow.connection)
            entered.wait(timeout=10)
            release.wait(timeout=10)

    threads = [threading.Thread(target=work, args=(index,)) for index in range(3)]
    for thread in threads:
        thread.start()
    entered.wait(timeout=10)
    assert keeper.kept_count() == 2  # the third thread took one from the pool
    assert len({id(driver) for driver in drivers.values()}) == 3
    release.set()
    for thread in threads:
        thread.join()
    assert sqlite_engine.pool.checkedout() == 2  # the two kept ones; the third went back


def test_the_connection_of_an_ended_thread_is_closed_when_its_place_is_needed(sqlite_engine: Engine) -> None:
    keeper = _keeper(sqlite_engine)
    keeper._limit = 1
    ended = threading.Thread(target=_add_ticket, args=(sqlite_engine,))
    ended.start()
    ended.join()
    assert keeper.kept_count() == 1
    assert sqlite_engine.pool.checkedout() == 1
    _add_ticket(sqlite_engine)  # this thread's turn: the ended thread's place is free
    assert keeper.kept_count() == 1
    assert sqlite_engine.pool.checkedout() == 1  # the ended thread's connection went back


def test_a_broken_kept_connection_is_replaced(sqlite_engine: Engine) -> None:
    with SqlUnitOfWork(sqlite_engine) as uow:
        broken = uow.connection
    broken.invalidate()
    ticket_id = _add_ticket(sqlite_engine)
    with SqlUnitOfWork(sqlite_engine, read_only=True) as uow:
        assert uow.connection is not broken
        assert uow.tickets.get(ticket_id).id == ticket_id


def test_dispose_closes_the_kept_connections_so_the_wal_is_folded_in(sqlite_url: str) -> None:
    engine = _seeded_engine(sqlite_url)
    _add_ticket(engine)
    with SqlUnitOfWork(engine) as uow:
        kept = _driver(uow.connection)
    engine.dispose()
    with pytest.raises(Exception, match="closed"):
        kept.execute("SELECT 1")
    assert _keeper(engine).kept_count() == 0
    wal = Path(sqlite_url.removeprefix("sqlite:///") + "-wal")
    assert not wal.exists()  # the last connection closed checkpointed it


def test_a_connection_in_use_while_the_engine_is_disposed_is_closed_when_given_back(sqlite_url: str) -> None:
    engine = _seeded_engine(sqlite_url)
    with SqlUnitOfWork(engine) as uow:
        driver = _driver(uow.connection)
        engine.dispose()
        uow.tickets.add(NewTicket("t", "Raw", "new", "3 normal", "root@localhost"))
        uow.commit()  # still usable until the unit of work ends
    with pytest.raises(Exception, match="closed"):
        driver.execute("SELECT 1")
    _add_ticket(engine)  # the engine goes on, on a new pool and a newly kept connection
    engine.dispose()


# Run in a process of its own: forking the test run itself, with whatever threads earlier tests left
# holding locks, can hang the child (a hang that once kept a CI run from ever finishing).
_FORK_SCRIPT = """
import json, os, signal, sys, time
from ticketflow.db.kept_connections import kept_connections
from ticketflow.db.unit_of_work import SqlUnitOfWork
from ticketflow.db.connect import create_engine_for
from ticketflow.db.seed import seed_defaults
from ticketflow.usecases.records import NewTicket

def add_ticket(engine):
    with SqlUnitOfWork(engine) as uow:
        number = uow.tickets.add(NewTicket("t", "Raw", "new", "3 normal", "root@localhost")).id
        uow.commit()
    return number

engine = create_engine_for(sys.argv[1])
with SqlUnitOfWork(engine) as uow:
    seed_defaults(uow)
    uow.commit()
first = add_ticket(engine)
reading, writing = os.pipe()
child = os.fork()
if child == 0:
    os.close(reading)
    report = {"kept_in_child": kept_connections(engine).kept_count(), "added_in_child": add_ticket(engine)}
    os.write(writing, json.dumps(report).encode())
    os._exit(0)
os.close(writing)
deadline = time.monotonic() + 30
while os.waitpid(child, os.WNOHANG) == (0, 0):
    if time.monotonic() > deadline:
        os.kill(child, signal.SIGKILL)
        sys.exit("the forked child hung")
    time.sleep(0.01)
report = json.loads(os.read(reading, 4096) or b"{}")
report.update(first=first, added_after=add_ticket(engine))
print(json.dumps(report))
"""


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork on this platform")
def test_a_forked_child_does_not_use_its_parents_connection(sqlite_url: str) -> None:
    finished = subprocess.run(
        [sys.executable, "-c", _FORK_SCRIPT, sqlite_url], capture_output=True, text=True, timeout=120
    )
    assert finished.returncode == 0, finished.stderr
    report = json.loads(finished.stdout)
    assert report["kept_in_child"] == 0  # the parent's connection was not inherited for use
    assert report["added_in_child"] == report["first"] + 1
    assert report["added_after"] == report["first"] + 2  # the parent's kept connection is still good


def test_a_thread_that_ended_inside_a_unit_of_work_does_not_keep_its_connection(
    sqlite_engine: Engine,
) -> None:
    keeper = _keeper(sqlite_engine)
    keeper._limit = 2  # this thread's (the fixture seeded through it) and one more
    abandoned: list[Connection] = []

    def enter_and_end() -> None:  # a thread killed before its unit of work ended
        uow = SqlUnitOfWork(sqlite_engine, read_only=True)
        uow.__enter__()
        abandoned.append(uow.connection)

    for target in (enter_and_end, lambda: _add_ticket(sqlite_engine)):  # the second needs the place
        thread = threading.Thread(target=target)
        thread.start()
        thread.join()
    assert abandoned[0].closed
    assert keeper.kept_count() == 2
    assert sqlite_engine.pool.checkedout() == 2


# PostgreSQL: what the pool checked at checkout is checked for the kept one: after sitting idle it
# must answer before it is used, an old one is retired, and read-only units of work (no transaction)
# and writing ones (a transaction) alternate on it without the one's setting leaking into the other.


@pytest.fixture
def postgres_engine(postgres_url: str) -> Iterator[Engine]:
    engine = create_engine_for(postgres_url)
    with SqlUnitOfWork(engine) as uow:
        seed_defaults(uow)
        uow.commit()
    yield engine
    engine.dispose()


def _backend(engine: Engine) -> int:
    with SqlUnitOfWork(engine, read_only=True) as uow:
        return int(uow.connection.execute(text("SELECT pg_backend_pid()")).scalar_one())


def _kept_entry(engine: Engine) -> object:
    (entry,) = _keeper(engine)._by_thread.values()
    return entry


@pytest.mark.postgres
def test_postgres_a_thread_uses_the_same_connection_for_its_units_of_work(postgres_engine: Engine) -> None:
    backends = {_backend(postgres_engine) for _ in range(3)}
    assert len(backends) == 1
    assert postgres_engine.pool.checkedout() == 1  # the kept one, between units of work too


@pytest.mark.postgres
def test_postgres_read_only_and_writing_units_of_work_alternate_on_the_kept_connection(
    postgres_engine: Engine,
) -> None:
    insert = text("INSERT INTO groups (name, comment, valid) VALUES (:name, '', true)")
    count = text("SELECT count(*) FROM groups WHERE name IN ('kept', 'undone')")
    with SqlUnitOfWork(postgres_engine, read_only=True) as uow:
        assert not uow.connection.connection.driver_connection.info.transaction_status  # idle: none
    with SqlUnitOfWork(postgres_engine) as uow:
        uow.connection.execute(insert, {"name": "undone"})  # left without commit: undone
    with SqlUnitOfWork(postgres_engine) as uow:
        uow.connection.execute(insert, {"name": "kept"})
        uow.commit()
    with SqlUnitOfWork(postgres_engine, read_only=True) as uow:
        assert uow.connection.execute(count).scalar_one() == 1
    with SqlUnitOfWork(postgres_engine) as uow:  # a writing one after a read-only one is a transaction again
        uow.connection.execute(insert, {"name": "undone"})
        assert uow.connection.connection.driver_connection.info.transaction_status
    with SqlUnitOfWork(postgres_engine, read_only=True) as uow:
        assert uow.connection.execute(count).scalar_one() == 1


@pytest.mark.postgres
def test_postgres_a_kept_connection_idle_for_a_while_and_gone_is_replaced_before_use(
    postgres_engine: Engine, postgres_url: str
) -> None:
    backend = _backend(postgres_engine)
    dsn = make_url(postgres_url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (backend,))
    entry = _kept_entry(postgres_engine)
    entry.last_used -= IDLE_PING_SECONDS + 1  # type: ignore[attr-defined]  # as if idle that long
    replaced = _backend(postgres_engine)  # no error: the ping found it gone
    assert replaced != backend
    assert postgres_engine.pool.checkedout() == 1


@pytest.mark.postgres
def test_postgres_a_kept_connection_in_steady_use_is_not_pinged(postgres_engine: Engine) -> None:
    _backend(postgres_engine)
    pings = []
    keeper = _keeper(postgres_engine)
    assert keeper._freshness is not None
    original = keeper._freshness.alive
    keeper._freshness = type(keeper._freshness)(
        keeper._freshness.check_after_idle, lambda c: pings.append(c) or original(c), RECYCLE_SECONDS
    )
    _backend(postgres_engine)
    assert pings == []
    _kept_entry(postgres_engine).last_used -= IDLE_PING_SECONDS + 1  # type: ignore[attr-defined]
    _backend(postgres_engine)
    assert len(pings) == 1


@pytest.mark.postgres
def test_postgres_an_old_kept_connection_is_retired(postgres_engine: Engine) -> None:
    with SqlUnitOfWork(postgres_engine, read_only=True) as uow:
        backend = uow.connection.execute(text("SELECT pg_backend_pid()")).scalar_one()
        record = uow.connection.connection._connection_record  # type: ignore[attr-defined]
    entry = _kept_entry(postgres_engine)
    entry.since -= RECYCLE_SECONDS + 1  # type: ignore[attr-defined]
    record.starttime -= RECYCLE_SECONDS + 1  # the pool's record is at least as old
    assert _backend(postgres_engine) != backend
    assert postgres_engine.pool.checkedout() == 1


@pytest.mark.postgres
def test_postgres_one_connection_found_broken_replaces_the_others_kept_since_before(
    postgres_engine: Engine, postgres_url: str
) -> None:
    """A server restart ends every connection: after the first unit of work meets it, the other
    threads' kept connections are replaced before use instead of each failing once."""
    go, done = threading.Event(), threading.Event()
    backends: list[int] = []

    def other_thread() -> None:
        backends.append(_backend(postgres_engine))
        go.wait(10)
        backends.append(_backend(postgres_engine))  # after the break: no error, a new connection
        done.set()

    thread = threading.Thread(target=other_thread)
    thread.start()
    _backend(postgres_engine)
    with postgres_engine.connect() as pooled:  # one more, back in the pool before the break
        pooled.exec_driver_sql("SELECT 1")
        pooled.rollback()
    dsn = make_url(postgres_url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn, autocommit=True) as admin:
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    with pytest.raises(OperationalError), SqlUnitOfWork(postgres_engine) as uow:
        uow.tickets.find(1)  # this thread meets the break first, in a statement of db.prepared
    go.set()
    thread.join(10)
    assert done.is_set()
    assert backends[0] != backends[1]
    with postgres_engine.connect() as pooled:  # the pool's own are replaced too
        assert pooled.exec_driver_sql("SELECT 1").scalar_one() == 1
