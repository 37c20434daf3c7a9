"""``/api/v1/monitoring``: where a deployed process's tickets stand, how long they stay per activity,
open incidents per activity, and process starts / completions / failures per day of the desk's time
zone.

The numbers name no ticket, so any agent may read them (as on the monitoring pages)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import Path, Query
from pydantic import BaseModel, Field

from ticketflow.bootstrap import monitoring_reader
from ticketflow.usecases.monitoring import (
    MAX_DAYS,
    ActivityNumbers,
    daily_counts,
    monitor_process,
    per_activity,
    require_deployed,
)
from ticketflow.usecases.principals import require_agent
from ticketflow.web.api.common import now, router
from ticketflow.web.deps import CurrentApplication, CurrentPrincipal

monitoring_router = router("monitoring")
ProcessKey = Annotated[str, Path(min_length=1, max_length=200, description="the process's key")]
Version = Annotated[
    int | None,
    Query(ge=1, le=2**31 - 1, description="one deployed version; all versions together when left out"),
]
Days = Annotated[int, Query(ge=1, le=MAX_DAYS, description="how many days up to today")]
ProcessFilter = Annotated[
    str | None, Query(min_length=1, max_length=200, description="one process's key; all when left out")
]


class DwellOut(BaseModel):
    finished: int = Field(description="visits that ended (the average and p90 count only them)")
    average_seconds: float | None
    p90_seconds: float | None = Field(description="nearest-rank 90th percentile of the ended visits")
    open_visits: int = Field(description="tickets inside the activity now")
    oldest_open_since: datetime | None = Field(description="since when the longest open visit lasts")


class ActivityOut(BaseModel):
    key: str
    name: str
    type: str | None = Field(description="the activity's type; null when only older versions have it")
    active: int
    waiting: int
    failed: int
    open: int = Field(description="tickets inside the activity now: active + waiting + failed")
    open_incidents: int
    dwell: DwellOut

    @classmethod
    def of(cls, numbers: ActivityNumbers) -> ActivityOut:
        counts, dwell = numbers.counts, numbers.dwell
        return cls(
            key=numbers.key,
            name=numbers.name,
            type=numbers.kind,
            active=counts.active,
            waiting=counts.waiting,
            failed=counts.failed,
            open=counts.open,
            open_incidents=numbers.open_incidents,
            dwell=DwellOut(
                finished=dwell.finished,
                average_seconds=dwell.average_seconds,
                p90_seconds=dwell.p90_seconds,
                open_visits=dwell.open_visits,
                oldest_open_since=dwell.oldest_open_since,
            ),
        )


class ProcessMonitoringOut(BaseModel):
    key: str
    name: str
    version: int | None = Field(description="the version counted; null: all versions together")
    drawn_version: int = Field(description="the version whose activities are listed first, in order")
    versions: list[int]
    activities: list[ActivityOut]


class DayOut(BaseModel):
    day: date
    started: int
    completed: int
    failed: int


class DailyOut(BaseModel):
    process: str | None = Field(description="the process counted; null: all processes")
    days: list[DayOut] = Field(description="every day, oldest first, also those with nothing")
    time_zone: str = Field(description="the time zone whose days these are (TICKETFLOW_TIME_ZONE)")


@monitoring_router.get("/monitoring/processes/{key}")
def process_monitoring(
    key: ProcessKey, application: CurrentApplication, principal: CurrentPrincipal, version: Version = None
) -> ProcessMonitoringOut:
    """Counts per activity by process status, time spent (average, p90, open visits) and open
    incidents per activity of one deployed version, or of all of them."""
    shown = monitor_process(
        application.reader,
        application.runtime,
        monitoring_reader(application),
        principal,
        key,
        version=version,
    )
    return ProcessMonitoringOut(
        key=shown.process.key,
        name=shown.process.name,
        version=shown.version,
        drawn_version=shown.version if shown.version is not None else max(shown.versions),
        versions=list(shown.versions),
        activities=[ActivityOut.of(numbers) for numbers in per_activity(shown)],
    )


@monitoring_router.get("/monitoring/daily")
def daily(
    application: CurrentApplication,
    principal: CurrentPrincipal,
    process: ProcessFilter = None,
    days: Days = 30,
) -> DailyOut:
    """Process starts, completions and failures per day of the desk's time zone (the setting
    TICKETFLOW_TIME_ZONE, UTC by default), for one process or all."""
    require_agent(principal)
    if process is not None:
        require_deployed(application.reader, process)
    zone = application.settings.zone()
    counts = daily_counts(monitoring_reader(application), principal, process, days=days, now=now(), zone=zone)
    return DailyOut(
        process=process,
        days=[DayOut(day=c.day, started=c.started, completed=c.completed, failed=c.failed) for c in counts],
        time_zone=zone.key,
    )
