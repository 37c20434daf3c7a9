"""Who sees and acts on which incident in the inbox: administrators on all, agents on those of tickets
in queues they read (and act where they may write), nobody but administrators on incidents without a
ticket; a refusal changes nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from monitoring_support import Histories, Step
from sqlalchemy import Engine

from ticketflow.db.monitoring_repository import SqlMonitoringReader
from ticketflow.db.unit_of_work import SqlUnitOfWork
from ticketflow.domain.errors import NotFoundError, PermissionDeniedError
from ticketflow.domain.permissions import AgentPermissions
from ticketflow.usecases.callers import Caller
from ticketflow.usecases.job_records import IncidentStatus
from ticketflow.usecases.monitoring_incidents import incident_inbox, resolve, retry
from ticketflow.usecases.monitoring_records import IncidentFilter
from ticketflow.usecases.principals import Principal

AT = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
ADMIN = Principal(Caller("root@localhost"), AgentPermissions({"admin": frozenset({"rw"})}))
# The seed's queues Raw, Misc … belong to group "users".
READER = Principal(Caller("reader"), AgentPermissions({"users": frozenset({"ro"})}))
WRITER = Principal(Caller("writer"), AgentPermissions({"users": frozenset({"rw"})}))
STRANGER = Principal(Caller("stranger"), AgentPermissions({}))


@pytest.fixture
def incidents(engine: Engine) -> tuple[int, int]:
    """An incident of a ticket in queue Raw, and one without a ticket."""
    h = Histories(engine)
    ticket = h.ticket("p", 1, "waiting", [Step(AT, "", "order", "ProcessStart")])
    return h.incident(ticket, opened_at=AT), h.incident(None, opened_at=AT, error="mail server gone")


def _listed(engine: Engine, uow: Callable[[], SqlUnitOfWork], principal: Principal) -> list[str]:
    page = incident_inbox(uow, SqlMonitoringReader(engine), principal, IncidentFilter())
    return [row.error for row in page.rows]


def _status(uow: Callable[[], SqlUnitOfWork], incident_id: int) -> IncidentStatus:
    with uow() as unit:
        found = unit.incidents.find(incident_id)
    assert found is not None
    return found.status


def test_who_sees_which_incident(
    engine: Engine, uow_factory: Callable[[], SqlUnitOfWork], incidents: tuple[int, int]
) -> None:
    assert _listed(engine, uow_factory, ADMIN) == ["mail server gone", "ERP down"]
    assert _listed(engine, uow_factory, READER) == ["ERP down"]
    assert _listed(engine, uow_factory, STRANGER) == []


def test_refusals_change_nothing(
    uow_factory: Callable[[], SqlUnitOfWork], incidents: tuple[int, int]
) -> None:
    of_ticket, without_ticket = incidents
    with pytest.raises(PermissionDeniedError, match="lacks the 'rw' permission"):
        retry(uow_factory, READER, of_ticket, now=AT)
    with pytest.raises(NotFoundError, match=f"incident {of_ticket} does not exist"):
        resolve(uow_factory, STRANGER, of_ticket, now=AT, note="by hand")
    with pytest.raises(PermissionDeniedError, match="only administrators"):
        resolve(uow_factory, WRITER, without_ticket, now=AT, note="by hand")
    assert _status(uow_factory, of_ticket) is _status(uow_factory, without_ticket) is IncidentStatus.OPEN


def test_a_writer_and_an_administrator_act(
    uow_factory: Callable[[], SqlUnitOfWork], incidents: tuple[int, int]
) -> None:
    of_ticket, without_ticket = incidents
    assert retry(uow_factory, WRITER, of_ticket, now=AT).status is IncidentStatus.RETRIED
    assert (
        resolve(uow_factory, ADMIN, without_ticket, now=AT, note="new server").status
        is IncidentStatus.RESOLVED
    )
