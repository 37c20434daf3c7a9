"""What the worker side of the job table hands to the use cases: claims, attempts, incidents."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from ticketflow.usecases.records import Job


class AttemptOutcome(StrEnum):
    """How one attempt ended. An attempt still running has none (``JobAttempt.outcome`` None)."""

    SUCCEEDED = "succeeded"
    RETRY = "retry"  # failed, another attempt is scheduled
    FAILED = "failed"  # failed for good (permanent error or last attempt)
    LEASE_EXPIRED = "lease_expired"  # its worker died or hung; another worker took the job over


class IncidentStatus(StrEnum):
    OPEN = "open"
    RETRIED = "retried"  # a person re-queued the job; a new failure opens a new incident
    RESOLVED = "resolved"  # a person closed it with a note


@dataclass(frozen=True, slots=True)
class Claim:
    """A job a worker holds until ``job.locked_until`` (the lease): attempt number ``job.attempts``.

    ``resume`` is True for the first attempt after a person retried the job's incident: the worker
    then calls the handler's ``resume`` instead of ``run``.

    Read by the claim itself, in the same statement (so consistent with each other): the job's
    ticket's ``ticket_version`` and the id of the ``newest_sibling`` — the newest job of the same
    ticket, kind and payload ``activity``. A handler whose ticket still has ``ticket_version`` knows
    no step has queued a newer sibling since (a step that queues a job for a ticket always writes
    that ticket, bumping its version), without asking the store again. None where the job has no
    ticket (or no activity).
    """

    job: Job
    resume: bool = False
    ticket_version: int | None = None
    newest_sibling: int | None = None

    @property
    def attempt(self) -> int:
        return self.job.attempts


@dataclass(frozen=True, slots=True)
class JobAttempt:
    """One recorded attempt. ``response`` summarises what the other side answered, if anything."""

    job_id: int
    attempt: int
    worker: str
    started_at: datetime
    finished_at: datetime | None = None
    outcome: AttemptOutcome | None = None
    error: str | None = None
    response: str | None = None


@dataclass(frozen=True, slots=True)
class NewIncident:
    """A job that gave up and that its handler did not deal with. ``step`` names where the ticket
    stopped (the service task's activity, else the job kind)."""

    job_id: int
    ticket_id: int | None
    kind: str
    step: str
    error: str
    response: str | None
    opened_at: datetime


@dataclass(frozen=True, slots=True)
class Incident:
    id: int
    job_id: int
    ticket_id: int | None
    kind: str
    step: str
    error: str
    response: str | None
    status: IncidentStatus
    opened_at: datetime
    closed_at: datetime | None = None
    closed_by: str | None = None
    note: str | None = None
    # Attempts of the job before the incident was retried: the next one is the resumed attempt.
    retried_after_attempt: int | None = None


@dataclass(frozen=True, slots=True)
class IncidentDetails:
    """An incident with its job and every attempt of it, oldest first."""

    incident: Incident
    job: Job
    attempts: Sequence[JobAttempt]
