"""Admin pages (administrators: rw on group ``admin``): the catalog's lists with create forms. The
process pages are in ``admin_processes``."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from ticketflow.domain.errors import InvalidInputError, NotFoundError
from ticketflow.usecases.admin import list_records
from ticketflow.usecases.catalog_records import NotificationTemplate, record_key
from ticketflow.usecases.notification_templates import PLACEHOLDERS
from ticketflow.usecases.principals import Principal, require_admin
from ticketflow.web.ui.admin_catalog import (
    SECTION_BY_SLUG,
    SECTIONS,
    TEMPLATE_INPUTS,
    Section,
    save_template_record,
)
from ticketflow.web.ui.core import AgentForm, AgentSession, Ui, redirect
from ticketflow.web.ui.forms import FormField, Option

TEMPLATES = "notification-templates"
# An uploaded process definition larger than this is refused before it is parsed.
MAX_IMPORT_BYTES = 2_000_000


def router(ui: Ui) -> APIRouter:
    routes = ui.router("/agent/admin")

    @routes.get("/", response_class=HTMLResponse)
    def index(request: Request, session: AgentSession) -> HTMLResponse:
        require_admin(session.principal)
        sections = [(s.slug, s.title) for s in SECTIONS] + [("processes", "Processes")]
        return ui.render(request, "admin/index.html", title="Admin", sections=sections)

    @routes.get(f"/{TEMPLATES}/{{name}}", response_class=HTMLResponse)
    def template_form(request: Request, session: AgentSession, name: str) -> HTMLResponse:
        require_admin(session.principal)
        with ui.application.uow() as uow:
            record = uow.catalog.get(NotificationTemplate, name)
        values = {
            "subject": record.subject,
            "content_type": record.content_type,
            "body": record.body,
            "valid": "1" if record.valid else "0",
        }
        return _template_page(ui, request, name, values, None)

    @routes.post(f"/{TEMPLATES}/{{name}}")
    def template_save(request: Request, posted: AgentForm, name: str) -> Response:
        _admin(posted.principal)
        values = {spec.name: posted.text(spec.name) for spec in TEMPLATE_INPUTS if spec.name != "name"}
        values["valid"] = "1" if posted.text("valid") else "0"  # an unchecked box is not sent
        try:
            save_template_record(ui.application.uow, values, ui.application.runtime, name)
        except InvalidInputError as error:
            return _template_page(ui, request, name, values, error)
        return redirect(f"/agent/admin/{TEMPLATES}?saved={quote(name)}")

    @routes.get("/{slug}", response_class=HTMLResponse)
    def section_list(
        request: Request, session: AgentSession, slug: str, added: str = "", saved: str = ""
    ) -> HTMLResponse:
        require_admin(session.principal)
        section = _section(slug)
        notice = f"Added {added}." if added else f"Saved {saved}." if saved else ""
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
    rows = [(record_key(r), [read(r) for _, read in section.columns]) for r in records]
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
        placeholders=PLACEHOLDERS if section.kind is NotificationTemplate else (),
        field_tags=_field_tags(ui) if section.kind is NotificationTemplate else (),
    )


def _template_page(
    ui: Ui, request: Request, name: str, values: dict[str, str], error: InvalidInputError | None
) -> HTMLResponse:
    """The edit form of one notification template (its name is fixed), errors beside their fields."""
    specs = [spec for spec in TEMPLATE_INPUTS if spec.name != "name"]
    section = Section(TEMPLATES, "Notification templates", NotificationTemplate, (), tuple(specs))
    fields = _inputs(section, values, error)
    shown = {f.name for f in fields} | {"valid"}
    return ui.render(
        request,
        "admin/notification_template.html",
        status=422 if error else 200,
        title=f"Notification template {name}",
        name=name,
        fields=fields,
        valid=values.get("valid") == "1",
        has_error=error is not None,
        general_error=error.message if error and error.field not in shown else "",
        placeholders=PLACEHOLDERS,
        field_tags=_field_tags(ui),
    )


def _field_tags(ui: Ui) -> list[tuple[str, str]]:
    """Each dynamic field's placeholder with its label, for the help beside the template form."""
    return [
        (f"<OTOBO_TICKET_DynamicField_{name}>", d.label) for name, d in ui.catalog().dynamic_fields.items()
    ]
