"""Monitoring in SQL: counts are aggregated by the database, nothing is loaded per ticket.

Counts come from the tickets' process position (``tickets``). Time spent per activity is derived from
the process rows of ``ticket_history`` the durable step already writes (``ProcessStart``,
``ProcessTransition``, ``ProcessFailed``, ``ProcessCompleted``; their name is
``%%process%%version%%from%%to[%%failure]``): the activity a step left the ticket at is the ``to`` part;
a row whose ``to`` differs from the ticket's previous row starts a visit, which ends at the next visit's
start. The database selects the rows (one process's tickets, their process rows from the partial
covering index of migration 0010: both reads index-only); the visits are walked here in one pass. The
tickets still inside an activity come from the same read of the tickets as the counts.
What counts as a visit is explained in ``ticketflow.usecases.monitoring_records``. Process events per
day (the days of the configured time zone) are counted through a partial index on their creation time
(migration 0008).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Collection, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ColumnElement,
    Connection,
    Date,
    DateTime,
    Engine,
    Integer,
    Select,
    Text,
    cast,
    func,
    select,
    text,
    type_coerce,
)

from ticketflow.db.connect import SQLITE_READ_ONLY
from ticketflow.db.tables import incidents, jobs, ticket_history, tickets
from ticketflow.usecases.monitoring_records import (
    UTC_ZONE,
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
_EPOCH = datetime.fromtimestamp(0, UTC)  # where the walk's first visit "was entered": never read


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
            inside = self._open_tickets(connection, of_process)
            dwell = self._dwell(connection, process_key, version, inside.keys())
            open_incidents = self._incidents_per_activity(connection, of_process)
        return ProcessNumbers(_counts(inside), dwell, open_incidents)

    def _open_tickets(
        self, connection: Connection, of_process: list[ColumnElement[bool]]
    ) -> dict[int, tuple[str, str]]:
        """Ticket id → (activity, status) of the tickets still inside an activity: the counts, and
        whose last visit is still open (so the history read needs no status per ticket)."""
        statement = select(tickets.c.id, tickets.c.activity_key, tickets.c.process_status).where(
            *of_process, tickets.c.process_status.in_(_OPEN_STATUSES)
        )
        rows = connection.execute(statement).all()  # one fetchall, not a fetch per row
        return {ticket_id: (activity, status) for ticket_id, activity, status in rows}

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

    def _dwell(
        self, connection: Connection, process_key: str, version: int | None, inside: Collection[int]
    ) -> dict[str, Dwell]:
        # Window functions (LAG/LEAD, ROW_NUMBER for the p90) did this in SQL too, but took ~4x as long
        # on SQLite (three sorts of every row) over 5,000 tickets (bench/monitoring.py). Only columns of
        # the two indexes are read (no status, no version: a ticket's rows name its version), so no
        # ticket row is visited.
        statement = (
            select(
                ticket_history.c.ticket_id,
                ticket_history.c.id,
                self._time_source(ticket_history.c.created_at),
                ticket_history.c.name,
            )
            .select_from(tickets.join(ticket_history, ticket_history.c.ticket_id == tickets.c.id))
            .where(tickets.c.process_key == process_key, _STEPS)
            # Each ticket's steps together, in the order they were written: SQLite's sort of the
            # selected rows costs less than sorting them in Python afterwards.
            .order_by(ticket_history.c.ticket_id, ticket_history.c.id)
        )
        rows = connection.execute(statement).all()  # fetchall: one call, not one per row
        parse = None if self._postgres else datetime.fromisoformat  # SQLite answers text
        wanted = None if version is None else str(version)
        spent: defaultdict[str, list[timedelta]] = defaultdict(list)
        open_since: defaultdict[str, list[datetime]] = defaultdict(list)
        ticket, activity, entered = None, None, _EPOCH
        for ticket_id, _, at, name in rows:
            if ticket_id != ticket:
                if activity is not None and ticket in inside:
                    open_since[activity].append(entered)  # the ticket is still inside
                ticket, activity = ticket_id, None
            parts = name.split("%%", 5)  # %%process%%version%%from%%to[%%failure]
            if wanted is not None and parts[2] != wanted:
                continue
            target = parts[4]
            if target != activity:
                # A time is read only where a visit begins (steps that continue a visit need none).
                when = parse(at) if parse else at
                if activity is not None:
                    spent[activity].append(when - entered)
                activity, entered = target, when
        if activity is not None and ticket in inside:
            open_since[activity].append(entered)
        return {
            key: _dwell(spent.get(key, []), open_since.get(key, []))
            for key in spent.keys() | open_since.keys()
        }

    def _time_source(self, column: Any) -> ColumnElement[Any]:
        """A timestamp column without the per-row result processing of ``UtcDateTime``: psycopg's
        aware datetime on PostgreSQL; on SQLite the stored naive UTC text (parsed only where a visit
        begins, which is cheaper than julianday on every row)."""
        return type_coerce(column, DateTime(timezone=True) if self._postgres else Text)

    # --- per day ---------------------------------------------------------------------------------

    def day_counts(
        self, process_key: str | None, since: date, zone: ZoneInfo = UTC_ZONE
    ) -> Sequence[DayCount]:
        created_at = ticket_history.c.created_at
        # Days are ``zone``'s. PostgreSQL turns each time into the zone's local one itself (a cast is
        # much cheaper per row than to_char); SQLite's stored UTC text starts with the date, and for
        # another zone it is counted per hour of UTC — per quarter of an hour where the zone's offset
        # is not whole hours (India's; every offset is a multiple of 15 minutes) — and the buckets are
        # summed here into the zone's days.
        buckets = 0 if self._postgres or zone.key == "UTC" else _bucket_minutes(zone, since)
        day: ColumnElement[Any]
        if self._postgres:
            day = cast(func.timezone(zone.key, created_at), Date)
        elif buckets == 60:
            day = func.substr(created_at, 1, 13)
        elif buckets == 15:
            minute = cast(func.substr(created_at, 15, 2), Integer)
            day = func.substr(created_at, 1, 14).concat(cast(minute // 15, Text))
        else:
            day = func.substr(created_at, 1, 10)
        start = datetime.combine(since, time(), tzinfo=zone).astimezone(UTC)
        statement: Select[Any] = select(day, ticket_history.c.history_type, func.count()).where(
            _EVENTS, created_at >= start
        )
        if process_key is not None:
            of_process = select(tickets.c.id).where(tickets.c.process_key == process_key)
            # _STEPS adds nothing to what is counted, but lets SQLite read the process's tickets' rows
            # from the covering step index (by ticket, type and time) instead of every history row of
            # each ticket from the table: ~40 -> ~25 ms for 5,000 tickets of 100,000.
            statement = statement.where(ticket_history.c.ticket_id.in_(of_process), _STEPS)
        statement = statement.group_by(day, ticket_history.c.history_type)
        by_day: defaultdict[date, defaultdict[str, int]] = defaultdict(lambda: defaultdict(int))
        with self._connect() as connection:
            for found, history_type, count in connection.execute(statement):
                when = _local_day(found, zone) if buckets else _day(found)
                by_day[when][_EVENT_NAMES[history_type]] += int(count)
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


def _counts(inside: dict[int, tuple[str, str]]) -> dict[str, ActivityCounts]:
    found: dict[str, dict[str, int]] = {}
    for activity, status in inside.values():
        by_status = found.setdefault(activity, {})
        by_status[status] = by_status.get(status, 0) + 1
    return {activity: ActivityCounts(**by_status) for activity, by_status in found.items()}


def _dwell(spent: list[timedelta], open_since: list[datetime]) -> Dwell:
    spent.sort()
    return Dwell(
        finished=len(spent),
        average_seconds=round(sum(spent, timedelta()).total_seconds() / len(spent), 3) if spent else None,
        # nearest rank: the smallest value with at least 90% of the values at or below it
        p90_seconds=round(spent[math.ceil(_P90 * len(spent)) - 1].total_seconds(), 3) if spent else None,
        open_visits=len(open_since),
        oldest_open_since=_utc(min(open_since)) if open_since else None,
    )


def _utc(moment: datetime) -> datetime:
    """SQLite's naive UTC, PostgreSQL's aware time: aware UTC either way."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


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


def _day(found: date | str) -> date:
    return found if isinstance(found, date) else date.fromisoformat(found)


def _bucket_minutes(zone: ZoneInfo, since: date) -> int:
    """60 when ``zone``'s offset from UTC was whole hours on every day from ``since`` to today (an
    offset holds for months: a sample per day sees each), else 15."""
    day, today = since, datetime.now(UTC).date()
    while day <= today + timedelta(days=1):
        offset = datetime.combine(day, time(12), tzinfo=zone).utcoffset()
        if offset is None or offset.total_seconds() % 3600:
            return 15
        day += timedelta(days=1)
    return 60


def _local_day(bucket: str, zone: ZoneInfo) -> date:
    """A bucket's day in ``zone``: ``2026-11-01 20`` (a UTC date and hour) or ``2026-11-01 20:3`` (and
    the quarter of the hour)."""
    minute = int(bucket[14:]) * 15 if len(bucket) > 13 else 0
    return datetime.fromisoformat(f"{bucket[:13]}:{minute:02d}+00:00").astimezone(zone).date()
