"""Process monitoring: where a deployed process's tickets stand, how long they stay in each activity,
open incidents per activity, and started / completed / failed per day.

The numbers come from ``MonitoringReader``, a read-only port whose SQL implementation aggregates in
the database (``ticketflow.db.monitoring_repository``); what a visit and its time are is explained in
``monitoring_records``. Any agent may look at the numbers of a process (they name no ticket); the
ticket lists behind them go through ``access.visible_query``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from ticketflow.domain.definitions import Process
from ticketflow.domain.errors import InvalidInputError, NotFoundError
from ticketflow.usecases.access import UnitOfWorkFactory
from ticketflow.usecases.monitoring_records import (
    UTC_ZONE,
    ActivityCounts,
    DayCount,
    Dwell,
    IncidentFilter,
    IncidentPage,
    ProcessNumbers,
)
from ticketflow.usecases.principals import Principal, require_agent
from ticketflow.usecases.runtime import ProcessRuntime
from ticketflow.usecases.undeployed import undeployed_reason

MAX_DAYS = 366


class MonitoringReader(Protocol):
    """Aggregates over the tickets, their history and the incidents; every call is one read."""

    def process_numbers(self, process_key: str, version: int | None) -> ProcessNumbers:
        """Counts, dwell and open incidents per activity of ``process_key`` (one version, or all)."""
        ...

    def day_counts(
        self, process_key: str | None, since: date, zone: ZoneInfo = UTC_ZONE
    ) -> Sequence[DayCount]:
        """Process starts, completions and failures per day of ``zone`` from ``since`` on (days with
        none are left out); for one process or, with None, for all."""
        ...

    def open_incidents(self, incident_filter: IncidentFilter) -> IncidentPage:
        """Open incidents, newest first, with their tickets' process position."""
        ...


@dataclass(frozen=True, slots=True)
class ProcessMonitoring:
    process: Process
    version: int | None  # None: all versions together
    versions: tuple[int, ...]
    numbers: ProcessNumbers


def monitor_process(
    uow_factory: UnitOfWorkFactory,
    runtime: ProcessRuntime,
    reader: MonitoringReader,
    principal: Principal,
    process_key: str,
    *,
    version: int | None,
) -> ProcessMonitoring:
    """The numbers of a deployed process; the diagram is drawn from ``version`` (the latest one when
    all versions are asked for). NotFoundError for a process or version that was never deployed."""
    require_agent(principal)
    with uow_factory() as uow:
        versions = tuple(v.version for v in uow.processes.list_versions(process_key))
        if not versions:
            raise NotFoundError(undeployed_reason(uow, process_key))
        if version is not None and version not in versions:
            raise NotFoundError(f"process '{process_key}' has no version {version}")
        # From the runtime's cache of compiled versions: a version never changes once deployed.
        drawn = runtime.load_version(uow, process_key, version if version is not None else max(versions))
    numbers = reader.process_numbers(process_key, version)
    return ProcessMonitoring(drawn.version.process, version, versions, numbers)


@dataclass(frozen=True, slots=True)
class ActivityNumbers:
    """One activity's numbers; ``kind`` is None for an activity only older versions have (its name is
    then its key: the drawn version does not know it)."""

    key: str
    name: str
    kind: str | None
    counts: ActivityCounts
    dwell: Dwell
    open_incidents: int


def per_activity(shown: ProcessMonitoring) -> list[ActivityNumbers]:
    """A row per activity of the drawn version in its order, then one per activity only older versions
    have (with all versions together their tickets are counted too), sorted by key."""
    numbers = shown.numbers
    drawn: list[tuple[str, str, str | None]] = [
        (a.key, a.name, a.type.value) for a in shown.process.activities
    ]
    known = {key for key, _, _ in drawn}
    older = sorted((numbers.counts.keys() | numbers.dwell.keys() | numbers.open_incidents.keys()) - known)
    return [
        ActivityNumbers(
            key=key,
            name=name,
            kind=kind,
            counts=numbers.counts.get(key, ActivityCounts()),
            dwell=numbers.dwell.get(key, Dwell()),
            open_incidents=numbers.open_incidents.get(key, 0),
        )
        for key, name, kind in [*drawn, *((k, k, None) for k in older)]
    ]


def require_deployed(uow_factory: UnitOfWorkFactory, process_key: str) -> None:
    """NotFoundError unless ``process_key`` has a deployed version (a per-day count of a process that
    does not exist would otherwise read as a quiet one)."""
    with uow_factory() as uow:
        if not uow.processes.list_versions(process_key):
            raise NotFoundError(undeployed_reason(uow, process_key))


def days_back(now: datetime, days: int, zone: ZoneInfo = UTC_ZONE) -> list[date]:
    """The last ``days`` days of ``zone`` up to and including today there, oldest first."""
    if not 1 <= days <= MAX_DAYS:
        raise InvalidInputError(f"must be between 1 and {MAX_DAYS}", "days")
    today = now.astimezone(zone).date()
    return [today - timedelta(days=n) for n in range(days - 1, -1, -1)]


def daily_counts(
    reader: MonitoringReader,
    principal: Principal,
    process_key: str | None,
    *,
    days: int,
    now: datetime,
    zone: ZoneInfo = UTC_ZONE,
) -> list[DayCount]:
    """Started, completed and failed per day of ``zone`` (the desk's: ``Settings.time_zone``) for the
    last ``days`` days, every day present."""
    require_agent(principal)
    calendar = days_back(now, days, zone)
    found = {row.day: row for row in reader.day_counts(process_key, calendar[0], zone)}
    return [found.get(day, DayCount(day)) for day in calendar]
