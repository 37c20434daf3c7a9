"""Job handlers for the worker tests, loaded by worker processes with
``--handlers worker_test_handlers:handlers`` (this directory on PYTHONPATH).

``sleep`` sleeps ``payload["seconds"]``; ``post`` POSTs the job to ``payload["url"]`` with the job's
idempotency key (``Idempotency-Key``) and the worker's pid (``X-Worker-Pid``).
"""

from __future__ import annotations

import json
import os
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from ticketflow.domain.errors import JobError, PermanentError, RetryableError
from ticketflow.usecases.jobs import JobHandler
from ticketflow.usecases.records import Job


def idempotency_key(job: Job) -> str:
    return job.idempotency_key or f"ticketflow-job-{job.id}"


class SleepHandler:
    kind = "sleep"

    def run(self, job: Job, now: datetime) -> None:
        time.sleep(float(job.payload["seconds"]))

    def give_up(self, job: Job, error: JobError, now: datetime) -> bool:
        return False

    def resume(self, job: Job, now: datetime) -> None:
        self.run(job, now)


class PostHandler:
    kind = "post"

    def run(self, job: Job, now: datetime) -> None:
        body = json.dumps({"job": job.id}).encode()
        headers = {
            "Content-Type": "application/json",
            "Idempotency-Key": idempotency_key(job),
            "X-Worker-Pid": str(os.getpid()),
        }
        request = urllib.request.Request(str(job.payload["url"]), body, headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                response.read()
        except urllib.error.HTTPError as error:
            if error.code >= 500 or error.code == 429:
                raise RetryableError(f"HTTP {error.code}", response=str(error.code)) from None
            raise PermanentError(f"HTTP {error.code}", response=str(error.code)) from None
        except OSError as error:
            raise RetryableError(f"connection failed: {error}") from None

    def give_up(self, job: Job, error: JobError, now: datetime) -> bool:
        return False

    def resume(self, job: Job, now: datetime) -> None:
        self.run(job, now)


def handlers(_application: Any) -> Mapping[str, JobHandler]:
    return {"sleep": SleepHandler(), "post": PostHandler()}
