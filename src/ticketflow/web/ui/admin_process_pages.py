"""The two process pages other admin process routes render again with a problem or a notice: the
process list (with the import form) and a process's page (draft, deploy, versions with what changed)."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse

from ticketflow.usecases import process_versions, processes
from ticketflow.web.ui.core import Ui


def processes_page(
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


def process_page(
    ui: Ui,
    request: Request,
    key: str,
    *,
    problems: list[str] | None = None,
    status: int = 200,
    notice: str = "",
) -> HTMLResponse:
    history = process_versions.version_history(ui.application.uow, key)
    draft = processes.load_process(ui.application.uow, key)
    return ui.render(
        request,
        "admin/process.html",
        status=status,
        title=f"Process {draft.name}",
        key=key,
        draft=draft,
        versions=[entry.stored for entry in history],
        history=list(reversed(history)),
        latest=history[-1].stored.version if history else None,
        problems=problems or [],
        notice=notice,
    )
