"""Writers of every process take turns on the writer lock before BEGIN IMMEDIATE, instead of
sleeping in SQLite's busy handler. A second lock object on the same file stands in for another
process: ``flock`` locks of two open files conflict within one process as across processes."""

from __future__ import annotations

import multiprocessing
import threading
from pathlib import Path
from typing import Any

from sqlalchemy import event, text

from ticketflow.db.connect import create_engine_for
from ticketflow.db.sqlite_writer_lock import SqliteWriterLock


def test_another_process_waits_for_the_turn_and_gets_it_when_released(tmp_path: Path) -> None:
    database = str(tmp_path / "turns.db")
    ours, theirs = SqliteWriterLock(database), SqliteWriterLock(database)
    assert ours.acquire(timeout=1)
    assert not theirs.acquire(timeout=0.05)  # waited its timeout, then gave up
    ours.release()
    assert theirs.acquire(timeout=1)
    theirs.release()


def test_the_turn_is_reentrant_and_kept_until_the_outer_release(tmp_path: Path) -> None:
    database = str(tmp_path / "nested.db")
    ours, theirs = SqliteWriterLock(database), SqliteWriterLock(database)
    with ours:
        with ours:
            pass
        assert not theirs.acquire(blocking=False), "the inner release gave the turn away"
    assert theirs.acquire(blocking=False)
    theirs.release()


def test_threads_of_one_process_take_turns(tmp_path: Path) -> None:
    lock = SqliteWriterLock(str(tmp_path / "threads.db"))
    inside, overlaps = [0], []

    def write() -> None:
        for _ in range(200):
            with lock:
                inside[0] += 1
                overlaps.append(inside[0])
                inside[0] -= 1

    threads = [threading.Thread(target=write) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(overlaps) == 800
    assert max(overlaps) == 1


def _write_rows(url: str, start: int, count: int, go: Any = None) -> None:
    engine = create_engine_for(url)
    # No busy handler: a writer meeting another process' lock in SQLite would fail at once.
    event.listen(engine, "connect", lambda driver, _record: driver.execute("PRAGMA busy_timeout=0"))
    if go is not None:
        go.wait(60)  # all writers start together (a barrier)
    try:
        for number in range(start, start + count):
            with engine.begin() as connection:
                connection.execute(text("INSERT INTO rows (n) VALUES (:n)"), {"n": number})
    finally:
        engine.dispose()


def test_two_processes_writing_at_once_lose_nothing_and_never_see_a_locked_database(tmp_path: Path) -> None:
    """The writers run without SQLite's busy handler: were the processes not taking turns, one
    would meet another's lock in SQLite and fail with "database is locked"."""
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    engine = create_engine_for(url)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE rows (n INTEGER PRIMARY KEY)"))
    context = multiprocessing.get_context("spawn")
    go = context.Barrier(3)
    # Daemons, and killed if still running: a hung writer must fail this test, not keep the run from ending.
    others = [
        context.Process(target=_write_rows, args=(url, start, 1000, go), daemon=True) for start in (0, 1000)
    ]
    for process in others:
        process.start()
    try:
        _write_rows(url, 2000, 1000, go)
        for process in others:
            process.join(timeout=120)
            assert process.exitcode == 0
    finally:
        for process in others:
            if process.is_alive():
                process.kill()
    with engine.connect() as connection:
        numbers = connection.execute(text("SELECT n FROM rows ORDER BY n")).scalars().all()
    engine.dispose()
    assert numbers == list(range(3000))
