"""Admin pages for processes (administrators only): the process list with the import form, and a
process's page with its draft, deploy, and the deployed versions — who, when, the note and what
changed against the version before. Comparing, rollback and export live in
``admin_process_versions``, the import with its prerequisite checklist in ``admin_process_import``."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from ticketflow.domain.errors import DefinitionError
from ticketflow.usecases import processes
from ticketflow.usecases.principals import require_admin
from ticketflow.web.routing import add_routes
from ticketflow.web.ui import admin_process_import, admin_process_versions
from ticketflow.web.ui.admin_process_pages import process_page, processes_page
from ticketflow.web.ui.core import AgentForm, AgentSession, Ui, redirect


def router(ui: Ui) -> APIRouter:
    routes = ui.router("/agent/admin")

    @routes.get("/processes", response_class=HTMLResponse)
    def process_list(request: Request, session: AgentSession, notice: str = "") -> HTMLResponse:
        require_admin(session.principal)
        return processes_page(ui, request, notice=notice)

    # Before /processes/{key}: /processes/import must not be read as a process key.
    add_routes(routes, admin_process_import.router(ui))

    @routes.get("/processes/{key}", response_class=HTMLResponse)
    def versions(request: Request, session: AgentSession, key: str, notice: str = "") -> HTMLResponse:
        require_admin(session.principal)
        return process_page(ui, request, key, notice=notice)

    @routes.post("/processes/{key}/deploy")
    def deploy(request: Request, posted: AgentForm, key: str) -> Response:
        require_admin(posted.principal)
        try:
            result = processes.deploy_process(
                ui.application.uow,
                ui.application.runtime,
                key,
                deployed_by=posted.session.caller.login,
                now=ui.now(),
                note=posted.text("note"),
                force=posted.text("force") == "1",
            )
        except DefinitionError as error:
            problems = [str(p) for p in error.problems]
            return process_page(ui, request, key, problems=problems, status=422)
        what = "Nothing new to deploy" if result.unchanged else "Deployed"
        return redirect(f"/agent/admin/processes/{key}?notice={what}+(version+{result.version})")

    add_routes(routes, admin_process_versions.router(ui))
    return routes
