"""Monitoring in SQL: counts are aggregated by the database, nothing is loaded per ticket.

Counts come from the tickets' process position (``tickets``). Time spent per activity is derived from
the process rows of ``ticket_history`` the durable step already writes (``ProcessStart``,
``ProcessTransition``, ``ProcessFailed``, ``ProcessCompleted``; their name is
``%%process%%version%%from%%to[%%failure]``): the activity a step left the ticket at is the ``to`` part;
a row whose ``to`` differs from the ticket's previous row starts a visit, which ends at the next visit's
start. The database selects the rows (one process's tickets, their process rows from the partial
covering index of migration 0010, times as epoch seconds); the visits are walked here in one pass.
What counts as a visit is explained in ``ticketflow.usecases.monitoring_records``. Process events per
day are counted through a partial index on their creation time (migration 0008).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, date, datetime
from operator import itemgetter
from typing import Any

from sqlalchemy import ColumnElement, Connection, Date, Engine, Select, cast, func, select, text

from ticketflow.db.connect import SQLITE_READ_ONLY
from ticketflow.db.tables import incidents, jobs, ticket_history, tickets
from ticketflow.usecases.monitoring_records import (
    ActivityCounts,
    DayCount,
    Dwell,
    IncidentFilter,
    IncidentPage,
    IncidentRow,
    ProcessNumbers,
)

# The history types of process steps and those counted per day, spelled out as in the partial indexes
# ix_ticket_history_process_steps and ix_ticket_history_process_events: SQLite uses a partial index only
# for a query term of the same text (bound parameters would not do).
_STEPS = text(
    "ticket_history.history_type IN"
    " ('ProcessStart', 'ProcessTransition', 'ProcessFailed', 'ProcessCompleted')"
)
_EVENTS = text("ticket_history.history_type IN ('ProcessStart', 'ProcessCompleted', 'ProcessFailed')")
_EVENT_NAMES = {"ProcessStart": "started", "ProcessCompleted": "completed", "ProcessFailed": "failed"}
_OPEN_STATUSES = ("active", "waiting", "failed")
_P90 = 0.9


class SqlMonitoringReader:
    """``MonitoringReader`` on an engine: each call reads in its own short transaction."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._postgres = engine.dialect.name == "postgresql"

    def _connect(self) -> Connection:
        return self._engine.connect().execution_options(**{SQLITE_READ_ONLY: True})

    # --- per activity ----------------------------------------------------------------------------

    def process_numbers(self, process_key: str, version: int | None) -> ProcessNumbers:
        of_process: list[ColumnElement[bool]] = [tickets.c.process_key == process_key]
        if version is not None:
            of_process.append(tickets.c.process_version == version)
        with self._connect() as connection:
            counts = self._counts(connection, of_process)
            dwell = self._dwell(connection, of_process)
            open_incidents = self._incidents_per_activity(connection, of_process)
        return ProcessNumbers(counts, dwell, open_incidents)

    def _counts(
        self, connection: Connection, of_process: list[ColumnElement[bool]]
    ) -> dict[str, ActivityCounts]:
        statement = (
            select(tickets.c.activity_key, tickets.c.process_status, func.count())
            .where(*of_process, tickets.c.process_status.in_(_OPEN_STATUSES))
            .group_by(tickets.c.activity_key, tickets.c.process_status)
        )
        found: dict[str, dict[str, int]] = {}
        for activity, status, count in connection.execute(statement):
            found.setdefault(activity, {})[status] = int(count)
        return {activity: ActivityCounts(**by_status) for activity, by_status in found.items()}

    def _incidents_per_activity(
        self, connection: Connection, of_process: list[ColumnElement[bool]]
    ) -> dict[str, int]:
        statement = (
            select(tickets.c.activity_key, func.count())
            .select_from(incidents.join(tickets, tickets.c.id == incidents.c.ticket_id))
            .where(incidents.c.status == "open", *of_process)
            .group_by(tickets.c.activity_key)
        )
        return {activity: int(count) for activity, count in connection.execute(statement)}

    def _dwell(self, connection: Connection, of_process: list[ColumnElement[bool]]) -> dict[str, Dwell]:
        # Window functions (LAG/LEAD, ROW_NUMBER for the p90) did this in SQL too, but took ~4x as long
        # on SQLite (three sorts of every row) over 5,000 tickets (bench/monitoring.py).
        statement = (
            select(
                ticket_history.c.ticket_id,
                ticket_history.c.id,
                self._epoch_seconds(ticket_history.c.created_at),
                ticket_history.c.name,
                tickets.c.process_status,
            )
            .select_from(tickets.join(ticket_history, ticket_history.c.ticket_id == tickets.c.id))
            .where(*of_process, _STEPS)
        )
        rows = list(connection.execute(statement).all())  # fetchall: one call, not one per row
        rows.sort(key=itemgetter(0, 1))  # each ticket's steps together, in the order they were written
        spent: defaultdict[str, list[float]] = defaultdict(list)
        open_since: defaultdict[str, list[float]] = defaultdict(list)
        ticket, activity, entered, status = None, None, 0.0, ""
        for ticket_id, _, at, name, ticket_status in rows:
            if ticket_id != ticket:
                if activity is not None and status in _OPEN_STATUSES:
                    open_since[activity].append(entered)  # the ticket is still inside
                ticket, activity, status = ticket_id, None, ticket_status
            target = name.split("%%", 5)[4]  # %%process%%version%%from%%to[%%failure]
            if target != activity:
                if activity is not None:
                    spent[activity].append(at - entered)
                activity, entered = target, at
        if activity is not None and status in _OPEN_STATUSES:
            open_since[activity].append(entered)
        return {
            key: _dwell(spent.get(key, []), open_since.get(key, []))
            for key in spent.keys() | open_since.keys()
        }

    def _epoch_seconds(self, column: Any) -> ColumnElement[Any]:
        """A timestamp column as seconds since the epoch (a float), to subtract."""
        if self._postgres:
            return func.date_part("epoch", column)
        # julianday is a double in days: rounded to milliseconds, its float noise goes.
        return func.round((func.julianday(column) - 2440587.5) * 86400.0, 3)

    # --- per day ---------------------------------------------------------------------------------

    def day_counts(self, process_key: str | None, since: date) -> Sequence[DayCount]:
        created_at = ticket_history.c.created_at
        if self._postgres:
            # The UTC date; a cast is much cheaper per row than to_char.
            day: ColumnElement[Any] = cast(func.timezone("UTC", created_at), Date)
        else:
            day = func.substr(created_at, 1, 10)  # the stored UTC text starts with the date
        statement: Select[Any] = select(day, ticket_history.c.history_type, func.count()).where(
            _EVENTS, created_at >= datetime(since.year, since.month, since.day, tzinfo=UTC)
        )
        if process_key is not None:
            of_process = select(tickets.c.id).where(tickets.c.process_key == process_key)
            statement = statement.where(ticket_history.c.ticket_id.in_(of_process))
        statement = statement.group_by(day, ticket_history.c.history_type)
        by_day: dict[date, dict[str, int]] = {}
        with self._connect() as connection:
            for found, history_type, count in connection.execute(statement):
                when = found if isinstance(found, date) else date.fromisoformat(found)
                by_day.setdefault(when, {})[_EVENT_NAMES[history_type]] = int(count)
        return [DayCount(d, **counts) for d, counts in sorted(by_day.items())]

    # --- incidents -------------------------------------------------------------------------------

    def open_incidents(self, incident_filter: IncidentFilter) -> IncidentPage:
        wanted: list[ColumnElement[bool]] = [incidents.c.status == "open"]
        if incident_filter.process_key:
            wanted.append(tickets.c.process_key == incident_filter.process_key)
        if incident_filter.activity_key:
            wanted.append(tickets.c.activity_key == incident_filter.activity_key)
        if incident_filter.error_contains:
            pattern = f"%{_escaped(incident_filter.error_contains)}%"
            wanted.append(incidents.c.error.ilike(pattern, escape="\\"))
        if incident_filter.queues is not None:
            wanted.append(tickets.c.queue.in_(incident_filter.queues))
        source = incidents.join(jobs, jobs.c.id == incidents.c.job_id).outerjoin(
            tickets, tickets.c.id == incidents.c.ticket_id
        )
        page = (
            select(
                incidents.c.id,
                incidents.c.job_id,
                incidents.c.kind,
                incidents.c.step,
                incidents.c.error,
                incidents.c.response,
                incidents.c.opened_at,
                jobs.c.attempts,
                incidents.c.ticket_id,
                tickets.c.number,
                tickets.c.title,
                tickets.c.queue,
                tickets.c.process_key,
                tickets.c.activity_key,
            )
            .select_from(source)
            .where(*wanted)
            .order_by(incidents.c.id.desc())
            .limit(incident_filter.limit)
            .offset(incident_filter.offset)
        )
        with self._connect() as connection:
            total = connection.execute(select(func.count()).select_from(source).where(*wanted)).scalar_one()
            rows = [_incident_row(row) for row in connection.execute(page)]
        return IncidentPage(rows, int(total))


def _dwell(spent: list[float], open_since: list[float]) -> Dwell:
    spent.sort()
    return Dwell(
        finished=len(spent),
        average_seconds=round(sum(spent) / len(spent), 3) if spent else None,
        # nearest rank: the smallest value with at least 90% of the values at or below it
        p90_seconds=round(spent[math.ceil(_P90 * len(spent)) - 1], 3) if spent else None,
        open_visits=len(open_since),
        oldest_open_since=datetime.fromtimestamp(min(open_since), UTC) if open_since else None,
    )


def _incident_row(row: Any) -> IncidentRow:
    return IncidentRow(
        id=row.id,
        job_id=row.job_id,
        kind=row.kind,
        step=row.step,
        error=row.error,
        response=row.response,
        opened_at=row.opened_at,
        attempts=row.attempts,
        ticket_id=row.ticket_id,
        ticket_number=row.number,
        ticket_title=row.title,
        queue=row.queue,
        process_key=row.process_key,
        activity_key=row.activity_key,
    )


def _escaped(text_value: str) -> str:
    """``text_value`` for LIKE: its own ``%`` and ``_`` are no wildcards."""
    return text_value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
