"""Hot statements run on the driver's cursor, compiled once per dialect by SQLAlchemy.

A durable step runs about ten statements; through ``Connection.execute`` each one costs ~50 µs of
SQLAlchemy bookkeeping (cache lookup, parameter processing, result set-up) against ~10 µs in the
driver on SQLite. ``Prepared`` keeps SQLAlchemy as the author of the SQL and of the type conversions
(the same bind and result processors ``execute`` would apply: aware UTC datetimes, JSON, booleans)
but runs the compiled string on the DBAPI cursor of the connection's current transaction.
Only for statements on the step's path; everything else stays on ``Connection.execute``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Dialect
from sqlalchemy.engine.interfaces import DBAPICursor
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.expression import Executable

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
            return tuple(
                value if processor is None else processor(value)
                for name, processor in self.plan
                for value in (values[name],)
            )
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

    def rows(self, connection: Connection, values: Mapping[str, Any]) -> list[dict[str, Any]]:
        """The result rows as dicts of converted values."""
        compiled = self._compiled(connection, values.keys(), many=False)
        cursor = self.execute(connection, values)
        columns = compiled.results
        return [
            {
                name: (processor(value) if processor else value)
                for (name, processor), value in zip(columns, row, strict=True)
            }
            for row in cursor.fetchall()
        ]


def _translated(connection: Connection, sql: str, parameters: Any, error: Exception) -> Exception:
    dbapi_error = connection.dialect.loaded_dbapi.Error
    return DBAPIError.instance(sql, parameters, error, dbapi_error, dialect=connection.dialect)


def _cursor(connection: Connection) -> DBAPICursor:
    """A cursor of the DBAPI connection inside ``connection``'s transaction (begun if not yet)."""
    if not connection.in_transaction():
        connection.begin()  # runs the engine's "begin" hooks (SQLite's BEGIN IMMEDIATE)
    return connection.connection.cursor()
