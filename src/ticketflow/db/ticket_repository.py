"""Tickets in SQL: the compare-and-set update, dynamic fields in one query, numbers per day."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from functools import partial
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    Integer,
    RowMapping,
    bindparam,
    delete,
    func,
    insert,
    literal_column,
    select,
    update,
)
from sqlalchemy.exc import DataError, IntegrityError

from ticketflow.db.prepared import Prepared, PreparedInsert, batch, pipelines
from ticketflow.db.tables import states, ticket_field_values, tickets
from ticketflow.db.ticket_journal import TicketJournal
from ticketflow.db.ticket_numbers import DEFAULT_SYSTEM_ID, next_number
from ticketflow.db.ticket_query import order_by, where_clause
from ticketflow.db.ticket_rows import (
    changed_fields,
    field_rows,
    fields_by_ticket,
    fields_of_joined,
    ticket_from_row,
    ticket_values,
)
from ticketflow.domain.errors import ConflictError, InvalidInputError, NotFoundError
from ticketflow.domain.ticket_changes import replace_ticket
from ticketflow.domain.tickets import Ticket, Value
from ticketflow.usecases.records import NewTicket, TicketQuery

# Hot statements are built once: building a statement costs more than running it on SQLite.
_INSERT_TICKET = insert(tickets).returning(tickets.c.id)
_INSERT_FIELDS = PreparedInsert(ticket_field_values)  # a change's field rows in one statement
_UPDATE_TICKET = Prepared(
    update(tickets).where(
        tickets.c.id == bindparam("match_id"), tickets.c.version == bindparam("match_version")
    )
)
# PostgreSQL: the compare-and-set update as one statement that fails when it changed no row (1 / 0),
# so that it can wait for the COMMIT's pipeline: were the version stale, the error aborts the
# transaction before its COMMIT runs. One statement per set of changed columns, made on first use.
_CHECKED_UPDATES: dict[tuple[str, ...], Prepared] = {}


def _checked_update(columns: tuple[str, ...]) -> Prepared:
    found = _CHECKED_UPDATES.get(columns)
    if found is None:
        changed = (
            update(tickets)
            .where(tickets.c.id == bindparam("match_id"), tickets.c.version == bindparam("match_version"))
            .values({name: bindparam(name, type_=tickets.c[name].type) for name in columns})
            .returning(tickets.c.id)
            .cte("changed")
        )
        found = _CHECKED_UPDATES[columns] = Prepared(
            select(literal_column("1 / count(*)", Integer)).select_from(changed)
        )
    return found


_SELECT_FIELDS = (
    select(ticket_field_values)
    .where(ticket_field_values.c.ticket_id.in_(bindparam("ticket_ids", expanding=True)))
    .order_by(
        ticket_field_values.c.ticket_id, ticket_field_values.c.field_name, ticket_field_values.c.position
    )
)
# A ticket with its dynamic fields in one statement (one row per field row, the ticket's columns
# repeated): one round trip instead of two on PostgreSQL, one statement fewer per step on SQLite.
_FIELD = ticket_field_values.c
_SELECT_WITH_FIELDS = Prepared(
    select(tickets, _FIELD.field_name, _FIELD.position, _FIELD.is_list, _FIELD.value_text)
    .select_from(tickets.outerjoin(ticket_field_values, _FIELD.ticket_id == tickets.c.id))
    .where(tickets.c.id == bindparam("ticket_id"))
    .order_by(_FIELD.field_name, _FIELD.position)
)
# What differs between the joined rows of one ticket (the rest repeats the ticket's columns).
_FIELD_COLUMNS = frozenset(("field_name", "position", "is_list", "value_text"))
_DELETE_FIELD = Prepared(
    delete(ticket_field_values).where(
        ticket_field_values.c.ticket_id == bindparam("match_ticket_id"),
        ticket_field_values.c.field_name == bindparam("match_field_name"),
    )
)

# State name → state type per engine, shared by its units of work: states are few, only ever added
# (a miss reloads), and reading them in every unit of work would cost a query per step.
_STATE_TYPES: WeakKeyDictionary[Engine, dict[str, str]] = WeakKeyDictionary()

_UNKNOWN_REFERENCE = (
    "the ticket names a queue, priority, type, service, SLA, owner, responsible, parent ticket or "
    "dynamic field that does not exist"
)


class SqlTicketRepository(TicketJournal):
    """``TicketRepository`` on one connection (one transaction). History, articles and links come
    from ``TicketJournal``.

    Remembers, per ticket it read or wrote, the dynamic-field values as stored, so an update
    rewrites only the fields that changed without reading them again.
    """

    def __init__(
        self,
        connection: Connection,
        clock: Callable[[], datetime],
        system_id: str = DEFAULT_SYSTEM_ID,
    ) -> None:
        super().__init__(connection, clock)
        self._system_id = system_id
        self._stored_fields: dict[int, Mapping[str, Value]] = {}
        # Per ticket read or written here: its version and column values as stored, so an update sets
        # only the columns that changed. SQLite rewrites the entries of every index on a column named
        # in SET, changed or not: setting all columns touched all eight ticket indexes. The bench's
        # Review step now writes 22 instead of 26 WAL pages per commit (measured).
        self._stored_rows: dict[int, tuple[int, dict[str, Any]]] = {}
        # Where statements can be pipelined (PostgreSQL), an update's field rows are written with the
        # history and the COMMIT (``flush``): one round trip fewer per durable step. Every read of
        # field rows flushes first.
        self._defer_fields = pipelines(connection)
        self._field_writes: list[Callable[[], object]] = []
        # Ticket updates among the deferred writes (ticket id, version expected), for the conflict's message.
        self._deferred_updates: list[tuple[int, int]] = []

    def flush(self, *, commit: bool = False) -> None:
        """Write the collected field rows and history rows (one batch, with the COMMIT on PostgreSQL
        when ``commit``). InvalidInputError for a field row naming an unknown dynamic field."""
        writes, self._field_writes = self._field_writes, []
        if not writes:
            super().flush(commit=commit)
            return
        history = self._take_history()
        try:
            with batch(self._connection, commit=commit):
                for write in writes:
                    write()
                self._insert_history(history)
        except IntegrityError as error:
            if _refused_on(error) in ("ticket_field_values", "tickets"):
                raise InvalidInputError(_UNKNOWN_REFERENCE) from error
            raise NotFoundError("a ticket of this change does not exist any more") from error
        except DataError as error:
            raise self._lost_deferred_update(error) from error
        finally:
            self._deferred_updates = []

    def forget_pending(self) -> None:
        super().forget_pending()
        self._field_writes = []
        self._deferred_updates = []
        self._stored_fields.clear()  # what this transaction wrote is gone
        self._stored_rows.clear()

    def get(self, ticket_id: int) -> Ticket:
        found = self.find(ticket_id)
        if found is None:
            raise NotFoundError(f"ticket {ticket_id} does not exist")
        return found

    def find(self, ticket_id: int) -> Ticket | None:
        self._flush_fields()
        rows = _SELECT_WITH_FIELDS.rows(self._connection, {"ticket_id": ticket_id}, varying=_FIELD_COLUMNS)
        if not rows:
            return None
        row = rows[0]
        ticket_fields = fields_of_joined(rows)
        self._stored_fields[ticket_id] = ticket_fields
        self._known_tickets.add(ticket_id)
        found = ticket_from_row(row, self._state_type(row["state"]), ticket_fields)
        self._stored_rows[ticket_id] = (found.version, ticket_values(found))
        return found

    def find_by_number(self, number: str) -> Ticket | None:
        found = self._select(tickets.c.number == number)
        return found[0] if found else None

    def list(self, query: TicketQuery) -> Sequence[Ticket]:
        return self._select(where_clause(query), query)

    def count(self, query: TicketQuery) -> int:
        self._flush_fields()
        statement = select(func.count()).select_from(tickets).where(where_clause(query))
        return int(self._connection.execute(statement).scalar_one())

    def add(self, new: NewTicket) -> Ticket:
        """Insert the ticket and its fields; see ``TicketRepository.add``."""
        state_type = self._state_type(new.state)
        created_at = new.created_at or self._clock()
        number = next_number(self._connection, created_at, self._system_id)
        values = ticket_values(new) | {
            "number": number,
            "version": 1,
            "created_at": created_at,
            "changed_at": created_at,
        }
        try:
            ticket_id: int = self._connection.execute(_INSERT_TICKET, values).scalar_one()
            self._insert_fields(ticket_id, new.dynamic_fields)
        except IntegrityError as error:
            raise InvalidInputError(_UNKNOWN_REFERENCE) from error
        fields = dict(new.dynamic_fields)
        self._stored_fields[ticket_id] = fields
        self._known_tickets.add(ticket_id)
        row = values | {"id": ticket_id}
        return ticket_from_row(row, state_type, fields)

    def update(self, ticket: Ticket, *, expected_version: int) -> Ticket:
        """Compare-and-set write of the whole ticket; see ``TicketRepository.update``."""
        state_type = self._state_type(ticket.state)
        changed_at = self._clock()
        columns = ticket_values(ticket)
        values = self._changed_columns(ticket.id, expected_version, columns) | {
            "version": expected_version + 1,
            "changed_at": changed_at,
            "match_id": ticket.id,
            "match_version": expected_version,
        }
        try:
            if self._defer_fields:
                # With the field rows, the history and the COMMIT (``flush``); reads flush it first.
                names = tuple(sorted(set(values) - {"match_id", "match_version"}))
                self._field_writes.append(partial(_checked_update(names).execute, self._connection, values))
                self._deferred_updates.append((ticket.id, expected_version))
            elif _UPDATE_TICKET.execute(self._connection, values).rowcount != 1:
                self._raise_lost_update(ticket.id, expected_version)
            self._rewrite_changed_fields(ticket.id, ticket.dynamic_fields)
        except IntegrityError as error:
            raise InvalidInputError(_UNKNOWN_REFERENCE) from error
        self._known_tickets.add(ticket.id)
        self._stored_rows[ticket.id] = (expected_version + 1, columns)
        return replace_ticket(
            ticket,
            version=expected_version + 1,
            changed_at=changed_at,
            state_type=state_type,
            dynamic_fields=dict(ticket.dynamic_fields),
        )

    def _changed_columns(self, ticket_id: int, version: int, columns: dict[str, Any]) -> dict[str, Any]:
        """The columns differing from the row as stored at ``version``, if this transaction knows that
        row; else all of them."""
        stored = self._stored_rows.get(ticket_id)
        if stored is None or stored[0] != version:
            return columns
        old = stored[1]
        return {name: value for name, value in columns.items() if old[name] != value}

    def _raise_lost_update(self, ticket_id: int, expected_version: int) -> None:
        statement = select(tickets.c.version).where(tickets.c.id == ticket_id)
        stored = self._connection.execute(statement).scalar_one_or_none()
        if stored is None:
            raise NotFoundError(f"ticket {ticket_id} does not exist")
        raise ConflictError(
            f"ticket {ticket_id} was changed meanwhile (it is at version {stored}, this change was made "
            f"on version {expected_version}); nothing was saved: reload the ticket and try again"
        )

    def _rewrite_changed_fields(self, ticket_id: int, fields: Mapping[str, Value]) -> None:
        old = self._stored_fields.get(ticket_id)
        if old is None:
            old = self._load_fields([ticket_id]).get(ticket_id, {})
        stale, fresh = changed_fields(old, fields)
        connection = self._connection
        writes = []
        if stale:
            deleted = [{"match_ticket_id": ticket_id, "match_field_name": name} for name in sorted(stale)]
            writes.append(partial(_DELETE_FIELD.executemany, connection, deleted))
        if fresh:
            writes.append(partial(_INSERT_FIELDS.insert, connection, field_rows(ticket_id, fresh)))
        if self._defer_fields:
            self._field_writes += writes  # in order: a later change of the same field comes after
        else:
            for write in writes:
                write()
        self._stored_fields[ticket_id] = dict(fields)

    def _flush_fields(self) -> None:
        """Write deferred field rows before field rows are read (history may wait for the commit)."""
        if self._field_writes:
            writes, self._field_writes = self._field_writes, []
            try:
                with batch(self._connection):
                    for write in writes:
                        write()
            except IntegrityError as error:
                raise InvalidInputError(_UNKNOWN_REFERENCE) from error
            except DataError as error:
                raise self._lost_deferred_update(error) from error
            finally:
                self._deferred_updates = []

    def _lost_deferred_update(self, error: DataError) -> Exception:
        """The error for a deferred compare-and-set update that found its version gone (the
        statement divided by zero); the transaction is aborted, nothing of it is kept."""
        if getattr(error.orig, "sqlstate", None) != "22012" or not self._deferred_updates:
            return error
        ticket_id, version = self._deferred_updates[0]
        return ConflictError(
            f"ticket {ticket_id} was changed meanwhile or deleted (this change was made on version "
            f"{version}); nothing was saved: reload the ticket and try again"
        )

    def _insert_fields(self, ticket_id: int, fields: Mapping[str, Value]) -> None:
        _INSERT_FIELDS.insert(self._connection, field_rows(ticket_id, fields))

    def _select(self, condition: ColumnElement[bool], query: TicketQuery | None = None) -> Sequence[Ticket]:
        self._flush_fields()
        statement = select(tickets).where(condition)
        if query is not None:
            statement = statement.order_by(*order_by(query)).offset(query.offset).limit(query.limit)
        return self._tickets(self._connection.execute(statement).mappings().all())

    def _tickets(self, rows: Sequence[RowMapping]) -> Sequence[Ticket]:
        """Domain tickets of ``tickets`` rows, their fields loaded in one query."""
        fields = self._load_fields([row["id"] for row in rows])
        found = []
        for row in rows:
            ticket_fields = fields.get(row["id"], {})
            self._stored_fields[row["id"]] = ticket_fields
            self._known_tickets.add(row["id"])
            found.append(ticket_from_row(row, self._state_type(row["state"]), ticket_fields))
        return found

    def _load_fields(self, ticket_ids: Sequence[int]) -> dict[int, dict[str, Value]]:
        """Dynamic-field values of the tickets, in one query."""
        if not ticket_ids:
            return {}
        self._flush_fields()
        rows = self._connection.execute(_SELECT_FIELDS, {"ticket_ids": list(ticket_ids)})
        return fields_by_ticket(rows.mappings())

    def _state_type(self, state: str) -> str:
        """The type of ``state``; InvalidInputError if there is no such state."""
        known = _STATE_TYPES.setdefault(self._connection.engine, {})
        if state not in known:
            rows = self._connection.execute(select(states.c.name, states.c.type))
            known.update({str(row.name): str(row.type) for row in rows})
        if state not in known:
            raise InvalidInputError(f"state '{state}' does not exist", field="state")
        return known[state]


def _refused_on(error: IntegrityError) -> str | None:
    """The table whose constraint refused a write, where the driver says (psycopg's diagnostics)."""
    diagnostics = getattr(error.orig, "diag", None)
    return getattr(diagnostics, "table_name", None)
