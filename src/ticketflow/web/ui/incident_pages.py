"""The incidents inbox for agents: open incidents filtered by process, activity and error text, each
with its ticket, step, error, attempts and last response, and Retry / Resolve forms.

Who sees and may act on which incident is decided by ``usecases.monitoring_incidents``; a refused
Retry or Resolve is answered with the error page and changes nothing."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from ticketflow.bootstrap import monitoring_reader
from ticketflow.usecases import monitoring_incidents, processes
from ticketflow.usecases.monitoring_records import IncidentFilter
from ticketflow.web.ui.core import AgentForm, AgentSession, Ui, redirect

PAGE_SIZE = 25
_FILTERS = ("process", "activity", "error")


def router(ui: Ui) -> APIRouter:
    routes = ui.router("/agent/incidents")
    reader = monitoring_reader(ui.application)

    @routes.get("", response_class=HTMLResponse)
    def inbox(
        request: Request,
        session: AgentSession,
        process: str = "",
        activity: str = "",
        error: Annotated[str, Query(max_length=200)] = "",
        page: Annotated[int, Query(ge=1)] = 1,
        notice: Annotated[str, Query(max_length=200)] = "",
    ) -> HTMLResponse:
        wanted = IncidentFilter(
            process_key=process or None,
            activity_key=activity or None,
            error_contains=error.strip() or None,
            limit=PAGE_SIZE,
            offset=(page - 1) * PAGE_SIZE,
        )
        found = monitoring_incidents.incident_inbox(ui.application.uow, reader, session.principal, wanted)
        filters = {"process": process, "activity": activity, "error": error}
        deployed = [p for p in processes.list_processes(ui.application.uow) if p.latest_version is not None]
        return ui.render(
            request,
            "monitoring/incidents.html",
            title="Incidents",
            incidents=found.rows,
            total=found.total,
            filters=filters,
            processes=deployed,
            back=f"/agent/incidents?{urlencode(filters)}",
            notice=notice,
            page=page,
            pages=max(1, -(-found.total // PAGE_SIZE)),
            page_query=urlencode(filters),
        )

    @routes.post("/{incident_id}/retry")
    def retry(posted: AgentForm, incident_id: int) -> Response:
        monitoring_incidents.retry(
            ui.application.uow, posted.principal, incident_id, now=ui.now(), note=posted.text("note").strip()
        )
        return redirect(_back(posted.text("back"), f"Incident {incident_id} queued again"))

    @routes.post("/{incident_id}/resolve")
    def resolve(posted: AgentForm, incident_id: int) -> Response:
        monitoring_incidents.resolve(
            ui.application.uow, posted.principal, incident_id, now=ui.now(), note=posted.text("note")
        )
        return redirect(_back(posted.text("back"), f"Incident {incident_id} resolved"))

    return routes


def _back(back: str, notice: str) -> str:
    """Back to the inbox with the filters it had; only an inbox address is followed (no open redirect)."""
    target = (
        back if back.startswith("/agent/incidents?") or back == "/agent/incidents" else "/agent/incidents"
    )
    separator = "&" if "?" in target else "?"
    return f"{target}{separator}{urlencode({'notice': notice})}"
