"""``build_worker``: the worker's PostgreSQL sessions commit without waiting for the WAL flush,
unless durable commits are asked for; other users of the database keep synchronous commits."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text

from ticketflow.bootstrap import build_application
from ticketflow.config import Settings
from ticketflow.worker.app import build_worker
from ticketflow.worker.loop import WorkerOptions


def _synchronous_commit(url: str, *, durable_commits: bool) -> tuple[str, str]:
    """The setting in a session of the worker's engine, and in a session of an engine of its own."""
    application = build_application(Settings(database_url=url))
    other = create_engine(url)
    try:
        with application.engine.connect() as connection:  # made before the worker: closed by it
            connection.execute(text("SELECT 1"))
        build_worker(application, {}, WorkerOptions(once=True), durable_commits=durable_commits)
        with application.engine.connect() as connection:
            worker = str(connection.execute(text("SHOW synchronous_commit")).scalar_one())
        with other.connect() as connection:
            elsewhere = str(connection.execute(text("SHOW synchronous_commit")).scalar_one())
    finally:
        other.dispose()
        application.close()
    return worker, elsewhere


@pytest.mark.postgres
def test_the_worker_commits_asynchronously_on_postgresql(postgres_url: str) -> None:
    assert _synchronous_commit(postgres_url, durable_commits=False) == ("off", "on")


@pytest.mark.postgres
def test_durable_commits_keep_the_servers_setting(postgres_url: str) -> None:
    assert _synchronous_commit(postgres_url, durable_commits=True) == ("on", "on")


def test_a_worker_on_sqlite_runs_its_jobs_as_before(sqlite_url: str) -> None:
    application = build_application(Settings(database_url=sqlite_url))
    try:
        worker = build_worker(application, {}, WorkerOptions(once=True))
        assert worker.run() == 0  # no handlers, nothing claimed: the loop ends at once
    finally:
        application.close()
