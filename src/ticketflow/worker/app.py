"""Builds a ``Worker`` on an ``Application``: its store, LISTEN/NOTIFY wake-ups, the due scan.

On PostgreSQL the worker's own sessions commit without waiting for the WAL flush
(``synchronous_commit = off``) unless ``durable_commits`` is asked for. Waiting for the disk at each
job's COMMIT was most of a job's time in the database (sampled: the workers' backends spent most of
their active time in ``IO:WALSync``/``LWLock:WALWrite`` at COMMIT). What this can lose is bounded
and already handled: a crash of the database *server* (not of the worker) may drop the worker's
last commits of about half a second — never a part of one, never out of order. A lost claim or a
lost retry is simply claimed again; a lost result leaves its job running under a lease that
expires, so the job runs again and the other side sees the same ``Idempotency-Key`` or
``Message-ID`` — the at-least-once contract a worker crash between call and commit already has.
And nothing durable can depend on a lost result: any synchronous commit after it (a person's
dialog on the ticket the worker moved) flushes the WAL up to itself, the worker's commit included.
Other entry points (web, CLI) keep synchronous commits.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, event

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
    durable_commits: bool = False,
) -> Worker:
    """A worker for ``application``. ``poll_interval`` None picks 1 s on PostgreSQL (NOTIFY wakes
    idle workers at once) and ``SQLITE_POLL_INTERVAL`` on SQLite (one worker process only: SQLite
    has a single writer, and claims rely on it). ``durable_commits`` keeps PostgreSQL's synchronous
    commit for the worker's sessions (see the module docstring)."""
    engine = application.engine
    postgres = engine.dialect.name == "postgresql"
    if postgres and not durable_commits:
        commit_without_waiting_for_the_disk(engine)
    if poll_interval is None:
        poll_interval = 1.0 if postgres else SQLITE_POLL_INTERVAL
    options = replace(options, poll_interval=poll_interval)

    def listen(wake: Callable[[], None], stop: threading.Event) -> None:
        listen_for_jobs(engine, wake, stop)

    def due_scan(now: datetime) -> DueReport:
        return handle_due_tickets(application.uow, application.runtime, now=now)

    return Worker(application.uow, handlers, options, listen=listen if postgres else None, due_scan=due_scan)


def commit_without_waiting_for_the_disk(engine: Engine) -> None:
    """``synchronous_commit = off`` for every session of ``engine`` (PostgreSQL): set once when a
    connection is made, so it costs no round trip per transaction; pooled connections made before
    are closed, so that none is left without it."""
    if not event.contains(engine, "connect", _commit_asynchronously):
        event.listen(engine, "connect", _commit_asynchronously)
    engine.dispose(close=True)


def _commit_asynchronously(dbapi_connection: Any, _record: object) -> None:
    with dbapi_connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO off")
    dbapi_connection.commit()  # SET outside LOCAL holds for the session once committed
