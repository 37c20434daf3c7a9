"""Admin pages (agents only): lists and create forms for the catalog, and the process list."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from ticketflow.web.ui.core import AgentSession, Ui


def router(ui: Ui) -> APIRouter:
    routes = APIRouter(prefix="/agent/admin", route_class=ui.route_class())

    @routes.get("/", response_class=HTMLResponse)
    def index(request: Request, session: AgentSession) -> HTMLResponse:
        return ui.render(request, "admin/index.html", title="Admin", sections=())

    return routes
