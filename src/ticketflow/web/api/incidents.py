"""``/api/v1/incidents``: jobs that gave up. Agents read them; administrators retry or resolve them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Path, Query, Request, Response
from pydantic import BaseModel, Field

from ticketflow.usecases import jobs
from ticketflow.usecases.job_records import Incident, IncidentStatus
from ticketflow.usecases.principals import require_admin, require_agent
from ticketflow.web.api.common import Limit, Offset, Page, now, router, slice_page
from ticketflow.web.deps import CurrentApplication, CurrentPrincipal

incidents_router = router("incidents")
IncidentId = Annotated[int, Path(ge=1, le=2**31 - 1)]  # database ids are 32-bit


class IncidentOut(BaseModel):
    id: int
    job_id: int
    ticket_id: int | None
    kind: str
    step: str
    error: str
    response: str | None
    status: str
    opened_at: datetime
    closed_at: datetime | None
    closed_by: str | None
    note: str | None

    @classmethod
    def of(cls, incident: Incident) -> IncidentOut:
        return cls(
            id=incident.id,
            job_id=incident.job_id,
            ticket_id=incident.ticket_id,
            kind=incident.kind,
            step=incident.step,
            error=incident.error,
            response=incident.response,
            status=incident.status.value,
            opened_at=incident.opened_at,
            closed_at=incident.closed_at,
            closed_by=incident.closed_by,
            note=incident.note,
        )


class AttemptOut(BaseModel):
    attempt: int
    worker: str
    started_at: datetime
    finished_at: datetime | None
    outcome: str | None
    error: str | None


class IncidentDetailOut(IncidentOut):
    attempts: list[AttemptOut]


class RetryIn(BaseModel):
    note: Annotated[str, Field(max_length=2000)] = ""
    extra_attempts: Annotated[int, Field(ge=1, le=100)] = 1


class ResolveIn(BaseModel):
    note: Annotated[str, Field(min_length=1, max_length=2000)]


@incidents_router.get("/incidents")
def list_incidents(
    request: Request,
    response: Response,
    application: CurrentApplication,
    principal: CurrentPrincipal,
    status: IncidentStatus | None = None,
    ticket_id: Annotated[int | None, Query(ge=1, le=2**31)] = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Page[IncidentOut]:
    require_agent(principal)
    found = [
        IncidentOut.of(i) for i in jobs.list_incidents(application.uow, status=status, ticket_id=ticket_id)
    ]
    return slice_page(request, response, found, limit, offset)


@incidents_router.get("/incidents/{incident_id}")
def show_incident(
    incident_id: IncidentId, application: CurrentApplication, principal: CurrentPrincipal
) -> IncidentDetailOut:
    require_agent(principal)
    details = jobs.show_incident(application.uow, incident_id)
    attempts = [
        AttemptOut(
            attempt=a.attempt,
            worker=a.worker,
            started_at=a.started_at,
            finished_at=a.finished_at,
            outcome=str(a.outcome) if a.outcome else None,
            error=a.error,
        )
        for a in details.attempts
    ]
    return IncidentDetailOut(**IncidentOut.of(details.incident).model_dump(), attempts=attempts)


@incidents_router.post("/incidents/{incident_id}/retry")
def retry_incident(
    incident_id: IncidentId, body: RetryIn, application: CurrentApplication, principal: CurrentPrincipal
) -> IncidentOut:
    require_admin(principal)
    incident = jobs.retry_incident(
        application.uow,
        incident_id,
        by=principal.caller.login,
        now=now(),
        note=body.note,
        extra_attempts=body.extra_attempts,
    )
    return IncidentOut.of(incident)


@incidents_router.post("/incidents/{incident_id}/resolve")
def resolve_incident(
    incident_id: IncidentId, body: ResolveIn, application: CurrentApplication, principal: CurrentPrincipal
) -> IncidentOut:
    require_admin(principal)
    return IncidentOut.of(
        jobs.resolve_incident(
            application.uow, incident_id, by=principal.caller.login, now=now(), note=body.note
        )
    )
