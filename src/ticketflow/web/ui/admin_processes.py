"""Admin pages for processes (administrators only): the list with import, a process's versions with
deploy, and export of the draft or a version as ticketflow JSON or OTOBO YAML."""

from __future__ import annotations

import json
from typing import Any

import yaml
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import UploadFile

from ticketflow.domain.errors import DefinitionError, InvalidInputError
from ticketflow.usecases import processes
from ticketflow.usecases.access import require_admin
from ticketflow.web.ui.core import AgentForm, AgentSession, SignedInForm, Ui, redirect

# An uploaded process definition larger than this is refused before it is parsed.
MAX_IMPORT_BYTES = 2_000_000


def router(ui: Ui) -> APIRouter:
    routes = APIRouter(prefix="/agent/admin", route_class=ui.route_class())

    @routes.get("/processes", response_class=HTMLResponse)
    def process_list(request: Request, session: AgentSession, notice: str = "") -> HTMLResponse:
        require_admin(session.principal)
        return _processes_page(ui, request, notice=notice)

    @routes.post("/processes/import")
    async def import_process(request: Request, posted: AgentForm) -> Response:
        require_admin(posted.principal)
        text = await _submitted_text(posted)
        if text is None:
            return _processes_page(
                ui, request, problems=[f"the file is larger than {MAX_IMPORT_BYTES} bytes"]
            )
        try:
            document = _parse(text)
            result = processes.import_process(
                ui.application.uow,
                ui.application.runtime,
                document,
                imported_by=posted.session.caller.login,
                now=ui.now(),
            )
        except DefinitionError as error:
            return _processes_page(ui, request, problems=[str(p) for p in error.problems] or [error.message])
        except InvalidInputError as error:
            return _processes_page(ui, request, problems=[error.message])
        return redirect(
            f"/agent/admin/processes/{result.key}?notice=Imported+as+draft+revision+{result.revision}"
        )

    @routes.get("/processes/{key}", response_class=HTMLResponse)
    def versions(request: Request, session: AgentSession, key: str, notice: str = "") -> HTMLResponse:
        require_admin(session.principal)
        return _versions_page(ui, request, key, notice=notice)

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
            )
        except DefinitionError as error:
            problems = [str(p) for p in error.problems]
            return _versions_page(ui, request, key, problems=problems, status=422)
        what = "Nothing new to deploy" if result.unchanged else "Deployed"
        return redirect(f"/agent/admin/processes/{key}?notice={what}+(version+{result.version})")

    @routes.get("/processes/{key}/export")
    def export(
        session: AgentSession, key: str, version: int | None = None, format: str = "ticketflow"
    ) -> Response:
        require_admin(session.principal)
        chosen = _format(format)
        document, _ = processes.export_process(ui.application.uow, key, version, chosen)
        suffix = f"-v{version}" if version else "-draft"
        body, media, ext = _serialised(document, chosen)
        disposition = f'attachment; filename="{key}{suffix}.{ext}"'
        return Response(body, media_type=media, headers={"Content-Disposition": disposition})

    return routes


def _processes_page(
    ui: Ui, request: Request, *, problems: list[str] | None = None, notice: str = ""
) -> HTMLResponse:
    status = 422 if problems else 200
    summaries = processes.list_processes(ui.application.uow)
    return ui.render(
        request,
        "admin/processes.html",
        status=status,
        title="Processes",
        processes=summaries,
        problems=problems or [],
        notice=notice,
    )


def _versions_page(
    ui: Ui,
    request: Request,
    key: str,
    *,
    problems: list[str] | None = None,
    status: int = 200,
    notice: str = "",
) -> HTMLResponse:
    stored = processes.list_versions(ui.application.uow, key)
    draft = processes.load_process(ui.application.uow, key)
    return ui.render(
        request,
        "admin/process.html",
        status=status,
        title=f"Process {draft.name}",
        key=key,
        draft=draft,
        versions=stored,
        problems=problems or [],
        notice=notice,
    )


async def _submitted_text(posted: SignedInForm) -> str | None:
    """The uploaded file's text, else the pasted text; None when the file is too large."""
    upload = posted.form.get("document")
    if isinstance(upload, UploadFile) and upload.filename:
        try:
            raw = await upload.read(MAX_IMPORT_BYTES + 1)
        finally:
            await upload.close()
        if len(raw) > MAX_IMPORT_BYTES:
            return None
        return raw.decode("utf-8", errors="replace")
    return posted.text("text")


def _format(text: str) -> processes.ProcessFormat:
    try:
        return processes.ProcessFormat(text)
    except ValueError:
        raise InvalidInputError("is 'ticketflow' or 'otobo'", field="format") from None


def _serialised(document: Any, chosen: processes.ProcessFormat) -> tuple[str, str, str]:
    """(body, media type, file extension) of an exported document."""
    if chosen is processes.ProcessFormat.OTOBO:
        return yaml.safe_dump(document, sort_keys=False, allow_unicode=True), "application/yaml", "yml"
    return json.dumps(document, indent=2, ensure_ascii=False), "application/json", "json"


def _parse(text: str) -> Any:
    """A process document from JSON or YAML text (OTOBO exports are YAML)."""
    if not text.strip():
        raise InvalidInputError("choose a file or paste a definition", field="document")
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        pass
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise InvalidInputError(f"is neither JSON nor YAML ({error})", field="document") from None
    if not isinstance(document, dict):
        raise InvalidInputError("is not a JSON object or YAML mapping", field="document")
    return document
