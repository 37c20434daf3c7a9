"""Claiming jobs: leases, take-over after expiry, fenced writes, and no job claimed twice."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine

from ticketflow.db.unit_of_work import SqlUnitOfWork
from ticketflow.usecases.job_records import AttemptOutcome, Claim
from ticketflow.usecases.records import JobStatus

Factory = Callable[[], SqlUnitOfWork]
NOW = datetime(2024, 7, 1, 8, tzinfo=UTC)
LEASE = timedelta(seconds=30)


def enqueue(uow_factory: Factory, count: int, *, kind: str = "test", run_at: datetime = NOW) -> list[int]:
    with uow_factory() as uow:
        ids = [uow.jobs.enqueue(kind, {"n": n}, ticket_id=None, run_at=run_at) for n in range(count)]
        uow.commit()
    return ids


def claim(
    uow_factory: Factory, worker: str, now: datetime = NOW, limit: int = 1, kinds: tuple[str, ...] = ("test",)
) -> list[Claim]:
    with uow_factory() as uow:
        claims = list(uow.jobs.claim(kinds, worker=worker, now=now, lease=LEASE, limit=limit))
        uow.commit()
    return claims


def test_a_claim_takes_due_jobs_of_the_kinds_asked_oldest_first_under_a_lease(uow_factory: Factory) -> None:
    later = enqueue(uow_factory, 1, run_at=NOW - timedelta(minutes=1))
    first = enqueue(uow_factory, 1, run_at=NOW - timedelta(minutes=5))
    enqueue(uow_factory, 1, run_at=NOW + timedelta(minutes=1))  # not due
    enqueue(uow_factory, 1, kind="other")
    claims = claim(uow_factory, "w1", limit=10)
    assert [c.job.id for c in claims] == first + later
    job = claims[0].job
    assert (job.status, job.attempts, job.locked_by, job.locked_until) == (
        JobStatus.RUNNING,
        1,
        "w1",
        NOW + LEASE,
    )
    assert claim(uow_factory, "w2", limit=10) == []
    with uow_factory() as uow:
        attempts = uow.jobs.list_attempts(job.id)
    assert [(a.attempt, a.worker, a.started_at, a.outcome) for a in attempts] == [(1, "w1", NOW, None)]


def test_an_expired_lease_is_taken_over_and_the_old_owner_cannot_write(uow_factory: Factory) -> None:
    enqueue(uow_factory, 1)
    [old] = claim(uow_factory, "dead-worker")
    assert claim(uow_factory, "w2", now=NOW + LEASE) == []  # the lease holds up to its end
    [new] = claim(uow_factory, "w2", now=NOW + LEASE + timedelta(seconds=1))
    assert (new.job.id, new.attempt, new.job.locked_by) == (old.job.id, 2, "w2")
    later = NOW + LEASE * 2
    with uow_factory() as uow:
        stale = uow.jobs.finish_attempt(
            old, worker="dead-worker", now=later, outcome=AttemptOutcome.SUCCEEDED, status=JobStatus.DONE
        )
        kept = uow.jobs.finish_attempt(
            new, worker="w2", now=later, outcome=AttemptOutcome.SUCCEEDED, status=JobStatus.DONE
        )
        uow.commit()
    assert (stale, kept) == (False, True)
    with uow_factory() as uow:
        job = uow.jobs.find(new.job.id)
        attempts = uow.jobs.list_attempts(new.job.id)
    assert job is not None
    assert (job.status, job.finished_at, job.locked_by) == (JobStatus.DONE, later, None)
    assert [(a.attempt, a.outcome) for a in attempts] == [
        (1, AttemptOutcome.LEASE_EXPIRED),
        (2, AttemptOutcome.SUCCEEDED),
    ]


def test_renewed_leases_are_not_taken_over(uow_factory: Factory) -> None:
    enqueue(uow_factory, 1)
    [held] = claim(uow_factory, "w1")
    with uow_factory() as uow:
        assert uow.jobs.renew_leases([held.job.id], worker="w1", until=NOW + LEASE * 3) == 1
        assert uow.jobs.renew_leases([held.job.id], worker="other", until=NOW + LEASE * 9) == 0
        uow.commit()
    assert claim(uow_factory, "w2", now=NOW + LEASE * 2) == []


def test_a_retry_queues_the_job_again_at_its_time(uow_factory: Factory) -> None:
    enqueue(uow_factory, 1)
    [first] = claim(uow_factory, "w1")
    retry_at = NOW + timedelta(seconds=10)
    with uow_factory() as uow:
        assert uow.jobs.finish_attempt(
            first,
            worker="w1",
            now=NOW,
            outcome=AttemptOutcome.RETRY,
            status=JobStatus.QUEUED,
            run_at=retry_at,
            error="HTTP 503",
            response="503 busy",
        )
        assert uow.jobs.count_due(NOW) == 0
        assert uow.jobs.count_due(retry_at) == 1
        uow.commit()
    assert claim(uow_factory, "w1", now=retry_at - timedelta(seconds=1)) == []
    [second] = claim(uow_factory, "w2", now=retry_at)
    assert (second.attempt, second.job.last_error) == (2, "HTTP 503")
    with uow_factory() as uow:
        attempts = uow.jobs.list_attempts(first.job.id)
    assert [(a.outcome, a.error, a.response) for a in attempts] == [
        (AttemptOutcome.RETRY, "HTTP 503", "503 busy"),
        (None, None, None),
    ]


@pytest.mark.postgres
def test_two_open_transactions_never_claim_the_same_job(postgres_url: str) -> None:
    from ticketflow.db.connect import create_engine_for

    engine = create_engine_for(postgres_url)
    try:
        factory: Factory = lambda: SqlUnitOfWork(engine)  # noqa: E731
        enqueue(factory, 3)
        with factory() as first, factory() as second:
            mine = first.jobs.claim(["test"], worker="a", now=NOW, lease=LEASE, limit=2)
            theirs = second.jobs.claim(["test"], worker="b", now=NOW, lease=LEASE, limit=2)  # skips a's rows
            first.commit()
            second.commit()
        assert (len(mine), len(theirs)) == (2, 1)
        assert not {c.job.id for c in mine} & {c.job.id for c in theirs}
    finally:
        engine.dispose()


def test_concurrent_claimers_take_every_job_exactly_once(engine: Engine) -> None:
    factory: Factory = lambda: SqlUnitOfWork(engine)  # noqa: E731
    ids = enqueue(factory, 120)
    taken: list[int] = []
    lock = threading.Lock()

    def claimer(name: str) -> None:
        while True:
            claims = claim(factory, name, limit=3)
            if not claims:
                return
            with lock:
                taken.extend(c.job.id for c in claims)

    threads = [threading.Thread(target=claimer, args=(f"w{n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(taken) == ids
