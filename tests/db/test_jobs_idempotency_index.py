"""Migration 0011: idempotency keys stay unique through a partial index that skips keyless jobs; on
SQLite the jobs table is rebuilt keeping its rows and the attempts and incidents that refer to them."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError

from ticketflow.db.migrate import alembic_config, upgrade
from ticketflow.db.tables import jobs
from ticketflow.db.unit_of_work import SqlUnitOfWork

WHEN = "2026-11-26 10:00:00"
JOBS = [
    (1, "email", "{}", None, "done", 1, 10, WHEN, None, None, None, WHEN, WHEN, None),
    (2, "webservice", "{}", None, "failed", 1, 1, WHEN, None, None, "refused", WHEN, WHEN, "reminder-1"),
    (3, "email", "{}", None, "queued", 0, 10, WHEN, None, None, None, WHEN, None, None),
]
ATTEMPTS = [
    (1, 1, 1, "w1", WHEN, WHEN, "done", None, None),
    (2, 2, 1, "w1", WHEN, WHEN, "failed", "refused", "503"),
]


def _schema(path: Path, name: str) -> str:
    with sqlite3.connect(path) as connection:
        row = connection.execute("SELECT sql FROM sqlite_master WHERE name = ?", (name,)).fetchone()
    return "" if row is None else str(row[0])


def test_the_sqlite_rebuild_keeps_jobs_attempts_and_incidents(tmp_path: Path) -> None:
    path = tmp_path / "before.db"
    upgrade(f"sqlite:///{path}", "0010")
    assert "UNIQUE" in _schema(path, "jobs")
    with sqlite3.connect(path) as connection:
        connection.executemany(f"INSERT INTO jobs VALUES ({', '.join('?' * 14)})", JOBS)
        connection.executemany(f"INSERT INTO job_attempts VALUES ({', '.join('?' * 9)})", ATTEMPTS)
        connection.execute(
            "INSERT INTO incidents (id, job_id, kind, step, error, response, status, opened_at)"
            " VALUES (1, 2, 'webservice', 'Call ERP', 'refused', '503', 'open', ?)",
            (WHEN,),
        )
    upgrade(f"sqlite:///{path}")
    with sqlite3.connect(path) as connection:
        kept_jobs = connection.execute("SELECT * FROM jobs ORDER BY id").fetchall()
        kept_attempts = connection.execute("SELECT * FROM job_attempts ORDER BY id").fetchall()
        kept_incidents = connection.execute("SELECT id, job_id, status FROM incidents").fetchall()
        leftovers = connection.execute(
            "SELECT name FROM sqlite_master WHERE name LIKE '%0011%' OR name LIKE 'kept_%'"
        ).fetchall()
        connection.execute("PRAGMA foreign_keys=ON")
        connection.execute("DELETE FROM jobs WHERE id = 2")  # the cascades still hold
        after_delete = connection.execute(
            "SELECT (SELECT count(*) FROM job_attempts), (SELECT count(*) FROM incidents)"
        ).fetchone()
    assert kept_jobs == JOBS
    assert kept_attempts == ATTEMPTS
    assert kept_incidents == [(1, 2, "open")]
    assert leftovers == []
    assert after_delete == (1, 0)
    assert "UNIQUE" not in _schema(path, "jobs")
    assert "WHERE idempotency_key IS NOT NULL" in _schema(path, "uq_jobs_idempotency_key")


def test_the_downgrade_restores_the_constraint_and_keeps_the_rows(tmp_path: Path) -> None:
    path = tmp_path / "down.db"
    upgrade(f"sqlite:///{path}")
    with sqlite3.connect(path) as connection:
        connection.executemany(f"INSERT INTO jobs VALUES ({', '.join('?' * 14)})", JOBS)
        connection.executemany(f"INSERT INTO job_attempts VALUES ({', '.join('?' * 9)})", ATTEMPTS)
    config = alembic_config()
    config.set_main_option("sqlalchemy.url", f"sqlite:///{path}")
    command.downgrade(config, "0010")
    with sqlite3.connect(path) as connection:
        kept = connection.execute("SELECT count(*) FROM jobs").fetchone()
        attempts = connection.execute("SELECT count(*) FROM job_attempts").fetchone()
    assert (kept, attempts) == ((3,), (2,))
    assert "UNIQUE" in _schema(path, "jobs")


def _job(key: str | None) -> dict[str, object]:
    now = datetime(2026, 11, 26, 10, tzinfo=UTC)
    return {
        "kind": "email",
        "payload": {},
        "status": "queued",
        "attempts": 0,
        "max_attempts": 10,
        "run_at": now,
        "created_at": now,
        "idempotency_key": key,
    }


def test_keyless_jobs_are_many_and_a_key_is_taken_once(uow_factory: Callable[[], SqlUnitOfWork]) -> None:
    with uow_factory() as uow:
        uow.connection.execute(insert(jobs), [_job(None), _job(None), _job("reminder-7")])
        uow.commit()
    with uow_factory() as uow, pytest.raises(IntegrityError):
        uow.connection.execute(insert(jobs), [_job("reminder-7")])
    with uow_factory() as uow:
        again = uow.jobs.enqueue(
            "email", {}, ticket_id=None, run_at=datetime.now(UTC), idempotency_key="reminder-7"
        )
        keys = [job.idempotency_key for job in uow.jobs.list_jobs()]
    assert again == 3
    assert keys == [None, None, "reminder-7"]
