"""The worker's threads take turns for their own work and overlap only their waits on the outside
world (``AttemptFinish.outside``); handlers that cannot mark those waits keep running side by side."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from ticketflow.db.unit_of_work import SqlUnitOfWork
from ticketflow.domain.errors import JobError
from ticketflow.usecases.jobs import AttemptFinish
from ticketflow.usecases.records import Job, JobStatus
from ticketflow.worker import Worker, WorkerOptions

Factory = Callable[[], SqlUnitOfWork]
JOBS = 4
OUTSIDE = 0.3  # seconds each job waits on "the web service"
INSIDE = 0.03  # seconds of each job's own work before and after


class Counting:
    """Counts the threads in the job's own part at once (the most seen), and waits as told."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.inside = 0
        self.most_inside = 0

    def own_work(self) -> None:
        with self._lock:
            self.inside += 1
            self.most_inside = max(self.most_inside, self.inside)
        time.sleep(INSIDE)  # releases the GIL: without turns, other threads would come in
        with self._lock:
            self.inside -= 1


class TurnTakingHandler(Counting):
    kind = "paced"

    def __init__(self) -> None:
        super().__init__()
        self.outside = 0
        self.most_outside = 0

    def run_finishing(self, job: Job, now: datetime, *, resume: bool, finish: AttemptFinish) -> None:
        self.own_work()
        with finish.outside():
            with self._lock:
                self.outside += 1
                self.most_outside = max(self.most_outside, self.outside)
            time.sleep(OUTSIDE)
            with self._lock:
                self.outside -= 1
        self.own_work()

    def run(self, job: Job, now: datetime) -> None:
        raise AssertionError("run_finishing is called instead")

    def give_up(self, job: Job, error: JobError, now: datetime) -> bool:
        return False

    def resume(self, job: Job, now: datetime) -> None:
        raise AssertionError("run_finishing is called instead")


class PlainHandler(Counting):
    """No ``run_finishing``: cannot mark its waits, so it runs outside turns as before."""

    kind = "plain"

    def run(self, job: Job, now: datetime) -> None:
        self.own_work()
        time.sleep(OUTSIDE)

    def give_up(self, job: Job, error: JobError, now: datetime) -> bool:
        return False

    def resume(self, job: Job, now: datetime) -> None:
        self.run(job, now)


def enqueue(uow_factory: Factory, kind: str) -> list[int]:
    with uow_factory() as uow:
        ids = [uow.jobs.enqueue(kind, {}, ticket_id=None, run_at=datetime.now(UTC)) for _ in range(JOBS)]
        uow.commit()
    return ids


def run_worker(uow_factory: Factory, handler: TurnTakingHandler | PlainHandler) -> float:
    options = WorkerOptions(concurrency=JOBS, once=True, lease=timedelta(seconds=30))
    started = time.monotonic()
    Worker(uow_factory, {handler.kind: handler}, options).run()
    return time.monotonic() - started


def statuses(uow_factory: Factory, ids: list[int]) -> set[JobStatus]:
    with uow_factory() as uow:
        return {job.status for job in uow.jobs.list_jobs() if job.id in ids}


def test_threads_overlap_their_outside_waits_but_take_turns_for_their_own_work(uow_factory: Factory) -> None:
    handler = TurnTakingHandler()
    ids = enqueue(uow_factory, handler.kind)
    run_worker(uow_factory, handler)
    assert statuses(uow_factory, ids) == {JobStatus.DONE}
    assert handler.most_inside == 1
    # Counted, not timed (a slow machine stretches the wall clock): the waits ran side by side.
    assert handler.most_outside > 1


def test_a_handler_without_run_finishing_runs_side_by_side_as_before(uow_factory: Factory) -> None:
    handler = PlainHandler()
    ids = enqueue(uow_factory, handler.kind)
    run_worker(uow_factory, handler)
    assert statuses(uow_factory, ids) == {JobStatus.DONE}
    assert handler.most_inside > 1
