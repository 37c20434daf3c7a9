"""Builds a ``Worker`` on an ``Application``: its store, LISTEN/NOTIFY wake-ups, the due scan."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime

from ticketflow.bootstrap import Application
from ticketflow.db.job_repository import listen_for_jobs
from ticketflow.usecases.due_changes import DueReport, handle_due_tickets
from ticketflow.usecases.jobs import JobHandler
from ticketflow.worker.loop import Worker, WorkerOptions

# Without notifications (SQLite) idle threads poll this often: the enqueue-to-start latency bound.
SQLITE_POLL_INTERVAL = 0.05


def build_worker(
    application: Application,
    handlers: Mapping[str, JobHandler],
    options: WorkerOptions,
    *,
    poll_interval: float | None = None,
) -> Worker:
    """A worker for ``application``. ``poll_interval`` None picks 1 s on PostgreSQL (NOTIFY wakes
    idle workers at once) and ``SQLITE_POLL_INTERVAL`` on SQLite (one worker process only: SQLite
    has a single writer, and claims rely on it)."""
    engine = application.engine
    postgres = engine.dialect.name == "postgresql"
    if poll_interval is None:
        poll_interval = 1.0 if postgres else SQLITE_POLL_INTERVAL
    options = replace(options, poll_interval=poll_interval)

    def listen(wake: Callable[[], None], stop: threading.Event) -> None:
        listen_for_jobs(engine, wake, stop)

    def due_scan(now: datetime) -> DueReport:
        return handle_due_tickets(application.uow, application.runtime, now=now)

    return Worker(application.uow, handlers, options, listen=listen if postgres else None, due_scan=due_scan)
