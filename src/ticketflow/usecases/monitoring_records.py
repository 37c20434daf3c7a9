"""The values monitoring reads from the store: counts per activity, time spent per activity, process
events per day, and incidents with where their ticket stands.

How time spent is measured (the store derives it from the process history, see
``ticketflow.db.monitoring_repository``): a *visit* of an activity begins with the first process step
that leaves the ticket at that activity and ends with the next step that leaves it somewhere else.
Steps that leave the ticket where it was (a ticket change that matched no transition, a failure and
its retry) continue the visit. Activities passed through inside one step (a script task chained to the
next activity) take no time and make no visit.

Visits that ended give the average and the p90 (nearest rank). Tickets still inside an activity are
not part of them — their time is not known yet — and are shown beside them: how many there are and
since when the longest one waits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

# Monitoring counts days in the configured time zone (``Settings.time_zone``); this one by default.
UTC_ZONE = ZoneInfo("UTC")


@dataclass(frozen=True, slots=True)
class ActivityCounts:
    """Tickets whose process stands at an activity now, by the state of their process."""

    active: int = 0
    waiting: int = 0
    failed: int = 0

    @property
    def open(self) -> int:
        """Tickets still inside the activity: active, waiting or failed there."""
        return self.active + self.waiting + self.failed


@dataclass(frozen=True, slots=True)
class Dwell:
    """Time spent in an activity by the visits that ended; open visits only by count and age."""

    finished: int = 0
    average_seconds: float | None = None
    p90_seconds: float | None = None
    open_visits: int = 0
    oldest_open_since: datetime | None = None


@dataclass(frozen=True, slots=True)
class DayCount:
    day: date
    started: int = 0
    completed: int = 0
    failed: int = 0


@dataclass(frozen=True, slots=True)
class ProcessNumbers:
    """Everything the store knows about a process's tickets, keyed by activity key."""

    counts: dict[str, ActivityCounts] = field(default_factory=dict)
    dwell: dict[str, Dwell] = field(default_factory=dict)
    open_incidents: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class IncidentFilter:
    """Open incidents to list; empty filters match everything. ``error_contains`` ignores case."""

    process_key: str | None = None
    activity_key: str | None = None
    error_contains: str | None = None
    # Only incidents of tickets in these queues; None: every incident, also those without a ticket.
    queues: tuple[str, ...] | None = None
    limit: int = 50
    offset: int = 0


@dataclass(frozen=True, slots=True)
class IncidentRow:
    """An open incident with its job's attempts and where its ticket stands (when it has one)."""

    id: int
    job_id: int
    kind: str
    step: str
    error: str
    response: str | None
    opened_at: datetime
    attempts: int
    ticket_id: int | None
    ticket_number: str | None
    ticket_title: str | None
    queue: str | None
    process_key: str | None
    activity_key: str | None


@dataclass(frozen=True, slots=True)
class IncidentPage:
    rows: Sequence[IncidentRow]
    total: int
