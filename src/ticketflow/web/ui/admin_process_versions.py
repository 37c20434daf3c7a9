"""A process's versions, compared and restored (administrators only): the visual diff of any two
versions — one diagram holding both, added, removed and changed elements marked, and every change
field by field — rollback (an earlier version deployed again as the next one), and export of the
draft or a version as ticketflow JSON, OTOBO YAML or BPMN 2.0 XML."""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import quote_plus

import yaml
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from ticketflow.domain.definitions import Process
from ticketflow.domain.diff import ChangeKind, ElementChange, diagram_marks, union_process
from ticketflow.domain.errors import DefinitionError, InvalidInputError
from ticketflow.domain.formats.bpmn_xml import process_to_bpmn
from ticketflow.usecases import process_versions, processes
from ticketflow.usecases.principals import require_admin
from ticketflow.web.ui.admin_process_pages import process_page
from ticketflow.web.ui.core import AgentForm, AgentSession, Ui, redirect
from ticketflow.web.ui.diagram import Badge, process_diagram


class ExportFormat(StrEnum):
    NATIVE = "ticketflow"
    OTOBO = "otobo"
    BPMN = "bpmn"


@dataclass(frozen=True, slots=True)
class ExportFile:
    body: str
    media_type: str
    filename: str


@dataclass(frozen=True, slots=True)
class ChangeGroup:
    """The changes to one kind of element, for the list under the diagram."""

    heading: str
    changes: tuple[ElementChange, ...]


# How the change list names each kind of element, in the order the groups are shown.
_HEADINGS = (
    ("process", "Process"),
    ("activity", "Activities"),
    ("dialog", "Dialogs"),
    ("transition", "Transitions"),
)


def router(ui: Ui) -> APIRouter:
    routes = ui.router("/agent/admin")

    @routes.get("/processes/{key}/diff", response_class=HTMLResponse)
    def diff(request: Request, session: AgentSession, key: str, a: str = "", b: str = "") -> HTMLResponse:
        require_admin(session.principal)
        old, new = _version_number(a, "a"), _version_number(b, "b")
        comparison = process_versions.compare_versions(ui.application.uow, key, old, new)
        history = process_versions.version_history(ui.application.uow, key)
        changes = comparison.changes
        marks = diagram_marks(changes)
        diagram = process_diagram(
            union_process(comparison.old, comparison.new), None, marks=marks, badges=_badges(marks, old, new)
        )
        return ui.render(
            request,
            "admin/process_diff.html",
            title=f"Version {old} → {new} of {comparison.new.name}",
            key=key,
            comparison=comparison,
            diagram=diagram,
            groups=_groups(changes),
            names=_names(comparison.old, comparison.new),
            versions=[entry.stored for entry in history],
            latest=history[-1].stored.version,
            kinds=ChangeKind,
        )

    @routes.post("/processes/{key}/rollback")
    def rollback(request: Request, posted: AgentForm, key: str) -> Response:
        require_admin(posted.principal)
        version = _version_number(posted.text("version"), "version")
        try:
            result = process_versions.rollback_process(
                ui.application.uow,
                ui.application.runtime,
                key,
                version,
                rolled_back_by=posted.session.caller.login,
                now=ui.now(),
                force=posted.text("force") == "1",
            )
        except DefinitionError as error:
            problems = [str(p) for p in error.problems] or [error.message]
            return process_page(ui, request, key, problems=problems, status=422)
        except InvalidInputError as error:
            return process_page(ui, request, key, problems=[error.message], status=422)
        kept = "; the draft keeps its undeployed changes" if not result.draft_replaced else ""
        notice = f"Rolled back to version {version} as version {result.version}{kept}"
        return redirect(f"/agent/admin/processes/{key}?notice={quote_plus(notice)}")

    @routes.get("/processes/{key}/export")
    def export(
        session: AgentSession, key: str, version: str = "", format: str = ExportFormat.NATIVE.value
    ) -> Response:
        require_admin(session.principal)
        chosen = _export_format(format)
        number = _version_number(version, "version") if version else None
        exported = export_file(ui, key, number, chosen)
        disposition = f'attachment; filename="{exported.filename}"'
        return Response(
            exported.body, media_type=exported.media_type, headers={"Content-Disposition": disposition}
        )

    return routes


def export_file(ui: Ui, key: str, version: int | None, chosen: ExportFormat) -> ExportFile:
    """The draft (``version`` None) or a version of ``key`` as a file to download."""
    stem = f"{key}-v{version}" if version is not None else f"{key}-draft"
    if chosen is ExportFormat.BPMN:
        process = processes.load_process(ui.application.uow, key, version)
        return ExportFile(process_to_bpmn(process), "application/xml", f"{stem}.bpmn")
    if chosen is ExportFormat.OTOBO:
        document, _ = processes.export_process(
            ui.application.uow, key, version, processes.ProcessFormat.OTOBO
        )
        body = yaml.safe_dump(document, sort_keys=False, allow_unicode=True)
        return ExportFile(body, "application/yaml", f"{stem}.yml")
    document, _ = processes.export_process(ui.application.uow, key, version, processes.ProcessFormat.NATIVE)
    return ExportFile(
        json.dumps(document, indent=2, ensure_ascii=False) + "\n", "application/json", f"{stem}.json"
    )


def _export_format(text: str) -> ExportFormat:
    try:
        return ExportFormat(text)
    except ValueError:
        raise InvalidInputError("is 'ticketflow', 'otobo' or 'bpmn'", field="format") from None


def _version_number(text: str, field: str) -> int:
    if not text.strip().isdigit() or int(text) < 1:
        raise InvalidInputError(f"'{text}' is not a version number", field=field)
    return int(text)


def _badges(marks: dict[str, tuple[str, ...]], old: int, new: int) -> dict[str, tuple[Badge, ...]]:
    """A word in each marked box, so the diff reads without telling colours apart."""
    words = {
        ChangeKind.ADDED.value: Badge("new", title=f"added in version {new}"),
        ChangeKind.REMOVED.value: Badge(
            "gone", title=f"not in version {new} (drawn where version {old} had it)"
        ),
        ChangeKind.CHANGED.value: Badge("edit", title=f"changed from version {old} to {new}"),
    }
    return {key: (words[kinds[0]],) for key, kinds in marks.items() if kinds and kinds[0] in words}


def _groups(changes: tuple[ElementChange, ...]) -> list[ChangeGroup]:
    groups = [
        ChangeGroup(heading, tuple(c for c in changes if c.element_kind == kind))
        for kind, heading in _HEADINGS
    ]
    return [group for group in groups if group.changes]


def _names(old: Process, new: Process) -> dict[str, str]:
    """A readable name per element (``activity:approval`` → ``Approval``), the newer name winning."""
    names: dict[str, str] = {}
    for process in (old, new):
        for activity in process.activities:
            names[f"activity:{activity.key}"] = activity.name
            for dialog in activity.dialogs:
                names[f"dialog:{activity.key}/{dialog.key}"] = f"{dialog.name} (in {activity.name})"
        for transition in process.transitions:
            names[f"transition:{transition.key}"] = transition.name
    names["process"] = new.name
    return names
