"""Agent pages that change tickets through processes: activity dialogs and starting a process ticket."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from ticketflow.domain.definitions import Interface
from ticketflow.web.ui.core import AgentForm, AgentSession, Ui
from ticketflow.web.ui.dialog_pages import (
    dialog_page,
    dialog_submit,
    start_field_check,
    start_page,
    start_submit,
    startable_processes,
    ticket_field_check,
)

ZOOM = "/agent/tickets/"


def router(ui: Ui) -> APIRouter:
    routes = ui.router("/agent")

    @routes.get("/processes", response_class=HTMLResponse)
    def processes(request: Request, session: AgentSession) -> HTMLResponse:
        found = startable_processes(ui, Interface.AGENT)
        return ui.render(request, "agent/processes.html", title="New process ticket", processes=found)

    @routes.get("/processes/{key}/start", response_class=HTMLResponse)
    def start_form(request: Request, session: AgentSession, key: str) -> HTMLResponse:
        return start_page(ui, request, key, Interface.AGENT, "agent/start.html")

    @routes.post("/processes/{key}/start")
    def start(request: Request, form: AgentForm, key: str) -> Response:
        return start_submit(ui, request, form, key, "agent/start.html", ZOOM)

    @routes.post("/processes/{key}/start/check", response_class=HTMLResponse)
    def start_check(request: Request, form: AgentForm, key: str) -> HTMLResponse:
        return start_field_check(ui, request, form, key)

    @routes.post("/tickets/{ticket_id}/dialogs/{dialog_key}/check", response_class=HTMLResponse)
    def check(request: Request, form: AgentForm, ticket_id: int, dialog_key: str) -> HTMLResponse:
        return ticket_field_check(ui, request, form, ticket_id, dialog_key)

    @routes.get("/tickets/{ticket_id}/dialogs/{dialog_key}", response_class=HTMLResponse)
    def dialog(request: Request, session: AgentSession, ticket_id: int, dialog_key: str) -> HTMLResponse:
        return dialog_page(ui, request, session, ticket_id, dialog_key, "agent/dialog.html")

    @routes.post("/tickets/{ticket_id}/dialogs/{dialog_key}")
    def submit(request: Request, form: AgentForm, ticket_id: int, dialog_key: str) -> Response:
        return dialog_submit(ui, request, form, ticket_id, dialog_key, "agent/dialog.html", ZOOM)

    return routes
