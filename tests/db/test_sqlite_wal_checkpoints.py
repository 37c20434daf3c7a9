"""SQLite's WAL is checkpointed by a thread of its own, and a writer lets the next one in only after
its COMMIT has returned."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from ticketflow.db.connect import create_engine_for, wal_checkpointer
from ticketflow.db.wal_checkpoints import WalCheckpointer
from ticketflow.domain.errors import ConflictError

ROW = "x" * 3000  # most of a 4 KiB page: one WAL frame per row


def _engine(tmp_path: Path) -> Engine:
    engine = create_engine_for(f"sqlite:///{tmp_path / 'wal.db'}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)"))
    return engine


def _wal_starts(path: Path) -> int:
    """How often the WAL has started over from its beginning (its header's checkpoint sequence)."""
    header = path.with_name(path.name + "-wal").read_bytes()[:16]
    return int.from_bytes(header[12:16], "big")


def _wait_until(condition: Callable[[], bool], seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return False


def test_commits_start_the_checkpointer_and_dispose_stops_it(tmp_path: Path) -> None:
    engine = _engine(tmp_path)
    checkpointer = wal_checkpointer(engine)
    assert checkpointer is not None
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO notes (body) VALUES (:body)"), {"body": ROW})
    assert _wait_until(lambda: checkpointer.passes > 0), "no checkpoint ran after a commit"
    assert checkpointer.running
    engine.dispose()
    assert not checkpointer.running


def test_in_memory_and_postgres_engines_have_no_checkpointer() -> None:
    engine = create_engine_for("sqlite://")
    try:
        assert wal_checkpointer(engine) is None
    finally:
        engine.dispose()


def test_steady_writes_keep_the_wal_short(tmp_path: Path) -> None:
    """Under writes that never pause, the thread still gets the WAL started over: it copies the
    last frames while holding the writers' lock. Without that, a passive checkpoint never finds the
    WAL fully copied and it grows until SQLite's own checkpoint (20,000 frames) steps in."""
    database = tmp_path / "steady.db"
    writer = threading.RLock()
    connection = sqlite3.connect(database, isolation_level=None, check_same_thread=False)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA wal_autocheckpoint=0")  # only the thread checkpoints here
    connection.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
    checkpointer = WalCheckpointer(str(database), writer, gather_seconds=0.001, restart_frames=200)
    written = 0
    try:
        # Until the thread has started the WAL over a few times (however the machine schedules it).
        while (checkpointer.restarts < 3 or written < 2000) and written < 30_000:
            with writer:
                connection.execute("BEGIN IMMEDIATE")
                connection.execute("INSERT INTO notes (body) VALUES (?)", (ROW,))
                connection.execute("COMMIT")
            written += 1
            checkpointer.note_commit()
        assert checkpointer.restarts >= 3
        # SQLite itself started the WAL over: each start bumps the checkpoint sequence in its header.
        # (Not the file's size: it keeps its largest, reached before the thread's first restart when
        # the writes outrun the thread's start.)
        assert _wal_starts(database) >= 3
        assert connection.execute("SELECT count(*) FROM notes").fetchone() == (written,)
    finally:
        checkpointer.stop()
        connection.close()


def test_the_writer_lock_is_held_until_commit_has_returned(tmp_path: Path) -> None:
    """The next in-process writer must not reach BEGIN IMMEDIATE while a COMMIT is still writing
    (SQLite would put it to sleep in its busy handler): when the driver runs COMMIT, the lock is
    still taken, and it is free once ``commit()`` returns."""
    engine = _engine(tmp_path)
    checkpointer = wal_checkpointer(engine)
    assert checkpointer is not None
    free_during_commit: list[bool] = []

    def probe() -> bool:
        result: list[bool] = []

        def take() -> None:
            got = checkpointer.writer.acquire(blocking=False)
            if got:
                checkpointer.writer.release()
            result.append(got)

        other = threading.Thread(target=take)  # another thread: the lock is reentrant
        other.start()
        other.join()
        return result[0]

    def trace(statement: str) -> None:
        if statement.strip().upper() == "COMMIT":
            free_during_commit.append(probe())

    with engine.connect() as connection:
        driver = connection.connection.driver_connection
        assert isinstance(driver, sqlite3.Connection)
        driver.set_trace_callback(trace)
        connection.execute(text("INSERT INTO notes (body) VALUES ('one')"))
        connection.commit()
        driver.set_trace_callback(None)
        free_after_commit = probe()
    engine.dispose()
    assert free_during_commit == [False]
    assert free_after_commit


def test_a_failed_begin_leaves_the_writer_lock_free(tmp_path: Path) -> None:
    engine = _engine(tmp_path)
    checkpointer = wal_checkpointer(engine)
    assert checkpointer is not None
    blocker = sqlite3.connect(tmp_path / "wal.db", isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")  # another process' writer, as SQLite sees it
    try:
        with engine.connect() as connection:
            connection.connection.driver_connection.execute("PRAGMA busy_timeout=0")  # type: ignore[union-attr]
            with pytest.raises(ConflictError, match="busy with other changes"):
                connection.execute(text("INSERT INTO notes (body) VALUES ('x')"))
        assert checkpointer.writer.acquire(blocking=False)
        checkpointer.writer.release()
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
        engine.dispose()
