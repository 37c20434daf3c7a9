"""A claim takes the earliest due jobs by ``run_at`` under one limit, whether queued or running under
an expired lease (PostgreSQL reads the two kinds separately, each in index order)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from ticketflow.db.unit_of_work import SqlUnitOfWork
from ticketflow.usecases.job_records import Claim

Factory = Callable[[], SqlUnitOfWork]
NOW = datetime(2024, 7, 1, 8, tzinfo=UTC)
LEASE = timedelta(seconds=30)


def enqueue(uow_factory: Factory, minutes_ago: int) -> int:
    with uow_factory() as uow:
        job_id = uow.jobs.enqueue("test", {}, ticket_id=None, run_at=NOW - timedelta(minutes=minutes_ago))
        uow.commit()
    return job_id


def claim(uow_factory: Factory, worker: str, now: datetime, limit: int) -> list[Claim]:
    with uow_factory() as uow:
        claims = list(uow.jobs.claim(("test",), worker=worker, now=now, lease=LEASE, limit=limit))
        uow.commit()
    return claims


def test_expired_and_queued_jobs_are_claimed_together_earliest_first_within_the_limit(
    uow_factory: Factory,
) -> None:
    oldest = enqueue(uow_factory, 50)
    middle = enqueue(uow_factory, 30)
    [taken] = claim(uow_factory, "dead-worker", NOW, limit=1)  # runs under a lease that expires
    assert taken.job.id == oldest
    newer = enqueue(uow_factory, 20)
    last = enqueue(uow_factory, 10)  # beyond the limit
    later = NOW + LEASE + timedelta(seconds=1)
    claims = claim(uow_factory, "w2", later, limit=3)
    assert [c.job.id for c in claims] == [oldest, middle, newer]
    assert [c.job.attempts for c in claims] == [2, 1, 1]
    assert {c.job.locked_by for c in claims} == {"w2"}
    assert [c.job.id for c in claim(uow_factory, "w3", later, limit=3)] == [last]
