"""Engines for SQLite (the default) and PostgreSQL, configured the one way ticketflow needs them."""

from __future__ import annotations

import sqlite3
import threading
import time
import weakref
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Engine, create_engine, event, exc, make_url
from sqlalchemy.engine import Connection
from sqlalchemy.pool import ConnectionPoolEntry, PoolProxiedConnection, StaticPool

from ticketflow.db.kept_connections import Freshness, keep_connections
from ticketflow.db.prepared import (
    PENDING_NOTIFICATIONS,
    PENDING_WRITES,
    forget_notifications,
    send_notifications,
)
from ticketflow.db.sqlite_writer_lock import SqliteWriterLock
from ticketflow.db.wal_checkpoints import WalCheckpointer, WriterLock
from ticketflow.domain.errors import ConflictError

# Execution option a unit of work sets to open a plain (deferred) SQLite transaction for reads.
SQLITE_READ_ONLY = "ticketflow_sqlite_read_only"

SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",  # readers never block the writer, nor the writer readers
    "PRAGMA foreign_keys=ON",  # SQLite ignores foreign keys unless told, per connection
    "PRAGMA busy_timeout=5000",  # wait for the write lock instead of failing at once
    "PRAGMA synchronous=NORMAL",  # durable at checkpoints; safe with WAL, much faster than FULL
    # Checkpoints (copy the WAL into the database, fsync) are run by a thread of their own
    # (wal_checkpoints.py), off the writers' path. SQLite's own, run inside the commit that crosses
    # this threshold (~80 MB of WAL), is only the safety net should that thread fall behind.
    "PRAGMA wal_autocheckpoint=20000",
    # A page cache of up to 16 MiB per connection instead of SQLite's 2 MiB: a durable step changes
    # the entries of a ticket in seven indexes, scattered over pages that no longer fit in 2 MiB
    # once there are some 10,000 tickets; each miss is a read of the file and a lookup in the WAL
    # index. Alternating runs on the shared 2-vCPU VM, 2,500 steps each over ~10,000 tickets: CPU
    # per step min 645 → 592 µs, median 713 → 649 µs (five pairs). Pages are taken as they are
    # read, so a small database costs no more memory.
    "PRAGMA cache_size=-16384",
)

# PostgreSQL: a connection idle longer than this is pinged before use (see below), and one older
# than RECYCLE_SECONDS is retired.
IDLE_PING_SECONDS = 10.0
RECYCLE_SECONDS = 1800


def create_engine_for(url: str) -> Engine:
    """An engine for ``url``: ``sqlite:///path`` (directory created if missing) or
    ``postgresql+psycopg://…``. Callers own the engine and must ``dispose()`` it."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(url)
    engine = create_engine(
        url,
        pool_size=10,
        max_overflow=20,
        pool_recycle=RECYCLE_SECONDS,
        json_serializer=json_text,
        json_deserializer=json_value,
    )
    # Threads keep their connection between units of work (kept_connections.py); the idle ping and
    # the recycling are then done for the kept ones as the pool does them for its own.
    keep_connections(engine, freshness=Freshness(IDLE_PING_SECONDS, _answers, RECYCLE_SECONDS))
    event.listen(engine, "checkin", _mark_idle)
    event.listen(engine, "checkout", _ping_if_idle)
    # NOTIFYs asked for with notify_at_commit normally go with the COMMIT's pipeline (prepared.batch);
    # a commit made otherwise sends them just before, and a rollback drops them.
    event.listen(engine, "commit", send_notifications)
    event.listen(engine, "rollback", forget_notifications)
    return engine


def json_text(value: Any) -> str:
    """JSON columns' text, compact, by orjson: a durable step's trace (~2 KB) encoded in a tenth of
    the standard library's time. Keys that are not strings are written as strings, as ``json.dumps``
    does. Most history rows of a step have an empty trace: their text is a constant."""
    if value == []:
        return "[]"
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


def json_value(text: str | bytes) -> Any:
    """A JSON column's value from its text (orjson; the same values ``json.loads`` gives)."""
    return orjson.loads(text)


def _mark_idle(_dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
    record.info["idle_since"] = time.monotonic()
    record.info.pop(PENDING_NOTIFICATIONS, None)  # of a transaction that ended without commit
    record.info.pop(PENDING_WRITES, None)


def _ping_if_idle(dbapi_connection: Any, record: ConnectionPoolEntry, _proxy: PoolProxiedConnection) -> None:
    """Ping a connection only when it sat idle in the pool, instead of ``pool_pre_ping`` on every
    checkout (a round trip on every unit of work: one in ten of a durable step's on PostgreSQL).
    A connection in steady use is known good; one that was idle may have been closed by a server
    restart or a firewall. A failed ping makes the pool discard it and hand out a fresh one. A
    connection that breaks while busy fails that one unit of work and is invalidated (SQLAlchemy and
    ``Prepared`` do so on a disconnect error); ``pool_recycle`` retires old ones."""
    idle_since = record.info.get("idle_since")
    if idle_since is None or time.monotonic() - idle_since < IDLE_PING_SECONDS:
        return
    try:
        _ping(dbapi_connection)
    except Exception as error:  # any driver error: the connection is not usable
        raise exc.DisconnectionError(f"an idle pooled connection is gone: {error}") from error


def _answers(connection: Connection) -> bool:
    """Whether a kept connection that sat idle still reaches its server; one that does not is
    invalidated (the pool then discards it instead of resetting it)."""
    try:
        _ping(connection.connection.dbapi_connection)
    except Exception as error:  # any driver error: the connection is not usable
        connection.invalidate(error)
        return False
    return True


def _ping(dbapi_connection: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("SELECT 1")
    finally:
        cursor.close()
    dbapi_connection.rollback()  # the ping opened a transaction; the unit of work opens its own


# The background WAL checkpointer of each SQLite file engine (see wal_checkpointer()).
_CHECKPOINTERS: weakref.WeakKeyDictionary[Engine, WalCheckpointer] = weakref.WeakKeyDictionary()


def wal_checkpointer(engine: Engine) -> WalCheckpointer | None:
    """The thread that checkpoints ``engine``'s WAL; None for PostgreSQL and in-memory SQLite."""
    return _CHECKPOINTERS.get(engine)


def _sqlite_engine(url: str) -> Engine:
    parsed = make_url(url)
    database = parsed.database or ""
    in_memory = database in ("", ":memory:")
    options: dict[str, Any] = {}
    if in_memory:
        # One shared connection, or every connection would see its own empty database.
        options = {"poolclass": StaticPool, "connect_args": {"check_same_thread": False}}
    else:
        Path(database).parent.mkdir(parents=True, exist_ok=True)
        # Room for the connections threads keep (kept_connections.py) and for those taken besides.
        options = {"pool_size": 10, "max_overflow": 20}
    engine = create_engine(url, json_serializer=json_text, json_deserializer=json_value, **options)
    event.listen(engine, "connect", _configure_sqlite_connection)
    # One writer at a time: threads and processes queue for their turn (sqlite_writer_lock.py)
    # instead of in SQLite's busy handler, which sleeps in growing steps (up to 100 ms) and so made
    # the tails of concurrent web requests long.
    writer: WriterLock = threading.RLock() if in_memory else SqliteWriterLock(database)
    event.listen(engine, "begin", lambda connection: _begin_sqlite_transaction(connection, writer))
    _release_writer_after_transactions(engine)
    if isinstance(writer, SqliteWriterLock):
        checkpointer = WalCheckpointer(database, writer)
        event.listen(engine, "commit", lambda _connection: checkpointer.note_commit())
        event.listen(engine, "engine_disposed", lambda _engine: _closed(checkpointer, writer))
        _CHECKPOINTERS[engine] = checkpointer
        keep_connections(engine)
    return engine


def _closed(checkpointer: WalCheckpointer, writer: SqliteWriterLock) -> None:
    checkpointer.stop()
    writer.close()


def _configure_sqlite_connection(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy, not the sqlite3 module, decide when a transaction begins (see below).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        for pragma in SQLITE_PRAGMAS:
            cursor.execute(pragma)
    finally:
        cursor.close()


_WRITER = "ticketflow_sqlite_writer"
# How long a change waits for the writers ahead of it before it gives up with a clear error.
WRITER_WAIT_SECONDS = 30.0


def _release_writer_after_transactions(engine: Engine) -> None:
    """Let the next writer of this process in once the driver's COMMIT or ROLLBACK has returned.

    Not from SQLAlchemy's "commit" and "rollback" events: they run before the driver's COMMIT, so
    the next writer's ``BEGIN IMMEDIATE`` met a COMMIT still writing the WAL and went to sleep in
    SQLite's busy handler (1, 2, 5, 10 … ms). The dialect's own ``do_commit``/``do_rollback`` are
    wrapped instead; the pool's rollback when a connection is returned goes through them too."""
    dialect = engine.dialect
    commit, rollback = dialect.do_commit, dialect.do_rollback

    def do_commit(dbapi_connection: Any) -> None:
        try:
            commit(dbapi_connection)
        finally:
            _release_writer(dbapi_connection)

    def do_rollback(dbapi_connection: Any) -> None:
        try:
            rollback(dbapi_connection)
        finally:
            _release_writer(dbapi_connection)

    dialect.do_commit = do_commit  # type: ignore[method-assign]
    dialect.do_rollback = do_rollback  # type: ignore[method-assign]


def _release_writer(pooled_connection: Any) -> None:
    """Release the writer lock the connection's transaction took, if it took one. ``info`` is the
    pool entry's, the same dict ``_begin_sqlite_transaction`` wrote to."""
    try:
        info = pooled_connection.info
    except (AttributeError, NotImplementedError):
        return  # e.g. the bare connection SQLAlchemy rolls back when it first connects
    writer = info.pop(_WRITER, None)
    if writer is not None:
        writer.release()


def _begin_sqlite_transaction(connection: Connection, writer: WriterLock) -> None:
    """Writes take the write lock up front (``BEGIN IMMEDIATE``): a deferred transaction that reads
    and then writes cannot wait for the lock and fails with "database is locked" under load."""
    read_only = connection.get_execution_options().get(SQLITE_READ_ONLY, False)
    if not read_only:
        if not writer.acquire(timeout=WRITER_WAIT_SECONDS):
            raise ConflictError("the database is busy with other changes; try again in a moment")
        connection.info[_WRITER] = writer
    # On the driver's connection: through ``exec_driver_sql`` this one statement cost a fifth of a
    # durable step's SQLAlchemy overhead, and it returns nothing SQLAlchemy needs to see.
    try:
        connection.connection.driver_connection.execute("BEGIN" if read_only else "BEGIN IMMEDIATE")  # type: ignore[union-attr]
    except BaseException as error:
        _release_writer(connection)  # no transaction began, so no COMMIT or ROLLBACK will release it
        if isinstance(error, sqlite3.OperationalError) and "locked" in str(error):
            # Another process (the worker, a CLI command) held the write lock past busy_timeout.
            raise ConflictError("the database is busy with other changes; try again in a moment") from error
        raise
