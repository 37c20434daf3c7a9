"""SIGTERM stops a worker process gracefully: the job in hand finishes, nothing new is claimed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine

from ticketflow.db.unit_of_work import SqlUnitOfWork
from ticketflow.usecases.records import JobStatus

HERE = Path(__file__).parent


@pytest.mark.slow
def test_sigterm_finishes_the_job_in_hand_and_claims_nothing_new(
    engine: Engine, database_url: str, tmp_path: Path
) -> None:
    with SqlUnitOfWork(engine) as uow:
        first = uow.jobs.enqueue("sleep", {"seconds": 1.0}, ticket_id=None, run_at=datetime.now(UTC))
        second = uow.jobs.enqueue(
            "sleep", {"seconds": 0}, ticket_id=None, run_at=datetime(2999, 1, 1, tzinfo=UTC)
        )
        uow.commit()
    env = {**os.environ, "TICKETFLOW_DATABASE_URL": database_url, "PYTHONPATH": str(HERE)}
    log = tmp_path / "worker.log"
    with log.open("w") as stream:
        worker = subprocess.Popen(
            [sys.executable, "-m", "ticketflow.worker", "--handlers", "worker_test_handlers:handlers",
             "--log-level", "debug", "--poll-interval", "0.05"],
            env=env, stdout=stream, stderr=stream,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 20
            while status(engine, first) is not JobStatus.RUNNING and time.monotonic() < deadline:
                time.sleep(0.05)
            worker.send_signal(signal.SIGTERM)
            # The signal is handled on the worker's main thread whenever it next runs; until then its
            # idle threads may still claim. Only once it says it is stopping must nothing new start.
            while '"worker.stopping"' not in log.read_text() and time.monotonic() < deadline:
                time.sleep(0.05)
            with SqlUnitOfWork(engine) as uow:  # due now, but the worker is stopping
                uow.jobs.requeue(second, run_at=datetime.now(UTC), extra_attempts=1)
                uow.commit()
            returncode = worker.wait(timeout=15)
        finally:
            if worker.poll() is None:
                worker.kill()
                worker.wait()
    lines = log.read_text()
    assert returncode == 0, lines
    assert status(engine, first) is JobStatus.DONE
    assert status(engine, second) is JobStatus.QUEUED
    assert '"event": "worker.stopping"' in lines
    assert '"event": "job.claimed"' in lines  # debug lines are JSON with the job's ids
    assert f'"job_id": {first}' in lines


def status(engine: Engine, job_id: int) -> JobStatus | None:
    with SqlUnitOfWork(engine) as uow:
        job = uow.jobs.find(job_id)
    return None if job is None else job.status
