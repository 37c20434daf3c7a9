"""The worker loop with fake handlers: success, retry then success, give-up handled or incident,
an incident retried through ``resume``; on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest

from ticketflow.db.unit_of_work import SqlUnitOfWork
from ticketflow.domain.errors import JobError, PermanentError, RetryableError
from ticketflow.domain.retry import RetryPolicy
from ticketflow.usecases import jobs as job_cases
from ticketflow.usecases.job_records import AttemptOutcome, Claim, IncidentStatus
from ticketflow.usecases.records import Job, JobStatus, NewTicket
from ticketflow.worker import Worker, WorkerOptions
from ticketflow.worker import loop as worker_loop

Factory = Callable[[], SqlUnitOfWork]
FAST = RetryPolicy(initial_delay=timedelta(0), min_delay=timedelta(0), jitter=0)


@dataclass
class FakeHandler:
    """Fails with ``failures`` (in order), then succeeds; records every call."""

    kind: str = "fake"
    failures: list[JobError] = field(default_factory=list)
    handle_give_up: bool = False
    calls: list[tuple[str, int]] = field(default_factory=list)
    given_up: list[str] = field(default_factory=list)

    def run(self, job: Job, now: datetime) -> None:
        self.calls.append(("run", job.attempts))
        if self.failures:
            raise self.failures.pop(0)

    def give_up(self, job: Job, error: JobError, now: datetime) -> bool:
        self.given_up.append(error.message)
        return self.handle_give_up

    def resume(self, job: Job, now: datetime) -> None:
        self.calls.append(("resume", job.attempts))


def enqueue(uow_factory: Factory, *, max_attempts: int | None = None) -> tuple[int, int]:
    with uow_factory() as uow:
        ticket = uow.tickets.add(NewTicket("t", "Raw", "new", "3 normal", "root@localhost"))
        payload = {"activity": "Activity-Call-ERP", "process": "Process-Order"}
        job_id = uow.jobs.enqueue("fake", payload, ticket_id=ticket.id, run_at=datetime.now(UTC))
        uow.commit()
    if max_attempts is not None:  # the store's default is OTOBO's 10
        with uow_factory() as uow:
            uow.jobs.requeue(job_id, run_at=datetime.now(UTC), extra_attempts=max_attempts)
            uow.commit()
    return ticket.id, job_id


def work(uow_factory: Factory, handler: FakeHandler, concurrency: int = 1) -> int:
    options = WorkerOptions(concurrency=concurrency, once=True, policy=FAST, lease=timedelta(seconds=30))
    return Worker(uow_factory, {handler.kind: handler}, options, random_value=lambda: 0.5).run()


def job(uow_factory: Factory, job_id: int) -> Job:
    with uow_factory() as uow:
        found = uow.jobs.find(job_id)
    assert found is not None
    return found


def test_a_job_that_succeeds_is_done(uow_factory: Factory) -> None:
    handler = FakeHandler()
    _, job_id = enqueue(uow_factory)
    assert work(uow_factory, handler) == 1
    assert handler.calls == [("run", 1)]
    assert job(uow_factory, job_id).status is JobStatus.DONE


def test_a_retryable_failure_is_retried_until_it_succeeds(uow_factory: Factory) -> None:
    handler = FakeHandler(failures=[RetryableError("timeout"), RetryableError("HTTP 503", response="busy")])
    _, job_id = enqueue(uow_factory)
    assert work(uow_factory, handler) == 3
    assert handler.calls == [("run", 1), ("run", 2), ("run", 3)]
    with uow_factory() as uow:
        attempts = uow.jobs.list_attempts(job_id)
    assert [(a.outcome, a.error, a.response) for a in attempts] == [
        (AttemptOutcome.RETRY, "timeout", None),
        (AttemptOutcome.RETRY, "HTTP 503", "busy"),
        (AttemptOutcome.SUCCEEDED, None, None),
    ]
    assert job(uow_factory, job_id).status is JobStatus.DONE


def test_a_retry_after_hint_postpones_the_next_attempt(uow_factory: Factory) -> None:
    handler = FakeHandler(failures=[RetryableError("HTTP 429", retry_after=timedelta(hours=1))])
    _, job_id = enqueue(uow_factory)
    before = datetime.now(UTC)
    assert work(uow_factory, handler) == 1  # --once: the retry is not due yet
    queued = job(uow_factory, job_id)
    assert queued.status is JobStatus.QUEUED
    assert queued.run_at >= before + timedelta(hours=1)


def test_a_permanent_failure_the_handler_deals_with_opens_no_incident(uow_factory: Factory) -> None:
    handler = FakeHandler(failures=[PermanentError("HTTP 404")], handle_give_up=True)
    _, job_id = enqueue(uow_factory)
    work(uow_factory, handler)
    assert handler.given_up == ["HTTP 404"]
    assert job(uow_factory, job_id).status is JobStatus.FAILED
    assert job_cases.list_incidents(uow_factory) == []


def test_exhausted_attempts_open_an_incident_with_every_attempt(uow_factory: Factory) -> None:
    handler = FakeHandler(failures=[RetryableError(f"HTTP 50{n}", response=f"r{n}") for n in range(3)])
    ticket_id, job_id = enqueue(uow_factory, max_attempts=2)
    work(uow_factory, handler)
    assert handler.given_up == ["HTTP 501"]
    assert job(uow_factory, job_id).status is JobStatus.DEAD
    [incident] = job_cases.list_incidents(uow_factory, status=IncidentStatus.OPEN)
    assert (incident.ticket_id, incident.job_id, incident.step) == (
        ticket_id,
        job_id,
        "activity:Activity-Call-ERP",
    )
    assert (incident.error, incident.response) == ("HTTP 501", "r1")
    details = job_cases.show_incident(uow_factory, incident.id)
    assert [(a.attempt, a.outcome) for a in details.attempts] == [
        (1, AttemptOutcome.RETRY),
        (2, AttemptOutcome.FAILED),
    ]


def test_a_retried_incident_resumes_the_job_and_a_resolved_one_closes(uow_factory: Factory) -> None:
    handler = FakeHandler(failures=[PermanentError("HTTP 400")])
    _, job_id = enqueue(uow_factory)
    work(uow_factory, handler)
    [incident] = job_cases.list_incidents(uow_factory)
    now = datetime.now(UTC)
    retried = job_cases.retry_incident(uow_factory, incident.id, by="root@localhost", now=now, note="fixed")
    assert (retried.status, retried.closed_by, retried.note) == (
        IncidentStatus.RETRIED,
        "root@localhost",
        "fixed",
    )
    work(uow_factory, handler)
    assert handler.calls == [("run", 1), ("resume", 2)]
    assert job(uow_factory, job_id).status is JobStatus.DONE
    assert job_cases.list_incidents(uow_factory, status=IncidentStatus.OPEN) == []


def test_handler_exceptions_of_any_kind_are_retried(uow_factory: Factory) -> None:
    handler = FakeHandler(failures=[KeyError("oops")])  # type: ignore[list-item]  # a bug, not a JobError
    _, job_id = enqueue(uow_factory)
    work(uow_factory, handler)
    with uow_factory() as uow:
        attempts = uow.jobs.list_attempts(job_id)
    assert [(a.outcome, a.error) for a in attempts] == [
        (AttemptOutcome.RETRY, "KeyError: 'oops'"),
        (AttemptOutcome.SUCCEEDED, None),
    ]


def test_several_threads_run_every_job_once(uow_factory: Factory) -> None:
    handler = FakeHandler()
    ids = [enqueue(uow_factory)[1] for _ in range(20)]
    assert work(uow_factory, handler, concurrency=4) == 20
    assert len(handler.calls) == 20
    assert {job(uow_factory, job_id).status for job_id in ids} == {JobStatus.DONE}


def test_a_thread_claims_one_job_first_and_doubles_while_its_claims_come_back_full(
    uow_factory: Factory,
) -> None:
    ids = [enqueue(uow_factory)[1] for _ in range(20)]
    ticks = iter(range(1, 10_000))
    # Every reading of the clock a moment later: the jobs of one claim share its ``started_at``.
    clock = lambda: datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=next(ticks))  # noqa: E731
    options = WorkerOptions(once=True, policy=FAST, lease=timedelta(seconds=30), claim_batch=8)
    Worker(uow_factory, {"fake": FakeHandler()}, options, clock=clock).run()

    claims: dict[datetime, int] = {}
    for job_id in ids:
        with uow_factory() as uow:
            [attempt] = uow.jobs.list_attempts(job_id)
        claims[attempt.started_at] = claims.get(attempt.started_at, 0) + 1
    # 1, 2, 4, then at most ``claim_batch``: 8, and the 5 left (a short claim: back to one, which
    # finds nothing).
    assert [claims[started] for started in sorted(claims)] == [1, 2, 4, 8, 5]


@dataclass
class PreparingHandler(FakeHandler):
    """Reads its claimed jobs in the claim's transaction (the optional hook); may fail doing so."""

    fail_preparing: bool = False
    prepared: list[tuple[int, JobStatus | None]] = field(default_factory=list)

    def prepare_claimed(self, uow: SqlUnitOfWork, claims: list[Claim], now: datetime) -> None:
        if self.fail_preparing:
            raise RuntimeError("cannot prepare")
        for claim in claims:
            found = uow.jobs.find(claim.job.id)
            self.prepared.append((claim.job.id, found.status if found else None))


def test_a_handler_prepares_its_jobs_in_the_claims_transaction(uow_factory: Factory) -> None:
    handler = PreparingHandler()
    _, job_id = enqueue(uow_factory)

    assert work(uow_factory, handler) == 1

    assert handler.prepared == [(job_id, JobStatus.RUNNING)]  # claimed, in the same transaction
    assert job(uow_factory, job_id).status is JobStatus.DONE


def test_a_failed_preparation_leaves_the_claim_and_the_run_alone(uow_factory: Factory) -> None:
    handler = PreparingHandler(fail_preparing=True)
    _, job_id = enqueue(uow_factory)

    assert work(uow_factory, handler) == 1

    assert handler.calls == [("run", 1)]
    assert job(uow_factory, job_id).status is JobStatus.DONE


def test_a_lost_listener_is_opened_again_and_wakes_the_worker(
    uow_factory: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A database restart ends the LISTEN connection: the worker opens it again after a pause and
    wakes its threads for what was queued meanwhile (polling alone would wait poll_interval)."""
    monkeypatch.setattr(worker_loop, "LISTEN_RETRY_FIRST_SECONDS", 0.01)
    handler = FakeHandler()
    listens: list[int] = []

    def listen(wake: Callable[[], None], stop: threading.Event) -> None:
        listens.append(len(listens))
        if len(listens) == 1:
            time.sleep(0.3)  # the threads have claimed nothing and wait
            enqueue(uow_factory)  # queued while the connection is lost: no NOTIFY reaches anyone
            raise ConnectionError("terminating connection due to administrator command")
        stop.wait(10)

    options = WorkerOptions(concurrency=1, poll_interval=30.0, policy=FAST)
    worker = Worker(uow_factory, {handler.kind: handler}, options, listen=listen)
    running = threading.Thread(target=worker.run)
    running.start()
    deadline = time.monotonic() + 10
    while not handler.calls and time.monotonic() < deadline:
        time.sleep(0.02)
    worker.stop()
    running.join(10)
    assert [call for call, _attempt in handler.calls] == ["run"]
    assert len(listens) == 2
