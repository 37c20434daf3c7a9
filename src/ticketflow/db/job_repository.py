"""The job queue's producer side in SQL: jobs are rows written in the caller's transaction."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select

from ticketflow.db.prepared import Prepared
from ticketflow.db.tables import jobs
from ticketflow.usecases.records import Job, JobStatus

DEFAULT_MAX_ATTEMPTS = 10  # OTOBO's scheduler tries a GenericInterface task 10 times


_INSERT_JOB = Prepared(insert(jobs).returning(jobs.c.id))  # the step's hot path enqueues


class SqlJobQueue:
    """``JobQueue`` on one connection (one transaction)."""

    def __init__(self, connection: Connection, clock: Callable[[], datetime]) -> None:
        self._connection = connection
        self._clock = clock

    def enqueue(
        self,
        kind: str,
        payload: Mapping[str, Any],
        *,
        ticket_id: int | None,
        run_at: datetime,
        idempotency_key: str | None = None,
    ) -> int:
        """Queue a job; see ``JobQueue.enqueue``."""
        if idempotency_key is not None:
            existing = select(jobs.c.id).where(jobs.c.idempotency_key == idempotency_key)
            found = self._connection.execute(existing).scalar_one_or_none()
            if found is not None:
                return int(found)
        row = {
            "kind": kind,
            "payload": dict(payload),
            "ticket_id": ticket_id,
            "status": JobStatus.QUEUED.value,
            "attempts": 0,
            "max_attempts": DEFAULT_MAX_ATTEMPTS,
            "run_at": run_at,
            "created_at": self._clock(),
            "idempotency_key": idempotency_key,
        }
        returned = _INSERT_JOB.execute(self._connection, row).fetchone()
        assert returned is not None  # INSERT … RETURNING gives the row
        return int(returned[0])

    def list_jobs(self, ticket_id: int | None = None, status: JobStatus | None = None) -> Sequence[Job]:
        statement = select(jobs).order_by(jobs.c.id)
        if ticket_id is not None:
            statement = statement.where(jobs.c.ticket_id == ticket_id)
        if status is not None:
            statement = statement.where(jobs.c.status == status.value)
        return [job_from_row(row) for row in self._connection.execute(statement).mappings()]


def job_from_row(row: Mapping[Any, Any]) -> Job:
    return Job(
        id=row["id"],
        kind=row["kind"],
        payload=row["payload"],
        ticket_id=row["ticket_id"],
        status=JobStatus(row["status"]),
        attempts=row["attempts"],
        max_attempts=row["max_attempts"],
        run_at=row["run_at"],
        created_at=row["created_at"],
        locked_until=row["locked_until"],
        locked_by=row["locked_by"],
        last_error=row["last_error"],
        finished_at=row["finished_at"],
        idempotency_key=row["idempotency_key"],
    )
