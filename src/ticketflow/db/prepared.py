"""Hot statements run on the driver's cursor, compiled once per dialect by SQLAlchemy.

A durable step runs about ten statements; through ``Connection.execute`` each one costs ~50 µs of
SQLAlchemy bookkeeping (cache lookup, parameter processing, result set-up) against ~10 µs in the
driver on SQLite. ``Prepared`` keeps SQLAlchemy as the author of the SQL and of the type conversions
(the same bind and result processors ``execute`` would apply: aware UTC datetimes, JSON, booleans)
but runs the compiled string on the DBAPI cursor of the connection's current transaction.
Only for statements on the step's path; everything else stays on ``Connection.execute``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, DateTime, Dialect, Table, bindparam, insert
from sqlalchemy.engine.interfaces import DBAPICursor
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.expression import Executable
from sqlalchemy.types import TypeDecorator

_Processor = Callable[[Any], Any]


class _Compiled:
    __slots__ = ("names", "plan", "positional", "processors", "results", "sql")

    def __init__(self, statement: Any, dialect: Dialect, keys: Sequence[str], *, many: bool) -> None:
        compiled = statement.compile(dialect=dialect, column_keys=list(keys), for_executemany=many)
        self.sql: str = compiled.string
        self.positional: bool = bool(compiled.positional)
        self.names: tuple[str, ...] = tuple(compiled.positiontup or ()) if self.positional else ()
        self.processors: dict[str, _Processor] = {}
        for name, bind in compiled.binds.items():
            processor = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if processor is not None:
                if _is_datetime(bind.type):
                    processor = _shared_datetime_processor(dialect, bind.type, processor)
                self.processors[name] = processor
        # Positional drivers: the parameters in statement order, each with its conversion or None.
        self.plan = tuple((name, self.processors.get(name)) for name in self.names)
        # Result columns by name, with the conversion ``execute`` would apply (e.g. SQLite's text
        # timestamps back to aware datetimes).
        columns = statement.selected_columns if hasattr(statement, "selected_columns") else ()
        self.results: list[tuple[str, _Processor | None]] = [
            (column.key, column.type.dialect_impl(dialect).result_processor(dialect, None))
            for column in columns
        ]

    def parameters(self, values: Mapping[str, Any]) -> Any:
        if self.positional:
            # A list comprehension, not a generator into tuple(): half the cost per parameter, and
            # a step binds ~100 parameters (sqlite3 takes any sequence).
            return [
                values[name] if processor is None else processor(values[name])
                for name, processor in self.plan
            ]
        processors = self.processors
        return {
            name: processors[name](value) if name in processors else value for name, value in values.items()
        }


class Prepared:
    """One Core statement, compiled per dialect and per set of parameter names on first use."""

    __slots__ = ("_cache", "_statement")

    def __init__(self, statement: Executable) -> None:
        self._statement = statement
        self._cache: dict[tuple[str, tuple[str, ...], bool], _Compiled] = {}

    def _compiled(self, connection: Connection, keys: Iterable[str], *, many: bool) -> _Compiled:
        dialect = connection.dialect
        key = (dialect.name, tuple(keys), many)
        compiled = self._cache.get(key)
        if compiled is None:
            compiled = _Compiled(self._statement, dialect, key[1], many=many)
            self._cache[key] = compiled
        return compiled

    def execute(self, connection: Connection, values: Mapping[str, Any]) -> DBAPICursor:
        """Run once with ``values`` in the connection's transaction; returns the driver's cursor.
        Driver errors are raised as SQLAlchemy's (``IntegrityError`` …), as ``execute`` does."""
        compiled = self._compiled(connection, values.keys(), many=False)
        cursor = _cursor(connection)
        parameters = compiled.parameters(values)
        try:
            cursor.execute(compiled.sql, parameters)
        except connection.dialect.loaded_dbapi.Error as error:
            raise _translated(connection, compiled.sql, parameters, error) from error
        return cursor

    def executemany(self, connection: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
        """Run once per row (the driver batches: one round trip on psycopg's pipeline, one prepared
        statement on sqlite3). Every row must have the same keys."""
        if not rows:
            return
        compiled = self._compiled(connection, rows[0].keys(), many=True)
        parameters = [compiled.parameters(row) for row in rows]
        try:
            _cursor(connection).executemany(compiled.sql, parameters)
        except connection.dialect.loaded_dbapi.Error as error:
            raise _translated(connection, compiled.sql, parameters, error) from error

    def rows(
        self, connection: Connection, values: Mapping[str, Any], *, varying: Collection[str] | None = None
    ) -> list[dict[str, Any]]:
        """The result rows as dicts of converted values.

        With ``varying``, rows after the first hold only those columns: for a join that repeats the
        first row's other columns on every row (a ticket with its field rows), which the caller reads
        from the first row. Converting the repeated columns again cost a ticket load ~28 conversions
        per field row, two of them timestamp parses."""
        compiled = self._compiled(connection, values.keys(), many=False)
        cursor = self.execute(connection, values)
        columns = compiled.results
        fetched = cursor.fetchall()
        if varying is None or len(fetched) < 2:
            return [_converted(columns, row) for row in fetched]
        kept = [(i, name, processor) for i, (name, processor) in enumerate(columns) if name in varying]
        rest = [
            {name: (processor(row[index]) if processor else row[index]) for index, name, processor in kept}
            for row in fetched[1:]
        ]
        return [_converted(columns, fetched[0]), *rest]


def _converted(columns: Sequence[tuple[str, _Processor | None]], row: Sequence[Any]) -> dict[str, Any]:
    return {
        name: (processor(value) if processor else value)
        for (name, processor), value in zip(columns, row, strict=True)
    }


class PreparedInsert:
    """Rows inserted into one table by multi-row INSERTs (``VALUES (…), (…), …``), compiled per
    dialect, column set and row count on first use.

    One statement for a step's seven history rows instead of seven executions: on PostgreSQL the
    server plans and runs one statement instead of seven (each has its own executor start-up), and
    psycopg encodes one message; on SQLite the driver steps one statement.
    """

    __slots__ = ("_cache", "_table")

    MAX_ROWS = 32  # rows per statement; more go in further statements

    def __init__(self, table: Table) -> None:
        self._table = table
        self._cache: dict[tuple[str, tuple[str, ...], int], _InsertPlan] = {}

    def insert(self, connection: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
        """Insert ``rows`` (all with the same keys) in the connection's transaction. Driver errors are
        raised as SQLAlchemy's, as ``Connection.execute`` raises them."""
        for start in range(0, len(rows), self.MAX_ROWS):
            self._insert(connection, rows[start : start + self.MAX_ROWS])

    def _insert(self, connection: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
        if not rows:
            return
        compiled, plan, names = self._compiled(connection.dialect, tuple(rows[0].keys()), len(rows))
        # Straight from the rows to the driver's parameters, each value converted as ``execute``
        # would: no dict of the statement's named parameters in between (a step's history insert
        # binds 42 values).
        converted = [
            rows[index][key] if processor is None else processor(rows[index][key])
            for index, key, processor in plan
        ]
        parameters: Any = converted if compiled.positional else dict(zip(names, converted, strict=True))
        try:
            _cursor(connection).execute(compiled.sql, parameters)
        except connection.dialect.loaded_dbapi.Error as error:
            raise _translated(connection, compiled.sql, parameters, error) from error

    def _compiled(self, dialect: Dialect, keys: tuple[str, ...], count: int) -> _InsertPlan:
        """The statement for ``count`` rows of ``keys``, its parameters' plan in driver order and
        their names in that order."""
        cache_key = (dialect.name, keys, count)
        found = self._cache.get(cache_key)
        if found is None:
            columns = self._table.c
            names = tuple((f"{key}_r{index}", index, key) for index in range(count) for key in keys)
            rows = [
                {
                    key: bindparam(name, type_=columns[key].type)
                    for name, _index, key in names[i : i + len(keys)]
                }
                for i in range(0, len(names), len(keys))
            ]
            compiled = _Compiled(insert(self._table).values(rows), dialect, (), many=False)
            where = {name: (index, key) for name, index, key in names}
            # Positional drivers take the parameters in statement order; named ones by name.
            order = compiled.names if compiled.positional else tuple(name for name, _index, _key in names)
            plan = tuple((*where[name], compiled.processors.get(name)) for name in order)
            found = (compiled, plan, order)
            self._cache[cache_key] = found
        return found


# A multi-row insert's parameters in driver order: (row index, column key, conversion or None).
_RowPlan = tuple[tuple[int, str, "_Processor | None"], ...]
# The compiled insert, its row plan and the parameters' names in the same order.
_InsertPlan = tuple[_Compiled, _RowPlan, tuple[str, ...]]


@contextmanager
def batch(connection: Connection, *, commit: bool = False) -> Iterator[None]:
    """Send the ``Prepared`` statements run inside together, and with ``commit`` the COMMIT too.

    On PostgreSQL (psycopg 3) the block is a pipeline: the statements go out at once and the block
    ends with one round trip for all of them instead of one each; a durable step's history rows and
    its COMMIT then cost one round trip instead of two. Their errors are raised when the block ends
    (as SQLAlchemy's exceptions). With ``commit`` the transaction is committed on the driver;
    ``Connection.commit()`` must still follow (it ends SQLAlchemy's transaction; the driver has
    nothing left to commit and sends nothing); the NOTIFYs asked for in the transaction
    (``notify_at_commit``) go right before the COMMIT. Elsewhere (sqlite3 runs each statement at once)
    the block changes nothing and ``commit`` is left to ``Connection.commit()``.
    """
    driver = _driver_connection(connection)
    if not _can_pipeline(driver):
        yield
        return
    try:
        with driver.pipeline():
            for write in connection.info.pop(PENDING_WRITES, ()):
                write()
            yield
            if commit:
                cursor = driver.cursor()
                for channel in _take_notifications(connection):
                    cursor.execute(f"NOTIFY {channel}")
                cursor.execute("COMMIT")
    except connection.dialect.loaded_dbapi.Error as error:
        raise _translated(connection, "(pipelined statements)", (), error) from error


# Connection.info key (the pooled connection's info): writes nobody reads the result of, waiting for
# the transaction's next ``batch`` (PostgreSQL). Dropped like the notifications below.
PENDING_WRITES = "ticketflow_writes_with_batch"


def write_with_batch(connection: Connection, write: Callable[[], object]) -> None:
    """PostgreSQL: run ``write`` (a statement whose result nobody reads, as a job's INSERT) inside
    the transaction's next ``batch``, usually the one carrying the COMMIT, instead of in a round
    trip of its own (~70 µs of a durable step's latency, ~30 µs of its client CPU). Elsewhere at
    once. Code that must read what it wrote calls ``flush_writes`` first."""
    if not pipelines(connection):
        write()
        return
    connection.info.setdefault(PENDING_WRITES, []).append(write)


def writes_pending(connection: Connection) -> bool:
    return bool(connection.info.get(PENDING_WRITES))


def flush_writes(connection: Connection) -> None:
    """Send the writes still waiting for a batch now (one round trip for all of them)."""
    if writes_pending(connection):
        with batch(connection):
            pass


def forget_writes(connection: Connection) -> None:
    connection.info.pop(PENDING_WRITES, None)


# Connection.info key (the pooled connection's info): the channels to NOTIFY when its transaction
# commits. Dropped on rollback and when the connection goes back to the pool (ticketflow.db.connect).
PENDING_NOTIFICATIONS = "ticketflow_notify_at_commit"


def notify_at_commit(connection: Connection, channel: str) -> None:
    """PostgreSQL: NOTIFY ``channel`` when the transaction commits, sent with the COMMIT (``batch``)
    instead of in a round trip of its own; once per channel however often it is asked. Elsewhere
    nothing (nobody LISTENs). ``send_notifications`` is the fallback for commits outside ``batch``;
    ``forget_notifications`` drops them on rollback."""
    if connection.dialect.name != "postgresql":
        return
    pending: set[str] = connection.info.setdefault(PENDING_NOTIFICATIONS, set())
    pending.add(channel)


def send_notifications(connection: Connection) -> None:
    """Send the writes and NOTIFYs still pending, in the transaction (for a commit that is not a
    ``batch``)."""
    for write in connection.info.pop(PENDING_WRITES, ()):
        write()
    channels = _take_notifications(connection)
    if channels:
        cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
        for channel in channels:
            cursor.execute(f"NOTIFY {channel}")


def notifications_pending(connection: Connection) -> bool:
    return bool(connection.info.get(PENDING_NOTIFICATIONS))


def forget_notifications(connection: Connection) -> None:
    """After a rollback: the NOTIFYs and the writes waiting for a batch belonged to it. An
    invalidated connection (its server gone) has no driver connection left to keep them on: asking
    for its ``info`` would raise over the error that invalidated it."""
    if connection.invalidated:
        return
    connection.info.pop(PENDING_NOTIFICATIONS, None)
    connection.info.pop(PENDING_WRITES, None)


def _take_notifications(connection: Connection) -> list[str]:
    return sorted(connection.info.pop(PENDING_NOTIFICATIONS, ()))


def pipelines(connection: Connection) -> bool:
    """Whether ``batch`` sends statements together on this connection (psycopg 3 on libpq ≥ 14)."""
    return _can_pipeline(connection.connection.driver_connection)


def _can_pipeline(driver: Any) -> bool:
    """Whether the driver connection is psycopg 3's with a libpq that has pipeline mode (≥ 14)."""
    kind = type(driver)
    known = _PIPELINES.get(kind)
    if known is None:
        pipeline = getattr(sys.modules.get("psycopg"), "Pipeline", None)
        known = _PIPELINES[kind] = hasattr(driver, "pipeline") and bool(pipeline and pipeline.is_supported())
    return known


_PIPELINES: dict[type, bool] = {}


def _driver_connection(connection: Connection) -> Any:
    if not connection.in_transaction():
        connection.begin()
    return connection.connection.driver_connection


def _is_datetime(type_: Any) -> bool:
    """Whether a column type takes datetimes (``DateTime`` or a decorator of it, as ``UtcDateTime``)."""
    implementation = type_.impl_instance if isinstance(type_, TypeDecorator) else type_
    return isinstance(implementation, DateTime)


# One remembering processor per dialect and datetime type, shared by every statement and bind: a step
# binds the same ``now`` to each history row (one bind per row of the multi-row INSERT), the job's
# times and more; with a memo per bind each of them converted it again: 10 conversions per durable
# step, now 4 (the step's ``now`` and the clock's times of the ticket update and the job, interleaved).
_DATETIME_PROCESSORS: dict[tuple[str, str], _Processor] = {}


def _shared_datetime_processor(dialect: Dialect, type_: Any, processor: _Processor) -> _Processor:
    key = (dialect.name, repr(type_))  # e.g. ("sqlite", "UtcDateTime()"): same type, same conversion
    shared = _DATETIME_PROCESSORS.get(key)
    if shared is None:
        shared = _DATETIME_PROCESSORS[key] = _remember_last(processor)
    return shared


def _remember_last(processor: _Processor) -> _Processor:
    """``processor`` with its last result kept: a step binds the same ``now`` a dozen times (each
    history row, the job) and converting an aware datetime costs ~3 µs on SQLite. Only for
    datetimes, which are immutable, so the same object always converts the same. The pair is
    replaced as one object, so threads sharing the statement never see a value with another's result."""
    last: list[tuple[Any, Any]] = [(object(), None)]

    def remembering(value: Any) -> Any:
        seen, result = last[0]
        if value is seen:
            return result
        result = processor(value)
        last[0] = (value, result)
        return result

    return remembering


def _translated(connection: Connection, sql: str, parameters: Any, error: Exception) -> Exception:
    """SQLAlchemy's exception for a driver error, as ``Connection.execute`` raises it; a connection
    the error shows broken (server gone) is invalidated, so the pool replaces it."""
    dialect = connection.dialect
    dbapi_error = dialect.loaded_dbapi.Error
    driver_error: Any = error  # one of the driver's exceptions (the except clauses catch only those)
    disconnected = dialect.is_disconnect(driver_error, connection.connection.dbapi_connection, None)
    if disconnected and not connection.invalidated:
        # As SQLAlchemy does for the statements it runs: the pool's connections made before this one
        # are suspect too (a server restart ends them all) and are replaced at their next checkout.
        connection.engine.pool._invalidate(connection.connection, error)
        connection.invalidate(error)
    return DBAPIError.instance(
        sql, parameters, error, dbapi_error, dialect=dialect, connection_invalidated=disconnected
    )


# Connection.info key (the pooled connection's info): psycopg's cursor for ``Prepared`` statements,
# with the driver connection it belongs to.
SHARED_CURSOR = "ticketflow_shared_cursor"


def _cursor(connection: Connection) -> DBAPICursor:
    """A cursor of the DBAPI connection inside ``connection``'s transaction (begun if not yet).

    On PostgreSQL one cursor per driver connection, used by every statement in turn: psycopg
    fetches a statement's whole result when it runs and each caller reads it at once, and making a
    psycopg cursor (with its adapters' map) cost ~4% of a durable step's client CPU, six times per
    step (alternating runs). sqlite3 gets a cursor each: one left with rows unread keeps its
    statement running, which would then live on in a shared cursor until the next statement."""
    if not connection.in_transaction():
        connection.begin()  # runs the engine's "begin" hooks (SQLite's BEGIN IMMEDIATE)
    pooled = connection.connection
    if connection.dialect.name != "postgresql":
        return pooled.cursor()
    driver = pooled.dbapi_connection
    shared = pooled.info.get(SHARED_CURSOR)
    if shared is None or shared[0] is not driver:
        shared = pooled.info[SHARED_CURSOR] = (driver, pooled.cursor())
    cursor: DBAPICursor = shared[1]
    return cursor
