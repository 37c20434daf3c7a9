"""The graphical modeler (administrators only): the canvas page, its diagram and Save / Save & Deploy
as JSON for the page's script, and the side panel as server-rendered forms.

The canvas talks BPMN XML; the server turns it into our JSON (``usecases.modeler``). Errors of the
JSON routes are answered as JSON (``{"message", "problems"}``) so the page can show and mark them.
"""

from __future__ import annotations

from importlib import resources

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from ticketflow.domain.errors import ConflictError, DefinitionError, InvalidInputError, Problem
from ticketflow.usecases import modeler, processes
from ticketflow.usecases.principals import require_admin
from ticketflow.web.ui.core import AgentForm, AgentSession, SignedInForm, Ui
from ticketflow.web.ui.modeler_panel import add_panel_routes

PREFIX = "/agent/admin/modeler"
# A diagram posted by the canvas larger than this is refused before it is parsed.
MAX_DIAGRAM_CHARS = 2_000_000


def bundle_built() -> bool:
    """The Vite build's output is not in git: without ``make setup`` the page says so."""
    return resources.files("ticketflow.web").joinpath("static", "modeler", "modeler.js").is_file()


def router(ui: Ui) -> APIRouter:
    routes = ui.router(PREFIX)
    _canvas_routes(ui, routes)
    add_panel_routes(ui, routes, PREFIX)
    return routes


def _canvas_routes(ui: Ui, routes: APIRouter) -> None:
    """The page, its diagram, Save (new or existing) and Deploy."""

    @routes.get("", response_class=HTMLResponse)
    def new_process(request: Request, session: AgentSession) -> HTMLResponse:
        require_admin(session.principal)
        return _page(ui, request, key="", name="", revision=0)

    @routes.post("")
    def create(posted: AgentForm) -> Response:
        require_admin(posted.principal)
        key = posted.text("key").strip()
        try:
            saved = modeler.create_from_diagram(
                ui.application.uow,
                key,
                posted.text("name"),
                _xml(posted),
                saved_by=posted.session.caller.login,
            )
        except (ConflictError, DefinitionError, InvalidInputError) as error:
            return _failure(error)
        return _saved(saved)

    @routes.get("/{key}", response_class=HTMLResponse)
    def edit(request: Request, session: AgentSession, key: str) -> HTMLResponse:
        require_admin(session.principal)
        draft = modeler.open_diagram(ui.application.uow, key)
        return _page(ui, request, key=key, name=draft.name, revision=draft.revision)

    @routes.get("/{key}/diagram")
    def diagram(session: AgentSession, key: str) -> JSONResponse:
        require_admin(session.principal)
        draft = modeler.open_diagram(ui.application.uow, key)
        return JSONResponse({"key": key, "revision": draft.revision, "xml": draft.xml})

    @routes.post("/{key}/save")
    def save(posted: AgentForm, key: str) -> Response:
        require_admin(posted.principal)
        try:
            saved = modeler.save_diagram(
                ui.application.uow,
                key,
                _xml(posted),
                expected_revision=_revision(posted),
                saved_by=posted.session.caller.login,
            )
        except (ConflictError, DefinitionError, InvalidInputError) as error:
            return _failure(error)
        return _saved(saved)

    @routes.post("/{key}/deploy")
    def deploy(posted: AgentForm, key: str) -> Response:
        require_admin(posted.principal)
        try:
            result = processes.deploy_process(
                ui.application.uow,
                ui.application.runtime,
                key,
                deployed_by=posted.session.caller.login,
                now=ui.now(),
                note="from the modeler",
                # Deploy despite failing test scenarios (the version's note says so).
                force=posted.text("force") == "1",
            )
        except DefinitionError as error:
            return _failure(error)
        return JSONResponse({"version": result.version, "unchanged": result.unchanged})


def _page(ui: Ui, request: Request, *, key: str, name: str, revision: int) -> HTMLResponse:
    title = f"Modeler: {name}" if key else "Add process"
    base = f"{PREFIX}/{key}" if key else PREFIX
    urls = {
        "diagram": f"{base}/diagram",
        "save": f"{base}/save" if key else PREFIX,
        "deploy": f"{base}/deploy",
        "panel": f"{base}/panel",
    }
    return ui.render(
        request, "modeler/page.html", title=title, key=key, revision=revision, urls=urls, built=bundle_built()
    )


def _xml(posted: SignedInForm) -> str:
    xml = posted.text("xml")
    if not xml.strip():
        raise InvalidInputError("the canvas sent no diagram", field="xml")
    if len(xml) > MAX_DIAGRAM_CHARS:
        raise InvalidInputError(f"the diagram is larger than {MAX_DIAGRAM_CHARS} characters", field="xml")
    return xml


def _revision(posted: SignedInForm) -> int:
    try:
        return int(posted.text("revision"))
    except ValueError:
        raise InvalidInputError("is not a draft revision", field="revision") from None


def _saved(saved: modeler.SavedDiagram) -> JSONResponse:
    return JSONResponse(
        {
            "key": saved.key,
            "revision": saved.revision,
            "url": f"{PREFIX}/{saved.key}",
            "warnings": [_problem(p) for p in saved.warnings],
        }
    )


def _failure(error: ConflictError | DefinitionError | InvalidInputError) -> JSONResponse:
    if isinstance(error, ConflictError):
        return JSONResponse({"message": error.message, "conflict": True}, status_code=409)
    if isinstance(error, DefinitionError):
        problems = [_problem(p) for p in error.problems]
        return JSONResponse({"message": "The process has problems", "problems": problems}, status_code=422)
    element = f"field:{error.field}" if error.field else "input"
    problem = {"element": element, "message": error.message, "severity": "error"}
    return JSONResponse({"message": error.message, "problems": [problem]}, status_code=422)


def _problem(problem: Problem) -> dict[str, str | None]:
    message = f"{problem.field}: {problem.message}" if problem.field else problem.message
    return {"element": problem.element, "message": message, "severity": problem.severity}
