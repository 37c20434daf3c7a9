"""``ticketflow monitoring show/daily``: a deployed process's numbers per activity, and process starts,
completions and failures per day of the desk's time zone (the same numbers as the monitoring pages and
the REST API)."""

from __future__ import annotations

from typing import Any

import typer

from ticketflow.bootstrap import monitoring_reader
from ticketflow.cli import output
from ticketflow.cli.acting import LOCAL_ADMINISTRATOR
from ticketflow.cli.context import now, open_application
from ticketflow.cli.errors import CliInputError
from ticketflow.usecases.monitoring import (
    MAX_DAYS,
    ActivityNumbers,
    daily_counts,
    monitor_process,
    per_activity,
    require_deployed,
)
from ticketflow.usecases.principals import Principal

monitoring_app = typer.Typer(
    help="Monitoring: where a process's tickets stand, time spent per activity, events per day.",
    no_args_is_help=True,
)

# The numbers name no ticket: whoever runs the CLI on the database may read them, as any agent may.
_LOCAL = Principal(LOCAL_ADMINISTRATOR)


def _seconds(value: float | None) -> str:
    return "" if value is None else f"{value:.1f} s"


def _activity_json(numbers: ActivityNumbers) -> dict[str, Any]:
    counts, dwell = numbers.counts, numbers.dwell
    return {
        "key": numbers.key,
        "name": numbers.name,
        "type": numbers.kind,
        "active": counts.active,
        "waiting": counts.waiting,
        "failed": counts.failed,
        "open": counts.open,
        "open_incidents": numbers.open_incidents,
        "dwell": {
            "finished": dwell.finished,
            "average_seconds": dwell.average_seconds,
            "p90_seconds": dwell.p90_seconds,
            "open_visits": dwell.open_visits,
            "oldest_open_since": dwell.oldest_open_since,
        },
    }


@monitoring_app.command("show")
def show(
    ctx: typer.Context,
    key: str = typer.Argument(..., help="The process's key."),
    version: int | None = typer.Option(None, "--version", help="One deployed version (default: all)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Tickets inside each activity now (by process status), time spent there and open incidents."""
    if version is not None and version < 1:
        raise CliInputError("--version", f"'{version}' is not a version number")
    with open_application(ctx) as application:
        shown = monitor_process(
            application.reader,
            application.runtime,
            monitoring_reader(application),
            _LOCAL,
            key,
            version=version,
        )
    rows = per_activity(shown)
    if as_json:
        output.print_json(
            {
                "key": shown.process.key,
                "name": shown.process.name,
                "version": shown.version,
                "versions": list(shown.versions),
                "activities": [_activity_json(row) for row in rows],
            }
        )
        return
    which = f"version {shown.version}" if shown.version is not None else "all versions"
    output.table(
        f"{shown.process.name} ({shown.process.key}), {which}",
        (
            "Activity",
            "Type",
            "Inside",
            "Active",
            "Waiting",
            "Failed",
            "Incidents",
            "Ended visits",
            "Average",
            "p90",
            "Oldest inside since",
        ),
        (
            (
                row.key if row.name == row.key else f"{row.name} ({row.key})",
                row.kind or "older version",
                row.counts.open,
                row.counts.active,
                row.counts.waiting,
                row.counts.failed,
                row.open_incidents,
                row.dwell.finished,
                _seconds(row.dwell.average_seconds),
                _seconds(row.dwell.p90_seconds),
                row.dwell.oldest_open_since,
            )
            for row in rows
        ),
    )


@monitoring_app.command("daily")
def daily(
    ctx: typer.Context,
    process: str | None = typer.Option(None, "--process", help="One process's key (default: all)."),
    days: int = typer.Option(30, "--days", help=f"How many days up to today (1 to {MAX_DAYS})."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Process starts, completions and failures per day, every day listed, oldest first: the days of
    the desk's time zone (TICKETFLOW_TIME_ZONE, UTC by default)."""
    if not 1 <= days <= MAX_DAYS:
        raise CliInputError("--days", f"must be between 1 and {MAX_DAYS}")
    with open_application(ctx) as application:
        if process is not None:
            require_deployed(application.reader, process)
        zone = application.settings.zone()
        counts = daily_counts(
            monitoring_reader(application), _LOCAL, process, days=days, now=now(), zone=zone
        )
    if as_json:
        output.print_json(
            {
                "process": process,
                "time_zone": zone.key,
                "days": [
                    {
                        "day": c.day.isoformat(),
                        "started": c.started,
                        "completed": c.completed,
                        "failed": c.failed,
                    }
                    for c in counts
                ],
            }
        )
        return
    output.table(
        f"{process or 'All processes'}: last {days} day(s) in {zone.key}",
        ("Day", "Started", "Completed", "Failed"),
        ((c.day.isoformat(), c.started, c.completed, c.failed) for c in counts),
    )


def register(app: typer.Typer) -> None:
    app.add_typer(monitoring_app, name="monitoring")
