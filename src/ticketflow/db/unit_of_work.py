"""The SQL unit of work: one connection, one transaction, all repositories on it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from functools import cached_property
from types import TracebackType

from sqlalchemy import Connection, Engine

from ticketflow.db.attachment_repository import SqlAttachmentRepository
from ticketflow.db.auth_repository import SqlAuthRepository
from ticketflow.db.catalog_repository import SqlCatalogRepository
from ticketflow.db.connect import SQLITE_READ_ONLY
from ticketflow.db.incident_repository import SqlIncidentRepository
from ticketflow.db.job_repository import SqlJobQueue
from ticketflow.db.kept_connections import KeptConnections, kept_connections
from ticketflow.db.prepared import (
    batch,
    flush_writes,
    forget_notifications,
    notifications_pending,
    writes_pending,
)
from ticketflow.db.process_repository import SqlProcessRepository
from ticketflow.db.scenario_repository import SqlScenarioRepository
from ticketflow.db.ticket_numbers import DEFAULT_SYSTEM_ID
from ticketflow.db.ticket_repository import SqlTicketRepository
from ticketflow.domain.errors import TicketflowError
from ticketflow.usecases.ports import UnitOfWork

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


def _set_read_only(connection: Connection, read_only: bool) -> None:
    """How a read-only unit of work reads. SQLite: a deferred BEGIN, which does not queue behind
    writers. PostgreSQL: no transaction at all. At READ COMMITTED each statement takes its own
    snapshot inside a transaction too, so nothing is lost, and two round trips are saved (BEGIN, and
    the ROLLBACK at the end, at which psycopg also forgets, and deallocates, every statement it had
    prepared on the connection: pages and API calls, which read before they write, had every
    statement parsed and planned again on each request)."""
    # Set in place, and a thread's kept connection keeps it (kept_connections.py): set or cleared
    # whenever it differs from what this unit of work needs.
    options = connection.get_execution_options()
    if connection.dialect.name == "sqlite":
        if options.get(SQLITE_READ_ONLY, False) != read_only:
            connection.execution_options(**{SQLITE_READ_ONLY: read_only})
    elif read_only:
        if options.get("isolation_level") != "AUTOCOMMIT":
            connection.execution_options(isolation_level="AUTOCOMMIT")
    elif options.get("isolation_level", "") not in ("", connection.default_isolation_level):
        connection.execution_options(isolation_level=connection.default_isolation_level)


_REPOSITORIES = ("tickets", "catalog", "processes", "jobs", "incidents", "auth", "attachments", "scenarios")


class SqlUnitOfWork:
    """``UnitOfWork`` on an engine. The transaction begins with the first statement and ends with
    ``commit()``/``rollback()``; leaving the ``with`` block without commit rolls back.

    ``read_only`` reads without taking SQLite's write lock (a deferred ``BEGIN`` instead of
    ``BEGIN IMMEDIATE``) and, on PostgreSQL, outside a transaction (``_READ_ONLY_OPTIONS``). Nothing
    prevents writes, which then fail with "database is locked" (SQLite) or are kept at once
    (PostgreSQL): write through a unit of work that is not read-only.
    """

    def __init__(
        self,
        engine: Engine,
        *,
        clock: Clock = utc_now,
        read_only: bool = False,
        system_id: str = DEFAULT_SYSTEM_ID,
    ) -> None:
        self._engine = engine
        self._clock = clock
        self._read_only = read_only
        self._system_id = system_id
        self._connection: Connection | None = None
        self._keeper: KeptConnections | None = None

    def __enter__(self) -> SqlUnitOfWork:
        if self._connection is not None:
            raise TicketflowError("a unit of work cannot be nested in itself")
        keeper = kept_connections(self._engine)
        connection = keeper.take() if keeper is not None else self._engine.connect()
        _set_read_only(connection, self._read_only)
        self._keeper = keeper
        self._connection = connection
        return self

    # Repositories are made when first used: most units of work use two or three of the eight.
    @cached_property
    def tickets(self) -> SqlTicketRepository:
        return SqlTicketRepository(self._live_connection(), self._clock, self._system_id)

    @cached_property
    def catalog(self) -> SqlCatalogRepository:
        return SqlCatalogRepository(self._live_connection())

    @cached_property
    def processes(self) -> SqlProcessRepository:
        return SqlProcessRepository(self._live_connection(), self._clock)

    @cached_property
    def jobs(self) -> SqlJobQueue:
        return SqlJobQueue(self._live_connection(), self._clock)

    @cached_property
    def incidents(self) -> SqlIncidentRepository:
        return SqlIncidentRepository(self._live_connection())

    @cached_property
    def auth(self) -> SqlAuthRepository:
        return SqlAuthRepository(self._live_connection())

    @cached_property
    def attachments(self) -> SqlAttachmentRepository:
        return SqlAttachmentRepository(self._live_connection())

    @cached_property
    def scenarios(self) -> SqlScenarioRepository:
        return SqlScenarioRepository(self._live_connection())

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        connection = self._live_connection()
        try:
            connection.rollback()  # a no-op after commit(), and without a transaction (autocommit)
        finally:
            # Writes and NOTIFYs still waiting for a batch die with the unit of work, sent or not
            # (a kept connection is never checked in, where the pool dropped them).
            forget_notifications(connection)
            if self._keeper is not None:
                self._keeper.give_back(connection)
            else:
                connection.close()
            self._connection = None
            for name in _REPOSITORIES:  # made on this block's connection: the next block makes its own
                self.__dict__.pop(name, None)

    def commit(self) -> None:
        connection = self._live_connection()
        tickets = self._tickets_in_use()
        if tickets is not None:
            tickets.flush(commit=True)  # on PostgreSQL, with the COMMIT in the same round trip
        if notifications_pending(connection) or writes_pending(connection):
            # Nothing was flushed: the waiting writes, the NOTIFYs and the COMMIT together.
            with batch(connection, commit=True):
                pass
        connection.commit()

    def rollback(self) -> None:
        connection = self._live_connection()
        connection.rollback()
        forget_notifications(connection)  # also those of a transaction not begun yet on the server
        tickets = self._tickets_in_use()
        if tickets is not None:
            tickets.forget_pending()

    @property
    def connection(self) -> Connection:
        """The open connection, for db-package code that needs SQL beyond the repositories (the worker).
        Writes the repositories have collected are flushed first, so that SQL sees them."""
        connection = self._live_connection()
        tickets = self._tickets_in_use()
        if tickets is not None:
            tickets.flush()
        flush_writes(connection)
        return connection

    def _tickets_in_use(self) -> SqlTicketRepository | None:
        """The ticket repository, if this unit of work has made it: its writes wait there for a flush."""
        found: SqlTicketRepository | None = self.__dict__.get("tickets")
        return found

    def _live_connection(self) -> Connection:
        if self._connection is None:
            raise TicketflowError("the unit of work is used outside its 'with' block")
        return self._connection


def sql_unit_of_work_factory(engine: Engine, *, clock: Clock = utc_now) -> Callable[[], SqlUnitOfWork]:
    """A ``UnitOfWorkFactory`` for the use cases: a fresh unit of work on ``engine`` per call."""
    return lambda: SqlUnitOfWork(engine, clock=clock)


def _implements_port(uow: SqlUnitOfWork) -> UnitOfWork:
    """Never called: makes mypy prove that ``SqlUnitOfWork`` satisfies the ``UnitOfWork`` port."""
    return uow
