"""The worker loop: N threads claim due jobs and run them; the main thread keeps leases alive,
scans for due pending tickets and stops everything gracefully.

Graceful stop (SIGTERM, SIGINT, ``stop()``): no thread claims anything new, the jobs in hand run to
their end and are recorded, then ``run`` returns. A worker killed outright loses nothing: its jobs
stay ``running`` under a lease that is no longer renewed and any worker claims them again once it
has expired (``SqlJobQueue.claim``).
"""

from __future__ import annotations

import os
import random
import signal
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import FrameType

import structlog

from ticketflow.domain.retry import RetryPolicy
from ticketflow.usecases.job_records import Claim
from ticketflow.usecases.jobs import JobHandler, Outcome, run_claimed_job
from ticketflow.usecases.ports import UnitOfWork, UnitOfWorkFactory
from ticketflow.worker import metrics

log = structlog.get_logger("ticketflow.worker")


# Threads per worker process: a job spends most of its time waiting (for the database, the web
# service, the mail server), and four overlap those waits well on a small machine.
DEFAULT_CONCURRENCY = 4
# A lost LISTEN connection is opened again after 1 s, then 2, 4 … up to 30 s between tries.
LISTEN_RETRY_FIRST_SECONDS = 1.0
LISTEN_RETRY_MAX_SECONDS = 30.0


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class WorkerOptions:
    """``lease`` must outlast a job's longest attempt between two renewals (renewed every third of
    it); ``poll_interval`` bounds the latency where no notification wakes the worker (SQLite).

    ``claim_batch``: at most how many due jobs a thread claims in one transaction and then runs one
    after the other. One claim (BEGIN, UPDATE … RETURNING, INSERT attempts, COMMIT) then serves
    several jobs; their leases are renewed while they wait in hand, and a crash leaves them to lease
    expiry like a running one. A thread starts with one job per claim and doubles that while its
    claims come back full (back to one when a claim comes back short): a burst of a few jobs is
    spread over the threads, a long queue is claimed sixteen at a time (measured with
    bench/worker_profile.py: 16.6 → 15.4 round trips per service job against batches of 4)."""

    concurrency: int = 1
    once: bool = False
    lease: timedelta = timedelta(seconds=60)
    poll_interval: float = 1.0
    due_scan_interval: float = 60.0
    claim_batch: int = 16
    policy: RetryPolicy = field(default_factory=RetryPolicy)


class Worker:
    """Claims and runs jobs of the kinds in ``handlers``.

    ``listen(wake, stop)`` (optional) blocks, calling ``wake`` whenever jobs may be due;
    ``due_scan(now)`` (optional) handles due pending tickets, called every ``due_scan_interval``.
    """

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        handlers: Mapping[str, JobHandler],
        options: WorkerOptions,
        *,
        listen: Callable[[Callable[[], None], threading.Event], None] | None = None,
        due_scan: Callable[[datetime], object] | None = None,
        clock: Callable[[], datetime] = utc_now,
        random_value: Callable[[], float] = random.random,
        name: str | None = None,
    ) -> None:
        self.name = name or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._uow_factory = uow_factory
        self._handlers = dict(handlers)
        self._kinds = sorted(self._handlers)
        self._options = options
        self._listen = listen
        self._due_scan = due_scan
        self._clock = clock
        self._random = random_value
        self._stopping = threading.Event()
        self._wake = threading.Condition()
        self._generation = 0  # bumped by every wake-up, so a wake between claim and wait is not lost
        self._in_hand: dict[int, Claim] = {}
        self._in_hand_lock = threading.Lock()
        # The turn to run the worker's own part of a job (see ``_work``).
        self._turn = threading.Lock()
        # Held by a claim's transaction: once ``_stopping`` is set and this lock was free once, nothing
        # new is claimed, which is the moment the worker says it is stopping (``_announce_stop``).
        self._claiming = threading.Lock()
        self._stop_signal: str | None = None
        self._stop_announced = False
        self.processed = 0

    # -- control ------------------------------------------------------------------------------

    def stop(self, *_: object) -> None:
        """Claim nothing new; the jobs in hand finish. Safe from a signal handler."""
        self._stopping.set()
        self.wake()

    def wake(self) -> None:
        with self._wake:
            self._generation += 1
            self._wake.notify_all()

    def install_signal_handlers(self) -> None:
        """SIGTERM and SIGINT stop gracefully (main thread only)."""

        def handle(signum: int, _frame: FrameType | None) -> None:
            self._stop_signal = signal.Signals(signum).name
            self.stop()  # the loop in ``run`` says so once no claim is under way

        signal.signal(signal.SIGTERM, handle)
        signal.signal(signal.SIGINT, handle)

    # -- the loop -----------------------------------------------------------------------------

    def run(self) -> int:
        """Work until stopped (or, with ``once``, until no job is due); returns attempts run."""
        options = self._options
        log.info("worker.started", worker=self.name, kinds=self._kinds, concurrency=options.concurrency)
        threads = [
            threading.Thread(target=self._work, name=f"job-{index}", daemon=True)
            for index in range(max(1, options.concurrency))
        ]
        listener = None
        if self._listen is not None and not options.once:
            listener = threading.Thread(target=self._listen_safely, name="job-listener", daemon=True)
            listener.start()
        self._scan_due()
        for thread in threads:
            thread.start()
        renew_every = max(options.lease.total_seconds() / 3, 0.05)
        next_renewal = next_scan = time.monotonic()
        next_scan += options.due_scan_interval
        while any(thread.is_alive() for thread in threads):
            now = time.monotonic()
            if now >= next_renewal:
                self._renew_leases()
                self._observe_queue_depth()
                next_renewal = now + renew_every
            if not options.once and not self._stopping.is_set() and now >= next_scan:
                self._scan_due()
                next_scan = now + options.due_scan_interval
            if self._stopping.is_set():
                self._announce_stop()
            threads[0].join(timeout=min(renew_every, 0.2))
        for thread in threads:
            thread.join()
        if self._stopping.is_set():
            self._announce_stop()
        self._stopping.set()  # the listener's turn
        if listener is not None:
            listener.join(timeout=5)
        log.info("worker.stopped", worker=self.name, processed=self.processed)
        return self.processed

    def _work(self) -> None:
        """One thread's loop: claim, run what it claimed, wait for more.

        The threads take turns (``_turn``) for their own work — claiming, the handler's database
        work and Python — and hand the turn on while a handler waits on the outside world (a web
        service, a mail server: ``AttemptFinish.outside``). The threads are there to overlap those
        waits; running the rest side by side only made them fight over the GIL and the database
        (context switches at every socket wait): two workers of four threads spent 2.9-3.1 ms CPU
        per service job against an instant web service, of one thread 2.4 ms (bench/worker_cpu.py).
        Handlers without ``run_finishing`` cannot mark their waits and run their jobs outside turns,
        as before."""
        size = 1  # this thread's claim size: grows while the queue keeps its claims full
        while not self._stopping.is_set():
            with self._wake:
                generation = self._generation
            try:
                with self._turn:
                    claims = self._claim(size)
            except Exception:
                log.exception("worker.claim_failed", worker=self.name)
                claims = []
            size = min(size * 2, max(1, self._options.claim_batch)) if len(claims) == size else 1
            if not claims:
                if self._options.once:
                    return
                with self._wake:
                    if generation == self._generation and not self._stopping.is_set():
                        self._wake.wait(self._options.poll_interval)
                continue
            for claim in claims:
                self._run_one(claim)

    def _announce_stop(self) -> None:
        if self._stop_announced:
            return
        with self._claiming:  # a claim under way ends first; every later one sees ``_stopping``
            self._stop_announced = True
        log.info("worker.stopping", worker=self.name, signal=self._stop_signal)

    def _claim(self, size: int) -> list[Claim]:
        with self._claiming:
            if self._stopping.is_set():
                return []
            with self._uow_factory() as uow:
                claims = list(
                    uow.jobs.claim(
                        self._kinds,
                        worker=self.name,
                        now=self._clock(),
                        lease=self._options.lease,
                        limit=size,
                    )
                )
                self._prepare_claimed(uow, claims)
                uow.commit()
        with self._in_hand_lock:
            for claim in claims:
                self._in_hand[claim.job.id] = claim
        return claims

    def _prepare_claimed(self, uow: UnitOfWork, claims: list[Claim]) -> None:
        """Let handlers with the optional ``prepare_claimed`` hook read for their jobs in the claim's
        transaction. Only an optimisation: a failure is logged and the jobs prepare when they run."""
        for kind in {claim.job.kind for claim in claims}:
            prepare = getattr(self._handlers[kind], "prepare_claimed", None)
            if prepare is None:
                continue
            try:
                prepare(uow, [claim for claim in claims if claim.job.kind == kind], self._clock())
            except Exception:
                log.exception("worker.prepare_failed", worker=self.name, kind=kind)

    def _run_one(self, claim: Claim) -> None:
        job = claim.job
        bound = log.bind(
            worker=self.name,
            job_id=job.id,
            kind=job.kind,
            ticket_id=job.ticket_id,
            process=job.payload.get("process"),
            activity=job.payload.get("activity"),
            attempt=claim.attempt,
        )
        metrics.JOBS_CLAIMED.labels(job.kind).inc()
        bound.debug("job.claimed", resume=claim.resume, locked_until=str(job.locked_until))
        started = time.monotonic()
        handler = self._handlers[job.kind]
        takes_turns = hasattr(handler, "run_finishing")  # it marks its outside waits (see _work)
        try:
            bound.debug("job.call", handler=type(handler).__name__)
            with self._turn if takes_turns else nullcontext():
                result = run_claimed_job(
                    self._uow_factory,
                    handler,
                    claim,
                    worker=self.name,
                    clock=self._clock,
                    policy=self._options.policy,
                    random_value=self._random(),
                    outside=self._outside_turn if takes_turns else nullcontext,
                )
        except Exception:  # our bookkeeping failed (database gone?): the lease brings the job back
            bound.exception("job.bookkeeping_failed")
            return
        finally:
            with self._in_hand_lock:
                self._in_hand.pop(job.id, None)
            metrics.JOB_DURATION.labels(job.kind).observe(time.monotonic() - started)
            self.processed += 1
        error = result.error.message if result.error else None
        if result.outcome is Outcome.SUCCEEDED:
            metrics.JOBS_SUCCEEDED.labels(job.kind).inc()
            bound.info("job.succeeded")
        elif result.outcome is Outcome.RETRY:
            metrics.JOBS_RETRIED.labels(job.kind).inc()
            delay = result.delay.total_seconds() if result.delay else None
            bound.info("job.retry_scheduled", error=error, delay_seconds=delay, max_attempts=job.max_attempts)
        elif result.outcome is Outcome.LEASE_LOST:
            bound.warning("job.lease_lost", error=error)
        else:
            metrics.JOBS_FAILED.labels(job.kind, result.outcome.value).inc()
            bound.error(f"job.{result.outcome.value}", error=error, incident_id=result.incident_id)

    @contextmanager
    def _outside_turn(self) -> Iterator[None]:
        """While a job waits on the outside world another thread may have the turn."""
        self._turn.release()
        try:
            yield
        finally:
            self._turn.acquire()

    # -- housekeeping -------------------------------------------------------------------------

    def _renew_leases(self) -> None:
        with self._in_hand_lock:
            ids = list(self._in_hand)
        if not ids:
            return
        try:
            with self._uow_factory() as uow:
                uow.jobs.renew_leases(ids, worker=self.name, until=self._clock() + self._options.lease)
                uow.commit()
        except Exception:
            log.exception("worker.lease_renewal_failed", worker=self.name, job_ids=ids)

    def _observe_queue_depth(self) -> None:
        try:
            with self._uow_factory() as uow:
                metrics.QUEUE_DEPTH.set(uow.jobs.count_due(self._clock()))
        except Exception:
            log.exception("worker.queue_depth_failed", worker=self.name)

    def _scan_due(self) -> None:
        if self._due_scan is None:
            return
        try:
            report = self._due_scan(self._clock())
            log.debug("worker.due_scan", worker=self.name, report=repr(report))
        except Exception:
            log.exception("worker.due_scan_failed", worker=self.name)
        self.wake()  # reminders may have queued jobs

    def _listen_safely(self) -> None:
        """Listen for wake-ups until the worker stops; a lost listening connection (a database restart)
        is opened again after a pause that grows to ``LISTEN_RETRY_MAX_SECONDS``. Meanwhile the worker
        polls, and each reconnection wakes it once for the jobs queued while nobody listened."""
        assert self._listen is not None
        pause = LISTEN_RETRY_FIRST_SECONDS
        while not self._stopping.is_set():
            started = time.monotonic()
            try:
                self._listen(self.wake, self._stopping)
            except Exception as error:
                reason = str(error).strip()
                log.warning("worker.listener_failed", worker=self.name, error=reason, retry_in=pause)
            if time.monotonic() - started > LISTEN_RETRY_MAX_SECONDS:
                pause = LISTEN_RETRY_FIRST_SECONDS  # it had been listening a good while: a fresh failure
            if self._stopping.wait(pause):
                return
            pause = min(pause * 2, LISTEN_RETRY_MAX_SECONDS)
            self.wake()
