"""The incidents inbox: open incidents filtered by process, activity and error text, and who may see
and act on which of them.

Administrators see and act on every incident. Other agents see the incidents of tickets in queues
where they hold ``ro`` and may retry or resolve those of tickets they may change (``rw`` on the
queue's group, or their own tickets), the rule every ticket change follows (``access``). An incident
without a ticket is for administrators only. The check comes first; a refused call changes nothing.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from ticketflow.domain.errors import NotFoundError, PermissionDeniedError
from ticketflow.usecases import access, jobs
from ticketflow.usecases.access import UnitOfWorkFactory
from ticketflow.usecases.catalog_records import Queue
from ticketflow.usecases.job_records import Incident
from ticketflow.usecases.monitoring import MonitoringReader
from ticketflow.usecases.monitoring_records import IncidentFilter, IncidentPage
from ticketflow.usecases.principals import Principal, require_agent, require_scope


def incident_inbox(
    uow_factory: UnitOfWorkFactory, reader: MonitoringReader, principal: Principal, wanted: IncidentFilter
) -> IncidentPage:
    """The open incidents matching ``wanted`` that ``principal`` may see."""
    require_agent(principal)
    if principal.permissions.is_admin:
        return reader.open_incidents(replace(wanted, queues=None))
    readable = principal.permissions.groups_with("ro")
    with uow_factory() as uow:
        queues = tuple(sorted(q.name for q in uow.catalog.list(Queue) if q.group in readable))
    return reader.open_incidents(replace(wanted, queues=queues))


def retry(
    uow_factory: UnitOfWorkFactory, principal: Principal, incident_id: int, *, now: datetime, note: str = ""
) -> Incident:
    """Queue the incident's job again (``jobs.retry_incident``) if ``principal`` may act on it."""
    _may_act(uow_factory, principal, incident_id)
    return jobs.retry_incident(uow_factory, incident_id, by=principal.caller.login, now=now, note=note)


def resolve(
    uow_factory: UnitOfWorkFactory, principal: Principal, incident_id: int, *, now: datetime, note: str
) -> Incident:
    """Close the incident by hand (``jobs.resolve_incident``) if ``principal`` may act on it."""
    _may_act(uow_factory, principal, incident_id)
    return jobs.resolve_incident(uow_factory, incident_id, by=principal.caller.login, now=now, note=note)


def _may_act(uow_factory: UnitOfWorkFactory, principal: Principal, incident_id: int) -> None:
    require_agent(principal)
    require_scope(principal, "write")
    with uow_factory() as uow:
        incident = uow.incidents.find(incident_id)
    if incident is None:
        raise NotFoundError(f"incident {incident_id} does not exist")
    if principal.permissions.is_admin:
        return
    if incident.ticket_id is None:
        raise PermissionDeniedError(
            f"incident {incident_id} has no ticket: only administrators may act on it"
        )
    try:
        access.check_ticket(uow_factory, principal, incident.ticket_id, "rw")
    except NotFoundError:
        # The ticket is hidden from this agent: so is its incident (ids must not leak what exists).
        raise NotFoundError(f"incident {incident_id} does not exist") from None
