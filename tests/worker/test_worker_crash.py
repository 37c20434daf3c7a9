"""Crash safety: workers SIGKILLed mid-job, again and again, lose no job and repeat no effect.

A deduplicating HTTP receiver on 127.0.0.1 counts requests per ``Idempotency-Key``; workers (one
``python -m ticketflow.worker`` process that is never killed, and forked worker processes that are
killed while they have a request in flight, then replaced) run ``post`` jobs against it on one
PostgreSQL database with a 1 s lease. At the end every job is done, every key had its effect
exactly once, and every request carried the key of a job we queued.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from sqlalchemy import Engine

from ticketflow.db.connect import create_engine_for
from ticketflow.db.unit_of_work import SqlUnitOfWork
from ticketflow.usecases.records import JobStatus

HERE = Path(__file__).parent
JOBS = 100
KILLS = 50
DEADLINE = 55.0  # seconds for the whole test
WORKER_ARGS = [
    "--concurrency", "2", "--lease-seconds", "1", "--poll-interval", "0.1",
    "--handlers", "worker_test_handlers:handlers", "--log-level", "warning",
]  # fmt: skip


class Receiver(ThreadingHTTPServer):
    """Applies each key's effect once; remembers every request and which worker pids are mid-call."""

    daemon_threads = True

    def __init__(self, delay: float) -> None:
        super().__init__(("127.0.0.1", 0), _ReceiverHandler)
        self.delay = delay
        self.lock = threading.Lock()
        self.requests: Counter[str] = Counter()
        self.effects: Counter[str] = Counter()
        self.in_flight: Counter[int] = Counter()


class _ReceiverHandler(BaseHTTPRequestHandler):
    server: Receiver

    def do_POST(self) -> None:
        key = self.headers["Idempotency-Key"]
        pid = int(self.headers["X-Worker-Pid"])
        self.rfile.read(int(self.headers["Content-Length"]))
        receiver = self.server
        with receiver.lock:
            receiver.requests[key] += 1
            receiver.in_flight[pid] += 1
        time.sleep(receiver.delay)  # the worker may be killed now: the effect still happens
        with receiver.lock:
            receiver.in_flight[pid] -= 1
            if key not in receiver.effects:
                receiver.effects[key] = 1
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args: object) -> None:  # quiet
        pass


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver(delay=0.15)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture
def engine(postgres_url: str) -> Iterator[Engine]:
    created = create_engine_for(postgres_url)
    yield created
    created.dispose()


def enqueue(engine: Engine, url: str, count: int) -> list[int]:
    with SqlUnitOfWork(engine) as uow:
        ids = [
            uow.jobs.enqueue("post", {"url": url}, ticket_id=None, run_at=datetime.now(UTC))
            for _ in range(count)
        ]
        uow.commit()
    return ids


def statuses(engine: Engine) -> Counter[JobStatus]:
    with SqlUnitOfWork(engine) as uow:
        return Counter(job.status for job in uow.jobs.list_jobs())


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.postgres
@pytest.mark.slow
def test_killed_workers_lose_no_job_and_repeat_no_effect(
    engine: Engine, postgres_url: str, receiver: Receiver, tmp_path: Path
) -> None:
    started = time.monotonic()
    url = f"http://127.0.0.1:{receiver.server_port}/effects"
    env = {**os.environ, "TICKETFLOW_DATABASE_URL": postgres_url, "PYTHONPATH": str(HERE)}
    log = (tmp_path / "workers.log").open("w")
    queued = enqueue(engine, url, JOBS)
    steady = subprocess.Popen(
        [sys.executable, "-m", "ticketflow.worker", *WORKER_ARGS], env=env, stdout=log, stderr=log
    )
    zygote = subprocess.Popen(
        [sys.executable, str(HERE / "worker_zygote.py"), *WORKER_ARGS],
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
    )
    requests, pids = zygote.stdin, zygote.stdout
    assert requests is not None
    assert pids is not None

    def spawn() -> int:
        requests.write("spawn\n")
        requests.flush()
        return int(pids.readline())

    children = [spawn() for _ in range(3)]
    kills = 0
    try:
        while kills < KILLS and time.monotonic() - started < DEADLINE - 15:
            with receiver.lock:
                busy = [pid for pid in children if receiver.in_flight[pid] > 0]
            for pid in busy:
                os.kill(pid, signal.SIGKILL)
                children[children.index(pid)] = spawn()
                kills += 1
            if statuses(engine)[JobStatus.QUEUED] < 10:  # keep work in flight until enough kills
                queued += enqueue(engine, url, 20)
            time.sleep(0.02)
        while statuses(engine)[JobStatus.DONE] < len(queued) and time.monotonic() - started < DEADLINE:
            time.sleep(0.1)
    finally:
        steady.send_signal(signal.SIGTERM)
        for pid in children:
            if alive(pid):
                os.kill(pid, signal.SIGTERM)
        requests.close()
        steady_status = steady.wait(timeout=10)
        zygote.wait(timeout=10)
        pids.close()
        for pid in children:
            deadline = time.monotonic() + 10
            while alive(pid) and time.monotonic() < deadline:
                time.sleep(0.05)
        log.close()
    assert kills >= KILLS, f"only {kills} kills mid-job"
    assert statuses(engine) == {JobStatus.DONE: len(queued)}
    expected_keys = {f"ticketflow-job-{job_id}" for job_id in queued}
    assert set(receiver.requests) == expected_keys  # retried calls carried the job's own key
    assert set(receiver.effects) == expected_keys
    assert set(receiver.effects.values()) == {1}
    assert sum(receiver.requests.values()) > len(queued)  # some calls were repeated after a kill
    assert steady_status == 0  # SIGTERM stops the worker gracefully
