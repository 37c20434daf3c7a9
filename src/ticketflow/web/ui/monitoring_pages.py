"""Monitoring pages for agents: every deployed process with the chart of all processes' starts,
completions and failures per day; a process's diagram with live counts, time spent and incident
badges per activity, a table of the same numbers and the process's chart; the tickets behind a count.

Numbers name no ticket, so any agent may see them; the ticket list behind a count goes through the
permission filter of every ticket list (``access.list_tickets``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from ticketflow.bootstrap import monitoring_reader
from ticketflow.domain.definitions import Process
from ticketflow.domain.errors import InvalidInputError, NotFoundError
from ticketflow.usecases import access, processes
from ticketflow.usecases.monitoring import (
    ProcessMonitoring,
    daily_counts,
    monitor_process,
    per_activity,
    require_deployed,
)
from ticketflow.usecases.monitoring_records import ActivityCounts, Dwell
from ticketflow.usecases.principals import require_agent
from ticketflow.usecases.records import TicketOrder, TicketQuery
from ticketflow.web.ui.core import AgentSession, Ui
from ticketflow.web.ui.diagram import Badge, Diagram, process_diagram
from ticketflow.web.ui.monitoring_chart import day_chart

PAGE_SIZE = 50
# The diagram and table answer alone to htmx's poll of this element (see monitoring/live.html).
LIVE_ID = "monitoring-live"
DEFAULT_DAYS = 30
Days = Annotated[int, Query(ge=1, le=366)]


@dataclass(frozen=True, slots=True)
class ActivityRow:
    key: str
    name: str
    kind: str
    counts: ActivityCounts
    incidents: int
    dwell: Dwell
    tickets_href: str
    incidents_href: str
    average: str
    p90: str
    waiting_longest: str


def router(ui: Ui) -> APIRouter:
    routes = ui.router("/agent/monitoring")
    reader = monitoring_reader(ui.application)

    @routes.get("", response_class=HTMLResponse)
    def overview(request: Request, session: AgentSession, days: Days = DEFAULT_DAYS) -> HTMLResponse:
        require_agent(session.principal)
        deployed = [p for p in processes.list_processes(ui.application.uow) if p.latest_version is not None]
        zone = ui.application.settings.zone()
        counts = daily_counts(reader, session.principal, None, days=days, now=ui.now(), zone=zone)
        return ui.render(
            request,
            "monitoring/index.html",
            title="Process monitoring",
            processes=deployed,
            chart=day_chart(
                f"All processes: started, completed and failed per day ({zone.key}), last {days} days", counts
            ),
            days=days,
            time_zone=zone.key,
        )

    @routes.get("/{key}", response_class=HTMLResponse)
    def process_page(
        request: Request,
        session: AgentSession,
        key: str,
        version: str = "",  # the selector's "All versions" sends an empty value
        days: Days = DEFAULT_DAYS,
    ) -> HTMLResponse:
        shown = monitor_process(
            ui.application.reader,
            ui.application.runtime,
            reader,
            session.principal,
            key,
            version=_version(version),
        )
        now = ui.now()
        rows = activity_rows(shown, now)
        live: dict[str, Any] = {
            "shown": shown,
            "key": key,
            "rows": rows,
            "diagram": _diagram(shown.process, rows),
            "live_id": LIVE_ID,
            "live_href": _page_href(key, shown.version),
            "counted_at": now,
        }
        headers = request.headers
        # htmx restoring a page from history (cache miss) needs the whole page.
        if headers.get("HX-Target") == LIVE_ID and "HX-History-Restore-Request" not in headers:
            return ui.render(request, "monitoring/live.html", **live)
        zone = ui.application.settings.zone()
        counts = daily_counts(reader, session.principal, key, days=days, now=now, zone=zone)
        name = shown.process.name
        return ui.render(
            request,
            "monitoring/process.html",
            title=f"Monitoring: {name}",
            chart=day_chart(
                f"{name}: started, completed and failed per day ({zone.key}), last {days} days", counts
            ),
            days=days,
            time_zone=zone.key,
            **live,
        )

    @routes.get("/{key}/tickets", response_class=HTMLResponse)
    def tickets_page(
        request: Request,
        session: AgentSession,
        key: str,
        activity: str = "",
        version: str = "",  # empty: every version
        page: Annotated[int, Query(ge=1, le=10**6)] = 1,
    ) -> HTMLResponse:
        pinned = _version(version)
        versions = _versions(ui, key)
        if pinned is not None and pinned not in versions:
            raise NotFoundError(f"process '{key}' has no version {pinned}")
        process = processes.load_process(ui.application.uow, key, pinned or max(versions))
        found = process.find_activity(activity) if activity else None
        query = TicketQuery(
            process_key=key,
            process_version=pinned,
            activity_key=activity or None,
            order_by=TicketOrder.CHANGED_AT,  # the longest unchanged first
            limit=PAGE_SIZE,
            offset=(page - 1) * PAGE_SIZE,
        )
        listed, total = access.list_tickets(ui.application.uow, session.principal, query)
        return ui.render(
            request,
            "monitoring/tickets.html",
            title=f"{process.name}: tickets at {found.name if found else activity or 'any activity'}",
            process=process,
            key=key,
            version=pinned,
            tickets=listed,
            total=total,
            page=page,
            pages=max(1, -(-total // PAGE_SIZE)),
            page_query=urlencode({"activity": activity, "version": pinned or ""}),
        )

    return routes


def _version(text: str) -> int | None:
    """The version asked for; None (all versions) when empty."""
    if not text.strip():
        return None
    if not text.strip().isdigit() or int(text) < 1:
        raise InvalidInputError(f"'{text}' is not a version number", "version")
    return int(text)


def _versions(ui: Ui, key: str) -> set[int]:
    versions = {v.version for v in processes.list_versions(ui.application.reader, key)}
    if not versions:
        require_deployed(ui.application.reader, key)  # says why: no such process, or never deployed
    return versions


def _page_href(key: str, version: int | None) -> str:
    """The process page's own address for the version shown (empty: all versions)."""
    return f"/agent/monitoring/{quote(key, safe='')}?{urlencode({'version': version or ''})}"


def activity_rows(shown: ProcessMonitoring, now: datetime) -> list[ActivityRow]:
    """A row per activity of the drawn version, then one per activity only older versions have (all
    versions together: their tickets are counted too, though the diagram has no box for them)."""
    return [
        activity_row(
            shown,
            now,
            numbers.key,
            numbers.name,
            numbers.kind.replace("_", " ") if numbers.kind else "older version",
        )
        for numbers in per_activity(shown)
    ]


def activity_row(shown: ProcessMonitoring, now: datetime, key: str, name: str, kind: str) -> ActivityRow:
    numbers, process_key = shown.numbers, shown.process.key
    dwell = numbers.dwell.get(key, Dwell())
    since = dwell.oldest_open_since
    # A count of one version lists exactly that version's tickets.
    listed = {"activity": key} | ({"version": str(shown.version)} if shown.version is not None else {})
    return ActivityRow(
        key=key,
        name=name,
        kind=kind,
        counts=numbers.counts.get(key, ActivityCounts()),
        incidents=numbers.open_incidents.get(key, 0),
        dwell=dwell,
        tickets_href=f"/agent/monitoring/{process_key}/tickets?{urlencode(listed)}",
        incidents_href=f"/agent/incidents?{urlencode({'process': process_key, 'activity': key})}",
        average=duration_text(dwell.average_seconds),
        p90=duration_text(dwell.p90_seconds),
        waiting_longest=duration_text((now - since).total_seconds() if since else None),
    )


def _diagram(process: Process, rows: list[ActivityRow]) -> Diagram:
    badges: dict[str, list[Badge]] = {}
    marks: dict[str, list[str]] = {}
    notes: dict[str, str] = {}
    for row in rows:
        inside = row.counts.open
        if inside:
            detail = f"{row.counts.active} active, {row.counts.waiting} waiting, {row.counts.failed} failed"
            title = f"{inside} ticket{'s' if inside != 1 else ''} here now ({detail}): list them"
            badges.setdefault(row.key, []).append(Badge(str(inside), "info", row.tickets_href, title))
        if row.incidents:
            title = f"{row.incidents} open incident{'s' if row.incidents != 1 else ''}: open the inbox"
            badges.setdefault(row.key, []).append(
                Badge(str(row.incidents), "incident", row.incidents_href, title)
            )
        if row.incidents or row.counts.failed:
            marks[row.key] = ["incident"]
        if row.dwell.finished:
            notes[row.key] = (
                f"time spent: average {row.average}, p90 {row.p90} over {row.dwell.finished} ended visits"
            )
    return process_diagram(process, None, marks=marks, badges=badges, notes=notes)


def duration_text(seconds: float | None) -> str:
    """A duration the way people read it: 45 s, 12 min, 3.5 h, 2.1 d; an en dash when unknown."""
    if seconds is None:
        return "–"
    if seconds < 60:
        return f"{seconds:.0f} s"
    if seconds < 3600:
        return f"{seconds / 60:.0f} min"
    if seconds < 86400:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} d"
