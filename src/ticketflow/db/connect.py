"""Engines for SQLite (the default) and PostgreSQL, configured the one way ticketflow needs them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.engine import Connection
from sqlalchemy.pool import StaticPool

# Execution option a unit of work sets to open a plain (deferred) SQLite transaction for reads.
SQLITE_READ_ONLY = "ticketflow_sqlite_read_only"

_SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",  # readers never block the writer, nor the writer readers
    "PRAGMA foreign_keys=ON",  # SQLite ignores foreign keys unless told, per connection
    "PRAGMA busy_timeout=5000",  # wait for the write lock instead of failing at once
    "PRAGMA synchronous=NORMAL",  # durable at checkpoints; safe with WAL, much faster than FULL
)


def create_engine_for(url: str) -> Engine:
    """An engine for ``url``: ``sqlite:///path`` (directory created if missing) or
    ``postgresql+psycopg://…``. Callers own the engine and must ``dispose()`` it."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(url)
    return create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True, pool_recycle=1800)


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
    engine = create_engine(url, **options)
    event.listen(engine, "connect", _configure_sqlite_connection)
    event.listen(engine, "begin", _begin_sqlite_transaction)
    return engine


def _configure_sqlite_connection(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy, not the sqlite3 module, decide when a transaction begins (see below).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        for pragma in _SQLITE_PRAGMAS:
            cursor.execute(pragma)
    finally:
        cursor.close()


def _begin_sqlite_transaction(connection: Connection) -> None:
    """Writes take the write lock up front (``BEGIN IMMEDIATE``): a deferred transaction that reads
    and then writes cannot wait for the lock and fails with "database is locked" under load."""
    read_only = connection.get_execution_options().get(SQLITE_READ_ONLY, False)
    # On the driver's connection: through ``exec_driver_sql`` this one statement cost a fifth of a
    # durable step's SQLAlchemy overhead, and it returns nothing SQLAlchemy needs to see.
    connection.connection.driver_connection.execute("BEGIN" if read_only else "BEGIN IMMEDIATE")  # type: ignore[union-attr]
