"""The turn to write a SQLite database, taken before ``BEGIN IMMEDIATE`` by every writer of every
ticketflow process on the same file.

SQLite lets one writer in at a time. One that finds the database locked waits in SQLite's busy
handler, which sleeps in growing steps (1, 2, 5, 10 … 100 ms) and does not notice the lock coming
free meanwhile: under load, writers of several processes (``serve --workers``, the worker, a CLI
command) slept far longer than the transactions they waited for. Here writers queue instead:

- inside a process on a lock (a thread waiting is woken as the previous writer releases it);
- across processes on an advisory ``flock`` of a file beside the database (``<database>-writer``):
  the process whose thread holds the lock holds the file lock. A process that finds it taken
  polls every ``POLL_SECONDS`` until ``timeout`` (``flock`` itself cannot wait with a limit);
  that is the longest a hand-over between processes waits beyond the transaction before it.

The lock is re-entrant within a thread (a write inside a write keeps the turn). Other programs
writing the file without it still meet SQLite's own lock and busy handler, as before.
"""

from __future__ import annotations

import fcntl
import os
import threading
import time

# How often a process waiting for another process' writer looks again.
POLL_SECONDS = 0.0005


class SqliteWriterLock:
    """Acquire before ``BEGIN IMMEDIATE``, release after the COMMIT or ROLLBACK has returned."""

    def __init__(self, database_path: str) -> None:
        self._path = database_path + "-writer"
        self._threads = threading.RLock()
        self._depth = 0  # acquisitions held by the owning thread; the file is locked while > 0
        self._descriptor: int | None = None

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        deadline = None if timeout < 0 else time.monotonic() + timeout
        if not (
            self._threads.acquire(timeout=timeout) if blocking else self._threads.acquire(blocking=False)
        ):
            return False
        if self._depth == 0 and not self._lock_file(blocking, deadline):
            self._threads.release()
            return False
        self._depth += 1
        return True

    def release(self) -> None:
        self._depth -= 1
        if self._depth == 0 and self._descriptor is not None:
            fcntl.flock(self._descriptor, fcntl.LOCK_UN)
        self._threads.release()

    def close(self) -> None:
        """Forget the lock file's descriptor (the engine was disposed); reopened when next needed."""
        with self._threads:
            if self._descriptor is not None and self._depth == 0:
                os.close(self._descriptor)
                self._descriptor = None

    def __enter__(self) -> SqliteWriterLock:
        self.acquire()
        return self

    def __exit__(self, *_: object) -> None:
        self.release()

    def _lock_file(self, blocking: bool, deadline: float | None) -> bool:
        if self._descriptor is None:
            self._descriptor = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
        while True:
            try:
                fcntl.flock(self._descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return True
            except BlockingIOError:
                if not blocking or (deadline is not None and time.monotonic() >= deadline):
                    return False
                time.sleep(POLL_SECONDS)
