"""Import a process from the admin page (administrators only), in two steps and without JavaScript.

1. The file (ticketflow JSON, OTOBO YAML or BPMN 2.0 XML; or pasted text) is read and checked:
   the page shows every queue, role, dynamic field, web service … the process needs as a checklist
   (present or missing), what a BPMN diagram holds that our engine cannot run, and the warnings.
2. The admin confirms, choosing which missing dynamic fields and queues to create (with editable
   defaults); creation and import happen in one transaction. The file travels in a hidden field.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import quote_plus

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import UploadFile

from ticketflow.domain.catalog import DynamicFieldType
from ticketflow.domain.errors import DefinitionError, InvalidInputError, Problem
from ticketflow.domain.references import ReferenceKind
from ticketflow.usecases import process_import
from ticketflow.usecases.principals import require_admin
from ticketflow.usecases.process_import import FieldToCreate, ImportPreview, ImportRequest, QueueToCreate
from ticketflow.web.ui.admin_process_pages import processes_page
from ticketflow.web.ui.core import AgentForm, SignedInForm, Ui, redirect

# An uploaded process definition larger than this is refused before it is parsed.
MAX_IMPORT_BYTES = 2_000_000

# Where each kind of missing thing is added, for the links of the checklist.
ADMIN_PAGES = {
    ReferenceKind.QUEUE: "/agent/admin/queues",
    ReferenceKind.STATE: "/agent/admin/states",
    ReferenceKind.PRIORITY: "/agent/admin/priorities",
    ReferenceKind.TYPE: "/agent/admin/types",
    ReferenceKind.USER: "/agent/admin/agents",
    ReferenceKind.ROLE: "/agent/admin/roles",
    ReferenceKind.DYNAMIC_FIELD: "/agent/admin/dynamic-fields",
    ReferenceKind.WEB_SERVICE: "/agent/admin/web-services",
    ReferenceKind.INVOKER: "/agent/admin/web-services",
    ReferenceKind.PROCESS: "/agent/admin/processes",
    ReferenceKind.NOTIFICATION_TEMPLATE: "/agent/admin/notification-templates",
}
FIELD_TYPES = tuple(DynamicFieldType)
_LIST_TYPES = (DynamicFieldType.DROPDOWN, DynamicFieldType.MULTISELECT)


@dataclass
class FieldRow:
    """One missing dynamic field in the creation form, as proposed or as the admin last sent it."""

    name: str
    label: str
    type: str
    values: str  # one "key=label" per line
    reason: str = ""
    create: bool = True
    errors: list[str] = field(default_factory=list)


@dataclass
class QueueRow:
    name: str
    group: str
    create: bool = True
    errors: list[str] = field(default_factory=list)


def router(ui: Ui) -> APIRouter:
    routes = ui.router("/agent/admin")

    @routes.post("/processes/import")
    async def check_upload(request: Request, posted: AgentForm) -> Response:
        require_admin(posted.principal)
        submitted = await _submitted(posted)
        if submitted is None:
            return processes_page(
                ui, request, problems=[f"document: the file is larger than {MAX_IMPORT_BYTES} bytes"]
            )
        return _checked(ui, request, *submitted)

    @routes.post("/processes/import/check")
    def check_again(request: Request, posted: AgentForm) -> Response:
        """The same file checked again, e.g. after a missing role was added on its page."""
        require_admin(posted.principal)
        return _checked(ui, request, posted.text("text"), posted.text("filename"))

    @routes.post("/processes/import/confirm")
    def confirm(request: Request, posted: AgentForm) -> Response:
        require_admin(posted.principal)
        text, filename = posted.text("text"), posted.text("filename")
        if len(text) > MAX_IMPORT_BYTES:
            return processes_page(ui, request, problems=[f"document: larger than {MAX_IMPORT_BYTES} bytes"])
        try:
            preview = process_import.preview_import(
                ui.application.uow, ui.application.runtime, text, filename, ui.now()
            )
        except (DefinitionError, InvalidInputError) as error:
            problems = [str(p) for p in error.problems] if isinstance(error, DefinitionError) else []
            return processes_page(ui, request, problems=problems or [error.message])
        field_rows, queue_rows = _posted_rows(posted, preview)
        key = posted.text("key").strip()
        wanted = ImportRequest(
            text,
            filename,
            key=key or None,
            replace_draft=posted.text("replace_draft") == "yes",
            fields=[row_field for row in field_rows if row.create for row_field in _field_to_create(row)],
            queues=[QueueToCreate(row.name, row.group) for row in queue_rows if row.create],
        )
        try:
            result = process_import.import_with_prerequisites(
                ui.application.uow,
                ui.application.runtime,
                wanted,
                imported_by=posted.session.caller.login,
                now=ui.now(),
            )
        except DefinitionError as error:
            _attach(error.problems, field_rows, queue_rows)
            return _preview_page(
                ui,
                request,
                preview,
                text,
                filename,
                field_rows,
                queue_rows,
                key,
                [_readable(p) for p in error.problems],
            )
        except InvalidInputError as error:
            return _preview_page(
                ui, request, preview, text, filename, field_rows, queue_rows, key, [error.message]
            )
        created = [f.name for f in wanted.fields] + [q.name for q in wanted.queues]
        notice = f"Imported as draft revision {result.revision}"
        if created:
            notice += f"; created {', '.join(created)}"
        if result.warnings:
            notice += f"; {len(result.warnings)} warning(s) were shown before the import"
        return redirect(f"/agent/admin/processes/{result.key}?notice={quote_plus(notice)}")

    return routes


def _checked(ui: Ui, request: Request, text: str, filename: str) -> HTMLResponse:
    """The checklist page for ``text``, or the process list naming why it cannot be read."""
    if len(text) > MAX_IMPORT_BYTES:
        return processes_page(ui, request, problems=[f"document: larger than {MAX_IMPORT_BYTES} bytes"])
    try:
        preview = process_import.preview_import(
            ui.application.uow, ui.application.runtime, text, filename, ui.now()
        )
    except DefinitionError as error:
        return processes_page(ui, request, problems=[str(p) for p in error.problems] or [error.message])
    except InvalidInputError as error:
        return processes_page(ui, request, problems=[error.message])
    return _preview_page(ui, request, preview, text, filename)


def _preview_page(
    ui: Ui,
    request: Request,
    preview: ImportPreview,
    text: str,
    filename: str,
    field_rows: list[FieldRow] | None = None,
    queue_rows: list[QueueRow] | None = None,
    key: str | None = None,
    problems: Sequence[str] = (),
) -> HTMLResponse:
    requirements = sorted(
        preview.requirements, key=lambda r: (r.present, list(ReferenceKind).index(r.kind), r.name)
    )
    return ui.render(
        request,
        "admin/process_import.html",
        status=422 if problems else 200,
        title=f"Import {preview.process.name}",
        preview=preview,
        requirements=requirements,
        missing=[r for r in requirements if not r.present and not r.placeholder],
        text=text,
        filename=filename,
        key=key if key is not None else preview.process.key,
        field_rows=field_rows if field_rows is not None else _proposed_fields(preview),
        queue_rows=queue_rows if queue_rows is not None else _proposed_queues(preview),
        field_types=FIELD_TYPES,
        admin_pages=ADMIN_PAGES,
        problems=list(problems),
    )


def _proposed_fields(preview: ImportPreview) -> list[FieldRow]:
    return [
        FieldRow(p.name, p.label, p.type.value, "\n".join(f"{v}={v}" for v in p.possible_values), p.reason)
        for p in preview.fields_to_create
    ]


def _proposed_queues(preview: ImportPreview) -> list[QueueRow]:
    group = "users" if "users" in preview.groups else (preview.groups[0] if preview.groups else "users")
    return [QueueRow(name, group) for name in preview.queues_to_create]


def _posted_rows(posted: SignedInForm, preview: ImportPreview) -> tuple[list[FieldRow], list[QueueRow]]:
    """The creation form as sent, row by row in the order the preview proposed (names are not taken
    from the form: only what the process misses can be created here)."""
    fields = [
        FieldRow(
            proposal.name,
            posted.text(f"field-{index}-label"),
            posted.text(f"field-{index}-type"),
            posted.text(f"field-{index}-values"),
            proposal.reason,
            posted.text(f"field-{index}-create") == "yes",
        )
        for index, proposal in enumerate(preview.fields_to_create)
    ]
    queues = [
        QueueRow(name, posted.text(f"queue-{index}-group"), posted.text(f"queue-{index}-create") == "yes")
        for index, name in enumerate(preview.queues_to_create)
    ]
    return fields, queues


def _field_to_create(row: FieldRow) -> list[FieldToCreate]:
    """The field to create from a form row; an unreadable row gets its error and creates nothing —
    the import is then refused because the field is still missing, naming both."""
    try:
        kind = DynamicFieldType(row.type)
    except ValueError:
        row.errors.append(f"type: '{row.type}' is not a dynamic field type")
        return []
    values: dict[str, str] = {}
    for line in row.values.splitlines():
        if not line.strip():
            continue
        key, separator, label = line.partition("=")
        values[key.strip()] = label.strip() if separator else key.strip()
    if kind not in _LIST_TYPES:  # values left over from a proposed Dropdown mean nothing here
        return [FieldToCreate(row.name, row.label, kind)]
    return [FieldToCreate(row.name, row.label, kind, values)]


def _readable(problem: Problem) -> str:
    """``dynamic field Urgency, label: must not be empty``; other problems as they are."""
    kind, _, name = problem.element.partition(":")
    if kind not in ("dynamic field", "queue"):
        return str(problem)
    return f"{kind} {name}{', ' + problem.field if problem.field else ''}: {problem.message}"


def _attach(problems: Sequence[Problem], fields: list[FieldRow], queues: list[QueueRow]) -> None:
    """Put each creation problem beside its row (``dynamic field:<name>`` / ``queue:<name>``)."""
    for problem in problems:
        kind, _, name = problem.element.partition(":")
        rows: Sequence[FieldRow | QueueRow] = (
            fields if kind == "dynamic field" else queues if kind == "queue" else ()
        )
        for row in rows:
            if row.name == name:
                row.errors.append(f"{problem.field}: {problem.message}" if problem.field else problem.message)


async def _submitted(posted: SignedInForm) -> tuple[str, str] | None:
    """(text, filename) of the uploaded file, else of the pasted text; None when the file is too large."""
    upload = posted.form.get("document")
    if isinstance(upload, UploadFile) and upload.filename:
        try:
            raw = await upload.read(MAX_IMPORT_BYTES + 1)
        finally:
            await upload.close()
        if len(raw) > MAX_IMPORT_BYTES:
            return None
        return raw.decode("utf-8", errors="replace"), upload.filename
    return posted.text("text"), ""
