"""Incidents in SQL: jobs that gave up, waiting for a person."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from ticketflow.db.tables import incidents
from ticketflow.domain.errors import ConflictError
from ticketflow.usecases.job_records import Incident, IncidentStatus, NewIncident


class SqlIncidentRepository:
    """``IncidentRepository`` on one connection (one transaction)."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def open(self, incident: NewIncident) -> int:
        row = {
            "job_id": incident.job_id,
            "ticket_id": incident.ticket_id,
            "kind": incident.kind,
            "step": incident.step,
            "error": incident.error,
            "response": incident.response,
            "status": IncidentStatus.OPEN.value,
            "opened_at": incident.opened_at,
        }
        return int(self._connection.execute(insert(incidents).returning(incidents.c.id), row).scalar_one())

    def find(self, incident_id: int) -> Incident | None:
        statement = select(incidents).where(incidents.c.id == incident_id)
        row = self._connection.execute(statement).mappings().first()
        return None if row is None else _incident(row)

    def list(self, status: IncidentStatus | None = None, ticket_id: int | None = None) -> Sequence[Incident]:
        statement = select(incidents).order_by(incidents.c.id.desc())
        if status is not None:
            statement = statement.where(incidents.c.status == status.value)
        if ticket_id is not None:
            statement = statement.where(incidents.c.ticket_id == ticket_id)
        return [_incident(row) for row in self._connection.execute(statement).mappings()]

    def close(
        self,
        incident_id: int,
        *,
        status: IncidentStatus,
        closed_at: datetime,
        closed_by: str,
        note: str,
        retried_after_attempt: int | None = None,
    ) -> None:
        # Compare-and-set on the status: two people retrying the same incident cannot both win.
        result = self._connection.execute(
            update(incidents)
            .where(incidents.c.id == incident_id, incidents.c.status == IncidentStatus.OPEN.value)
            .values(
                status=status.value,
                closed_at=closed_at,
                closed_by=closed_by,
                note=note,
                retried_after_attempt=retried_after_attempt,
            )
        )
        if result.rowcount != 1:
            raise ConflictError(f"incident {incident_id} is not open (any more)")


def _incident(row: Mapping[Any, Any]) -> Incident:
    return Incident(
        id=row["id"],
        job_id=row["job_id"],
        ticket_id=row["ticket_id"],
        kind=row["kind"],
        step=row["step"],
        error=row["error"],
        response=row["response"],
        status=IncidentStatus(row["status"]),
        opened_at=row["opened_at"],
        closed_at=row["closed_at"],
        closed_by=row["closed_by"],
        note=row["note"],
        retried_after_attempt=row["retried_after_attempt"],
    )
