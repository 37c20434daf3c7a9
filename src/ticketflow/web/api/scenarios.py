"""``/api/v1/processes/{key}/scenarios``: a process's saved Test Mode scenarios — exported, imported
(administrators; all or nothing) and run as a suite against a version or the draft (for CI, like
``ticketflow process test KEY --scenarios``). Running writes and sends nothing."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Body
from pydantic import BaseModel, Field

from ticketflow.usecases import scenarios, testmode
from ticketflow.usecases.principals import require_admin, require_agent
from ticketflow.web.api.common import now, router
from ticketflow.web.deps import CurrentApplication, CurrentPrincipal

scenarios_router = router("scenarios")
ScenariosDocument = Annotated[
    dict[str, Any],
    Body(description="{'format': 'ticketflow.scenarios/1', 'process': KEY, 'scenarios': [...]}"),
]


class ImportedOut(BaseModel):
    saved: list[str] = Field(description="the names saved, replacing any of the same name")


class SuiteIn(BaseModel):
    version: int | None = Field(
        default=None, ge=1, le=2**31 - 1, description="a deployed version (default: the latest)"
    )
    draft: bool = Field(default=False, description="run against the saved draft instead")


class SuiteOut(BaseModel):
    passed: int
    failed: int
    scenarios: list[dict[str, Any]]


@scenarios_router.get("/processes/{key}/scenarios")
def export_scenarios(
    key: str, application: CurrentApplication, principal: CurrentPrincipal
) -> dict[str, Any]:
    """Every saved scenario of the process, in the ``ticketflow.scenarios/1`` export form."""
    require_agent(principal)
    return scenarios.export_scenarios(application.uow, key)


@scenarios_router.put("/processes/{key}/scenarios")
def import_scenarios(
    key: str, body: ScenariosDocument, application: CurrentApplication, principal: CurrentPrincipal
) -> ImportedOut:
    """Save every scenario of an export under this process; one bad entry (named) saves none."""
    require_admin(principal)
    saved = scenarios.import_scenarios(application.uow, key, body, saved_by=principal.caller.login, now=now())
    return ImportedOut(saved=[s.name for s in saved])


@scenarios_router.post("/processes/{key}/scenarios/run")
def run_scenarios(
    key: str, application: CurrentApplication, principal: CurrentPrincipal, body: SuiteIn | None = None
) -> SuiteOut:
    """Play every saved scenario against the version (or the draft); each says what differed."""
    require_agent(principal)
    chosen = body or SuiteIn()
    source = testmode.ProcessSource(key=key, version=chosen.version, draft=chosen.draft)
    results = testmode.run_saved_scenarios(application.uow, application.runtime, source, now=now())
    failed = sum(not r.passed for r in results)
    return SuiteOut(passed=len(results) - failed, failed=failed, scenarios=[r.to_dict() for r in results])
