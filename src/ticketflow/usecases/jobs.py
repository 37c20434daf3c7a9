"""Running worker jobs: the handler contract, one claimed job through its handler, incidents.

A job is at-least-once work: the worker may run a job again after a crash, so a handler must make
its effect idempotent (it sends the job's idempotency key). This module decides what happens after
an attempt: done, retry later (with the retry schedule of ``ticketflow.domain.retry``), or give up
(the handler's ``give_up``, else an incident a person can see and retry).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol

from ticketflow.domain.errors import (
    InvalidInputError,
    JobError,
    NotFoundError,
    PermanentError,
    RetryableError,
)
from ticketflow.domain.retry import RetryPolicy, retry_delay
from ticketflow.usecases.job_records import (
    AttemptOutcome,
    Claim,
    Incident,
    IncidentDetails,
    IncidentStatus,
    NewIncident,
)
from ticketflow.usecases.ports import UnitOfWork, UnitOfWorkFactory
from ticketflow.usecases.records import Job, JobStatus


class JobHandler(Protocol):
    """Does the work of one job ``kind`` (``"web_service"``, ``"email"`` …).

    ``run`` does the work and, on success, its own transaction (stores the mapped response, moves
    the ticket on). It raises ``RetryableError`` (transient; ``retry_after`` is the other side's
    hint) or ``PermanentError``; both carry ``.response`` for the incident. Any other exception is
    treated as retryable (a bug or an outage we did not classify should not lose the job).

    ``give_up`` is called once when the job failed permanently or exhausted its attempts: it
    returns True if the handler dealt with it (e.g. took the service task's error transition),
    False to have the worker open an incident.

    ``resume`` is called instead of ``run`` when a person retries an incident; it may just run.

    Optional: ``run_finishing(job, now, *, resume, finish)`` replaces both, to mark the job done in
    the handler's own last transaction (see ``AttemptFinish``).

    Optional: ``prepare_claimed(uow, claims, now)`` is called by the worker inside the transaction
    that claimed ``claims`` (jobs of this kind), before it commits, to read what the runs will need
    without a transaction of their own per job. It must only read, and must not raise for one job's
    problem (that job's run meets it again); an exception skips the preparation, not the claim.
    """

    kind: str

    def run(self, job: Job, now: datetime) -> None: ...

    def give_up(self, job: Job, error: JobError, now: datetime) -> bool: ...

    def resume(self, job: Job, now: datetime) -> None: ...


class AttemptFinish:
    """The success write of one claimed attempt, offered to a handler that commits work of its own.

    A handler may define ``run_finishing(job, now, *, resume, finish)`` (called instead of ``run`` or
    ``resume``) and end its last transaction with ``finish.commit(uow)`` instead of ``uow.commit()``:
    the job is then marked done in that same transaction — one transaction (BEGIN, fenced UPDATE,
    COMMIT, a pool checkout) less per job, and no window between the handler's commit and ours. A
    handler that returns without calling it (a stale job, nothing to write) is finished as before.
    As before, the handler's work is committed even when the lease was lost meanwhile (``kept``).

    Such a handler also makes its calls to the outside world (a web service, a mail server) inside
    ``with finish.outside():`` — the worker runs such jobs' own work one thread at a time and lets
    another thread go on while one waits out there (``ticketflow.worker.loop``).
    """

    __slots__ = ("_claim", "_clock", "_outside", "_worker", "kept")

    def __init__(
        self,
        claim: Claim,
        worker: str,
        clock: Callable[[], datetime],
        outside: Callable[[], AbstractContextManager[object]] = nullcontext,
    ) -> None:
        self._claim = claim
        self._worker = worker
        self._clock = clock
        self._outside = outside
        self.kept: bool | None = None  # set once a transaction with the finish has committed

    def outside(self) -> AbstractContextManager[object]:
        """A context for a wait on the outside world; no transaction may be open in it."""
        return self._outside()

    @property
    def claim(self) -> Claim:
        """The claimed attempt, with what the claim read about the job's ticket (``Claim``)."""
        return self._claim

    def commit(self, uow: UnitOfWork) -> None:
        """Mark the attempt succeeded in ``uow`` and commit ``uow``."""
        kept = uow.jobs.finish_attempt(
            self._claim,
            worker=self._worker,
            now=self._clock(),
            outcome=AttemptOutcome.SUCCEEDED,
            status=JobStatus.DONE,
        )
        uow.commit()
        self.kept = kept


class Outcome(StrEnum):
    """What became of one attempt."""

    SUCCEEDED = "succeeded"
    RETRY = "retry"  # failed; queued again after ``AttemptResult.delay``
    GAVE_UP = "gave_up"  # failed for good; the handler dealt with it (e.g. an error transition)
    INCIDENT = "incident"  # failed for good; an incident waits for a person
    LEASE_LOST = "lease_lost"  # another worker took the job over meanwhile; our result was dropped


@dataclass(frozen=True, slots=True)
class AttemptResult:
    outcome: Outcome
    error: JobError | None = None
    delay: timedelta | None = None
    incident_id: int | None = None


def run_claimed_job(
    uow_factory: UnitOfWorkFactory,
    handler: JobHandler,
    claim: Claim,
    *,
    worker: str,
    clock: Callable[[], datetime],
    policy: RetryPolicy,
    random_value: float,
    outside: Callable[[], AbstractContextManager[object]] = nullcontext,
) -> AttemptResult:
    """Run one claimed attempt through ``handler`` and record how it ended.

    Success marks the job done. A ``RetryableError`` (or any unexpected exception) queues it again
    after ``retry_delay`` while attempts remain (``job.max_attempts`` rules, ``policy`` gives the
    delays); a ``PermanentError`` or the last failed attempt calls ``handler.give_up`` and, unless it
    returns True, opens an incident. Every write is fenced by the claim: if the lease was lost
    meanwhile nothing is written and the outcome is ``LEASE_LOST``.

    At-least-once: a crash after the handler's own commit and before ours runs the job again; the
    handler's idempotency key makes the repeat harmless on the other side.

    ``outside`` is what ``AttemptFinish.outside`` enters (the worker's, see there).
    """
    job = claim.job
    finish = AttemptFinish(claim, worker, clock, outside)
    run_finishing = getattr(handler, "run_finishing", None)  # the optional hook, see AttemptFinish
    try:
        if run_finishing is not None:
            run_finishing(job, clock(), resume=claim.resume, finish=finish)
        elif claim.resume:
            handler.resume(job, clock())
        else:
            handler.run(job, clock())
    except Exception as error:
        if finish.kept is not None:  # failed after its work and our finish were committed: done
            return AttemptResult(Outcome.SUCCEEDED if finish.kept else Outcome.LEASE_LOST)
        if not isinstance(error, JobError):  # an unclassified failure (a bug, an outage): worth another try
            error = RetryableError(f"{type(error).__name__}: {error}")
        return _failed(uow_factory, handler, claim, error, worker, clock(), policy, random_value)
    if finish.kept is not None:
        return AttemptResult(Outcome.SUCCEEDED if finish.kept else Outcome.LEASE_LOST)
    with uow_factory() as uow:
        kept = uow.jobs.finish_attempt(
            claim, worker=worker, now=clock(), outcome=AttemptOutcome.SUCCEEDED, status=JobStatus.DONE
        )
        uow.commit()
    return AttemptResult(Outcome.SUCCEEDED if kept else Outcome.LEASE_LOST)


def _failed(
    uow_factory: UnitOfWorkFactory,
    handler: JobHandler,
    claim: Claim,
    error: JobError,
    worker: str,
    now: datetime,
    policy: RetryPolicy,
    random_value: float,
) -> AttemptResult:
    job = claim.job
    delay = None
    if not isinstance(error, PermanentError):
        retry_after = error.retry_after if isinstance(error, RetryableError) else None
        allowed = replace(policy, max_attempts=max(job.max_attempts, 1))
        delay = retry_delay(claim.attempt, allowed, random_value=random_value, retry_after=retry_after)
    if delay is not None:
        with uow_factory() as uow:
            kept = uow.jobs.finish_attempt(
                claim,
                worker=worker,
                now=now,
                outcome=AttemptOutcome.RETRY,
                status=JobStatus.QUEUED,
                run_at=now + delay,
                error=error.message,
                response=error.response,
            )
            uow.commit()
        return AttemptResult(Outcome.RETRY if kept else Outcome.LEASE_LOST, error, delay)
    return _give_up(uow_factory, handler, claim, error, worker, now)


def _give_up(
    uow_factory: UnitOfWorkFactory,
    handler: JobHandler,
    claim: Claim,
    error: JobError,
    worker: str,
    now: datetime,
) -> AttemptResult:
    job = claim.job
    problem = error.message
    try:
        handled = handler.give_up(job, error, now)
    except Exception as give_up_error:  # the error path failed too: a person must look
        handled = False
        problem = f"{problem}; giving up failed too: {type(give_up_error).__name__}: {give_up_error}"
    status = JobStatus.FAILED if handled else JobStatus.DEAD
    incident_id = None
    with uow_factory() as uow:
        kept = uow.jobs.finish_attempt(
            claim,
            worker=worker,
            now=now,
            outcome=AttemptOutcome.FAILED,
            status=status,
            error=problem,
            response=error.response,
        )
        if kept and not handled:
            incident_id = uow.incidents.open(
                NewIncident(
                    job_id=job.id,
                    ticket_id=job.ticket_id,
                    kind=job.kind,
                    step=step_of(job),
                    error=problem,
                    response=error.response,
                    opened_at=now,
                )
            )
        uow.commit()
    if not kept:
        return AttemptResult(Outcome.LEASE_LOST, error)
    return AttemptResult(Outcome.GAVE_UP if handled else Outcome.INCIDENT, error, incident_id=incident_id)


def step_of(job: Job) -> str:
    """Where the ticket stopped: the activity of a service task, else the job kind."""
    activity = job.payload.get("activity")
    return f"activity:{activity}" if isinstance(activity, str) and activity else job.kind


# --- incidents -------------------------------------------------------------------------------


def list_incidents(
    uow_factory: UnitOfWorkFactory, *, status: IncidentStatus | None = None, ticket_id: int | None = None
) -> Sequence[Incident]:
    """Incidents, newest first, optionally only those in ``status`` or of one ticket."""
    with uow_factory() as uow:
        return uow.incidents.list(status, ticket_id)


def show_incident(uow_factory: UnitOfWorkFactory, incident_id: int) -> IncidentDetails:
    """The incident with its job and all attempts; NotFoundError if there is none."""
    with uow_factory() as uow:
        incident = _get(uow, incident_id)
        job = uow.jobs.find(incident.job_id)
        if job is None:  # the FK cascades, so only a concurrent delete gets here
            raise NotFoundError(f"job {incident.job_id} of incident {incident_id} does not exist")
        return IncidentDetails(incident, job, uow.jobs.list_attempts(job.id))


def retry_incident(
    uow_factory: UnitOfWorkFactory,
    incident_id: int,
    *,
    by: str,
    now: datetime,
    note: str = "",
    extra_attempts: int = 1,
) -> Incident:
    """Queue the incident's job again, due now, with ``extra_attempts`` more attempts; the worker
    then calls the handler's ``resume``, which continues the process where it stopped. A new
    failure opens a new incident. ConflictError if the incident is not open."""
    if extra_attempts < 1:
        raise InvalidInputError("must be at least 1", "attempts")
    with uow_factory() as uow:
        incident = _get(uow, incident_id)
        job = uow.jobs.find(incident.job_id)
        if job is None:
            raise NotFoundError(f"job {incident.job_id} of incident {incident_id} does not exist")
        uow.incidents.close(
            incident_id,
            status=IncidentStatus.RETRIED,
            closed_at=now,
            closed_by=by,
            note=note or "retried",
            retried_after_attempt=job.attempts,
        )
        uow.jobs.requeue(job.id, run_at=now, extra_attempts=extra_attempts)
        uow.commit()
        return _get(uow, incident_id)


def resolve_incident(
    uow_factory: UnitOfWorkFactory, incident_id: int, *, by: str, now: datetime, note: str
) -> Incident:
    """Close the incident without running the job again (someone fixed things by hand); ``note``
    says how. ConflictError if it is not open."""
    if not note.strip():
        raise InvalidInputError("say how the incident was resolved", "note")
    with uow_factory() as uow:
        _get(uow, incident_id)
        uow.incidents.close(
            incident_id, status=IncidentStatus.RESOLVED, closed_at=now, closed_by=by, note=note.strip()
        )
        uow.commit()
        return _get(uow, incident_id)


def _get(uow: UnitOfWork, incident_id: int) -> Incident:
    incident = uow.incidents.find(incident_id)
    if incident is None:
        raise NotFoundError(f"incident {incident_id} does not exist")
    return incident
