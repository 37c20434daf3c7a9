"""Admin pages (administrators: rw on group ``admin``): the catalog's lists with create forms. The
process pages are in ``admin_processes``."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from ticketflow.domain.errors import InvalidInputError, NotFoundError
from ticketflow.usecases.access import Principal, require_admin
from ticketflow.usecases.admin import list_records
from ticketflow.web.ui.admin_catalog import SECTION_BY_SLUG, SECTIONS, Section
from ticketflow.web.ui.core import AgentForm, AgentSession, Ui, redirect
from ticketflow.web.ui.forms import FormField, Option

# An uploaded process definition larger than this is refused before it is parsed.
MAX_IMPORT_BYTES = 2_000_000


def router(ui: Ui) -> APIRouter:
    routes = APIRouter(prefix="/agent/admin", route_class=ui.route_class())

    @routes.get("/", response_class=HTMLResponse)
    def index(request: Request, session: AgentSession) -> HTMLResponse:
        require_admin(session.principal)
        sections = [(s.slug, s.title) for s in SECTIONS] + [("processes", "Processes")]
        return ui.render(request, "admin/index.html", title="Admin", sections=sections)

    @routes.get("/{slug}", response_class=HTMLResponse)
    def section_list(request: Request, session: AgentSession, slug: str, added: str = "") -> HTMLResponse:
        require_admin(session.principal)
        section = _section(slug)
        notice = f"Added {added}." if added else ""
        return _section_page(ui, request, section, _inputs(section, {}, None), notice=notice)

    @routes.post("/{slug}")
    def section_add(request: Request, posted: AgentForm, slug: str) -> Response:
        _admin(posted.principal)
        section = _section(slug)
        if section.create is None:
            raise NotFoundError(f"{section.title} are not created here")
        values = {spec.name: posted.text(spec.name).strip() for spec in section.inputs}
        try:
            section.create(ui.application.uow, values, ui.application.runtime)
        except InvalidInputError as error:
            fields = _inputs(section, values, error)
            return _section_page(ui, request, section, fields, status=422, error=error)
        first = section.inputs[0].name
        return redirect(f"/agent/admin/{slug}?added={values[first]}")

    return routes


def _admin(principal: Principal) -> None:
    require_admin(principal)


def _section(slug: str) -> Section:
    section = SECTION_BY_SLUG.get(slug)
    if section is None:
        raise NotFoundError(f"there is no admin page '{slug}'")
    return section


def _inputs(section: Section, values: dict[str, str], error: InvalidInputError | None) -> list[FormField]:
    message = error.message.removeprefix(f"{error.field}: ") if error and error.field else None
    return [
        FormField(
            spec.name,
            spec.label,
            spec.widget,
            spec.mandatory,
            spec.hint,
            values.get(spec.name, ""),
            tuple(Option(o, o, o == values.get(spec.name)) for o in spec.options),
            message if error and error.field == spec.name else None,
        )
        for spec in section.inputs
    ]


def _section_page(
    ui: Ui,
    request: Request,
    section: Section,
    fields: list[FormField],
    *,
    status: int = 200,
    error: InvalidInputError | None = None,
    notice: str = "",
) -> HTMLResponse:
    records = list_records(ui.application.uow, section.kind)
    rows = [[read(record) for _, read in section.columns] for record in records]
    shown = {f.name for f in fields}
    general = error.message if error and error.field not in shown else ""
    return ui.render(
        request,
        "admin/section.html",
        status=status,
        title=section.title,
        section=section,
        rows=rows,
        fields=fields,
        general_error=general,
        has_error=error is not None,
        notice=notice,
    )
