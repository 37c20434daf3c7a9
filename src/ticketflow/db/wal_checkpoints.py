"""Checkpoints of a SQLite write-ahead log, run by a thread of their own instead of by the writers.

A checkpoint copies the pages written to the WAL back into the database file and fsyncs it. Left to
SQLite (``wal_autocheckpoint``), the writer whose commit crosses the threshold runs it inside that
commit: one step in a few hundred takes tens of milliseconds, every writer queued behind it waits
as long, and the copying is on the one core that writes. Here a thread copies the WAL while the
writers go on: it is woken by commits and runs ``wal_checkpoint(PASSIVE)``, which takes no lock
a writer needs. The sqlite3 module releases the GIL while SQLite works, so the copying runs on the
other core.

A passive checkpoint under steady writes never catches up exactly (new frames arrive while it
copies), and SQLite restarts the WAL from its beginning only when a writer finds it fully copied.
So once the WAL is longer than ``restart_frames``, the thread copies the last few frames while it
holds the process' writer lock (the same lock in-process writers take before ``BEGIN IMMEDIATE``):
that pass is short, as the passive one copied the rest, and the next writer starts the WAL over.
Writers of other processes meet SQLite's own locks as before.

SQLite's own automatic checkpoint stays on at a high threshold (``connect.SQLITE_PRAGMAS``), as the
safety net should this thread fall behind.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from typing import Protocol

logger = logging.getLogger(__name__)

# A thread that was not woken within this many seconds checks whether it should stop.
IDLE_WAIT_SECONDS = 1.0


class WriterLock(Protocol):
    def acquire(self, blocking: bool = ..., timeout: float = ...) -> bool: ...
    def release(self) -> None: ...


class WalCheckpointer:
    """Checkpoints the WAL of the database file at ``path`` in a daemon thread, started by the
    first ``note_commit`` and ended by ``stop``."""

    def __init__(
        self,
        path: str,
        writer: WriterLock,
        *,
        gather_seconds: float = 0.01,
        restart_frames: int = 16000,
        writer_wait_seconds: float = 5.0,
    ) -> None:
        self._path = path
        self._writer = writer
        self._gather_seconds = gather_seconds  # commits that arrive meanwhile are copied in one pass
        # 16,000 frames of 4 KiB: a WAL of up to ~64 MB. Each restart holds the writers for the last
        # copy and an fsync of the database (~1 ms here); at 4,000 frames that wait was ~2% of a
        # durable step (bench/durable_step.py, 4,000 vs 16,000 measured interleaved).
        self._restart_frames = restart_frames
        self._writer_wait_seconds = writer_wait_seconds
        self._wanted = threading.Event()  # each thread gets its own pair (see _start, stop)
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self.passes = 0  # checkpoints run (for tests and diagnostics)
        self.restarts = 0  # of which under the writer lock, so that the WAL starts over

    def note_commit(self) -> None:
        """Called after each commit: wake the thread (start it the first time)."""
        if self._thread is None:
            self._start()
        self._wanted.set()

    def stop(self) -> None:
        """End the thread after the pass it may be in (the engine was disposed; a later commit
        starts a new one). A last checkpoint is left to SQLite, which runs one when the database's
        last connection closes."""
        with self._start_lock:
            thread, self._thread = self._thread, None
            if thread is None:
                return
            self._stopping.set()
            self._wanted.set()
            if thread is not threading.current_thread():
                thread.join(timeout=10)
            self._stopping = threading.Event()

    @property
    def writer(self) -> WriterLock:
        """The lock this process' writers take before ``BEGIN IMMEDIATE``."""
        return self._writer

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _start(self) -> None:
        with self._start_lock:
            if self._thread is None:
                self._wanted = threading.Event()
                thread = threading.Thread(
                    target=self._run,
                    args=(self._wanted, self._stopping),
                    name="sqlite-wal-checkpoints",
                    daemon=True,
                )
                thread.start()
                self._thread = thread

    def _run(self, wanted: threading.Event, stopping: threading.Event) -> None:
        connection = sqlite3.connect(self._path, isolation_level=None, check_same_thread=False)
        try:
            # Not the writers' 5 s: a pass that meets a busy reader or another process' checkpoint
            # gives up at once and is tried again at the next commit.
            connection.execute("PRAGMA busy_timeout=0")
            while not stopping.is_set():
                if not wanted.wait(IDLE_WAIT_SECONDS):
                    continue
                if stopping.wait(self._gather_seconds):
                    break
                wanted.clear()
                self._pass(connection)
        finally:
            connection.close()

    def _pass(self, connection: sqlite3.Connection) -> None:
        try:
            frames = self._checkpoint(connection)
            if frames > self._restart_frames and self._writer.acquire(timeout=self._writer_wait_seconds):
                try:
                    self._checkpoint(connection)
                    self.restarts += 1
                finally:
                    self._writer.release()
        except sqlite3.OperationalError as error:
            if "locked" in str(error) or "busy" in str(error):
                # Another connection is checkpointing (SQLite's own, another process' thread):
                # nothing lost, the next commit brings the next pass.
                logger.debug("WAL checkpoint of %s deferred: %s", self._path, error)
                return
            logger.warning("background WAL checkpoint of %s failed: %s", self._path, error)
        except sqlite3.Error as error:  # e.g. the file went away; the writers' own checkpoint still runs
            logger.warning("background WAL checkpoint of %s failed: %s", self._path, error)

    def _checkpoint(self, connection: sqlite3.Connection) -> int:
        """One passive checkpoint; the WAL's length in frames before it."""
        row = connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        self.passes += 1
        return int(row[1]) if row is not None else 0
