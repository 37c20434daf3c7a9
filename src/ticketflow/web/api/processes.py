"""``/api/v1/processes``: list, versions, export, import, deploy, rollback, Test Mode. Reading needs an agent;
import, deploy and state changes need an administrator."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Annotated, Any

from fastapi import Body, Query, Request, Response
from pydantic import BaseModel, Field

from ticketflow.domain.definitions import ProcessState
from ticketflow.usecases import process_import, process_versions, processes, testmode
from ticketflow.usecases.access import check_ticket
from ticketflow.usecases.principals import require_admin, require_agent
from ticketflow.usecases.process_import import ImportRequest
from ticketflow.web.api.common import Limit, Offset, Page, now, router, slice_page
from ticketflow.web.deps import CurrentApplication, CurrentPrincipal

processes_router = router("processes")
Document = Annotated[
    dict[str, Any], Body(description="a process document (native JSON or OTOBO YAML as JSON)")
]


class ProcessOut(BaseModel):
    key: str
    name: str
    state: str
    latest_version: int | None
    draft_revision: int | None
    changed_at: datetime


class VersionOut(BaseModel):
    key: str
    version: int
    content_hash: str
    deployed_at: datetime
    deployed_by: str
    note: str
    changes: list[str] = Field(
        default_factory=list,
        description="what changed against the previous version, per element ('activity:x changed: name')",
    )


class ProblemOut(BaseModel):
    element: str
    message: str
    field: str | None
    severity: str


class ImportOut(BaseModel):
    key: str
    name: str
    revision: int
    warnings: list[ProblemOut]


class DeployOut(BaseModel):
    key: str
    version: int
    content_hash: str
    unchanged: bool


class ExportOut(BaseModel):
    document: dict[str, Any]
    warnings: list[ProblemOut]


class DeployIn(BaseModel):
    note: str = ""
    force: bool = Field(
        default=False,
        description="deploy even when saved test scenarios fail; the version's note says so",
    )


class RollbackIn(BaseModel):
    to: int = Field(ge=1, le=10**6, description="the earlier version whose content is deployed again")
    force: bool = Field(default=False, description="roll back even when saved test scenarios fail")


class RollbackOut(BaseModel):
    key: str
    version: int
    rolled_back_to: int
    content_hash: str
    draft_replaced: bool


class StateIn(BaseModel):
    state: ProcessState


class TestModeIn(BaseModel):
    """Test Mode input: ``{"ticket": {...}, "submissions": [...], "service_results": {...}}``."""

    input: dict[str, Any]
    # Bounded like every id and version the API takes: the databases' integers are 32-bit.
    version: int | None = Field(default=None, ge=1, le=2**31 - 1)
    draft: bool = False
    from_ticket: int | None = Field(default=None, ge=1, le=2**31 - 1)


@processes_router.get("/processes")
def list_processes(
    request: Request,
    response: Response,
    application: CurrentApplication,
    principal: CurrentPrincipal,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Page[ProcessOut]:
    require_agent(principal)
    found = [ProcessOut(**asdict(p)) for p in processes.list_processes(application.uow)]
    return slice_page(request, response, found, limit, offset)


@processes_router.get("/processes/{key}/versions")
def list_versions(key: str, application: CurrentApplication, principal: CurrentPrincipal) -> list[VersionOut]:
    require_agent(principal)
    return [
        VersionOut(
            key=entry.stored.key,
            version=entry.stored.version,
            content_hash=entry.stored.content_hash,
            deployed_at=entry.stored.deployed_at,
            deployed_by=entry.stored.deployed_by,
            note=entry.stored.note,
            changes=[change.describe() for change in entry.changes],
        )
        for entry in process_versions.version_history(application.uow, key)
    ]


@processes_router.get("/processes/{key}/export")
def export_process(
    key: str,
    application: CurrentApplication,
    principal: CurrentPrincipal,
    version: Annotated[int | None, Query(ge=1, le=10**6, description="a version; none: the draft")] = None,
    format: processes.ProcessFormat = processes.ProcessFormat.NATIVE,
) -> ExportOut:
    require_agent(principal)
    document, warnings = processes.export_process(application.uow, key, version, format)
    return ExportOut(document=document, warnings=[ProblemOut(**asdict(w)) for w in warnings])


@processes_router.post("/processes/import", status_code=201)
def import_process(
    document: Document, application: CurrentApplication, principal: CurrentPrincipal
) -> ImportOut:
    """Save the document as the draft of its process (refused, naming every missing reference)."""
    require_admin(principal)
    result = processes.import_process(
        application.uow, application.runtime, document, imported_by=principal.caller.login, now=now()
    )
    return ImportOut(
        key=result.key,
        name=result.name,
        revision=result.revision,
        warnings=[ProblemOut(**asdict(w)) for w in result.warnings],
    )


# A diagram larger than this is refused before it is parsed (the modeler's limit too).
MAX_BPMN_CHARS = 2_000_000
BpmnDiagram = Annotated[
    str,
    Body(
        media_type="application/xml",
        max_length=MAX_BPMN_CHARS,
        description="a BPMN 2.0 XML diagram, e.g. drawn in another BPMN tool",
    ),
]


@processes_router.post("/processes/import/bpmn", status_code=201)
def import_bpmn(
    diagram: BpmnDiagram,
    application: CurrentApplication,
    principal: CurrentPrincipal,
    key: Annotated[str | None, Query(max_length=100, description="the key to import under")] = None,
) -> ImportOut:
    """Save a BPMN diagram as the draft of its process, replacing an earlier draft of that key.

    What our engine cannot run (gateways, timers, ...) comes back as warnings; tasks whose script or
    web service is not chosen yet get a placeholder call to choose before deploying. Refused, naming
    every one, when the diagram uses queues, dynamic fields ... that do not exist here."""
    require_admin(principal)
    request = ImportRequest(diagram, "diagram.bpmn", key=key, replace_draft=True)
    result = process_import.import_with_prerequisites(
        application.uow, application.runtime, request, imported_by=principal.caller.login, now=now()
    )
    return ImportOut(
        key=result.key,
        name=result.name,
        revision=result.revision,
        warnings=[ProblemOut(**asdict(w)) for w in result.warnings],
    )


@processes_router.post("/processes/{key}/deploy")
def deploy_process(
    key: str, application: CurrentApplication, principal: CurrentPrincipal, body: DeployIn | None = None
) -> DeployOut:
    """Validate the draft, rerun the saved test scenarios (422 ``scenarios_failed`` naming each unless
    ``force``) and freeze it as the next version."""
    require_admin(principal)
    result = processes.deploy_process(
        application.uow,
        application.runtime,
        key,
        deployed_by=principal.caller.login,
        now=now(),
        note=body.note if body else "",
        force=body.force if body else False,
    )
    return DeployOut(**asdict(result))


@processes_router.post("/processes/{key}/rollback")
def rollback_process(
    key: str, body: RollbackIn, application: CurrentApplication, principal: CurrentPrincipal
) -> RollbackOut:
    """Deploy an earlier version's content again as the next version (note "rollback to version K");
    tickets keep the versions they are pinned to. The saved test scenarios rerun first, as for a
    deploy (422 ``scenarios_failed`` naming each unless ``force``)."""
    require_admin(principal)
    result = process_versions.rollback_process(
        application.uow,
        application.runtime,
        key,
        body.to,
        rolled_back_by=principal.caller.login,
        now=now(),
        force=body.force,
    )
    return RollbackOut(**asdict(result))


@processes_router.post("/processes/{key}/state")
def set_state(
    key: str, body: StateIn, application: CurrentApplication, principal: CurrentPrincipal
) -> DeployOut:
    """Make the process Active, FadeAway or Inactive (deployed as a new version)."""
    require_admin(principal)
    result = processes.set_process_state(
        application.uow, application.runtime, key, body.state, changed_by=principal.caller.login, now=now()
    )
    return DeployOut(**asdict(result))


@processes_router.post("/processes/{key}/test")
def test_mode(
    key: str, body: TestModeIn, application: CurrentApplication, principal: CurrentPrincipal
) -> dict[str, Any]:
    """Play a scenario against a version (or the draft): nothing is written or sent. Starting from a
    copy of a real ticket needs read access to that ticket."""
    require_agent(principal)
    if body.from_ticket is not None:
        check_ticket(application.uow, principal, body.from_ticket)
    report = testmode.run_test_mode(
        application.uow,
        application.runtime,
        testmode.ProcessSource(key=key, version=body.version, draft=body.draft),
        testmode.parse_test_input(body.input),
        now=now(),
        from_ticket=body.from_ticket,
    )
    return report.to_dict()
