"""Running worker jobs: the handler contract, one claimed job through its handler, incidents.

A job is at-least-once work: the worker may run a job again after a crash, so a handler must make
its effect idempotent (it sends the job's idempotency key). This module decides what happens after
an attempt: done, retry later (with the retry schedule of ``ticketflow.domain.retry``), or give up
(the handler's ``give_up``, else an incident a person can see and retry).
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from ticketflow.domain.errors import JobError
from ticketflow.usecases.records import Job


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
    """

    kind: str

    def run(self, job: Job, now: datetime) -> None: ...

    def give_up(self, job: Job, error: JobError, now: datetime) -> bool: ...

    def resume(self, job: Job, now: datetime) -> None: ...
