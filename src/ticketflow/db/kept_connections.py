"""A connection each thread keeps between its units of work on a SQLite file engine.

A unit of work used to take a connection from SQLAlchemy's pool and give it back: a new
``Connection``, the pool's checkout and checkin, the pool's reset ROLLBACK. On SQLite, where the
statements themselves are cheap, that bookkeeping was the largest single part of a durable step that
ticketflow could remove: 23 µs for connect, begin, commit and close against 12 µs on a connection
kept (the 2-vCPU VM), and 7-12% more durable steps per second in alternating runs (bench/
durable_step.py). Each thread that works with the engine keeps one connection instead, checked out
of the pool for as long as the thread lives.

What stays as before: a unit of work nested in another on the same thread, and threads beyond
``limit``, take theirs from the pool; a kept connection that was closed or invalidated is dropped and
replaced; PostgreSQL keeps using the pool (a connection idle there is pinged before use, and a
server has fewer connections to give than threads may ask for).
"""

from __future__ import annotations

import os
import threading
import weakref
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, event

# Threads keeping a connection at once, per engine: the web server's threads and the worker's.
# Further threads take connections from the pool, as nested units of work do.
DEFAULT_LIMIT = 8


@dataclass
class _Kept:
    connection: Connection
    # The thread that keeps it, weakly: a thread's identifier is reused once the thread has ended.
    owner: weakref.ref[threading.Thread]
    busy: bool = False

    def owned_by(self, thread: threading.Thread) -> bool:
        return self.owner() is thread

    def usable(self) -> bool:
        return not (self.connection.closed or self.connection.invalidated)


class KeptConnections:
    """The connections kept by the threads of one engine. ``take`` and ``give_back`` bracket a unit of
    work; ``let_go`` closes them all (the engine was disposed)."""

    def __init__(self, engine: Engine, *, limit: int = DEFAULT_LIMIT) -> None:
        self._engine = engine
        self._limit = limit
        # Uncontended for the most part (each thread asks for its own entry); it makes ``let_go``,
        # run by another thread, safe against a thread taking its connection at that moment.
        self._lock = threading.Lock()
        self._by_thread: dict[int, _Kept] = {}
        # After a fork: the parent's connections, never used nor closed here (see _forget_after_fork).
        self._inherited: list[_Kept] = []
        self._let_go: list[Connection] = []  # in use when the engine was disposed
        _ALL.add(self)

    def take(self) -> Connection:
        """This thread's kept connection, or one from the pool when it is in use (a nested unit of
        work) or too many threads keep one already. Ends with ``give_back``."""
        thread = threading.current_thread()
        with self._lock:
            kept = self._by_thread.get(thread.ident or 0)
            if kept is not None and not (kept.owned_by(thread) and kept.usable()):
                self._drop(thread.ident or 0)
                kept = None
            if kept is None:
                kept = self._keep_new(thread)
            if kept is not None and not kept.busy:
                kept.busy = True
                return kept.connection
        return self._engine.connect()

    def give_back(self, connection: Connection) -> None:
        """End a unit of work's use of ``connection``, which has no transaction left open."""
        with self._lock:
            kept = self._by_thread.get(threading.get_ident())
            if kept is not None and kept.connection is connection and kept.busy:
                kept.busy = False
                if kept.usable():
                    return
                del self._by_thread[threading.get_ident()]
            let_go = connection in self._let_go
            if let_go:
                self._let_go.remove(connection)
        if let_go:
            _close_for_good(connection)
        else:
            connection.close()  # not kept, or no longer usable: back to the pool (or discarded by it)

    def let_go(self) -> None:
        """Close the kept connections, for good: the engine's pool was disposed. Those in use are
        closed when given back."""
        with self._lock:
            kept_now = list(self._by_thread.values())
            self._by_thread.clear()
            self._let_go.extend(kept.connection for kept in kept_now if kept.busy)
        for kept in kept_now:
            if not kept.busy:
                _close_for_good(kept.connection)

    def kept_count(self) -> int:
        return len(self._by_thread)

    def _keep_new(self, thread: threading.Thread) -> _Kept | None:
        if len(self._by_thread) >= self._limit:
            self._drop_ended_threads()
            if len(self._by_thread) >= self._limit:
                return None
        kept = _Kept(self._engine.connect(), weakref.ref(thread))
        self._by_thread[thread.ident or 0] = kept
        return kept

    def _drop_ended_threads(self) -> None:
        """Close the connections of threads that have ended (the web server's idle threads end)."""
        for ident, kept in list(self._by_thread.items()):
            owner = kept.owner()
            if owner is None or not owner.is_alive():
                self._drop(ident)

    def _drop(self, ident: int) -> None:
        kept = self._by_thread.pop(ident)
        owner = kept.owner()
        # A busy one belongs to a unit of work still running, closed when it ends — unless its thread
        # has ended without ending it.
        if not kept.busy or owner is None or not owner.is_alive():
            kept.connection.close()

    def _forget_after_fork(self) -> None:
        # The child must not use its parent's SQLite connections, nor close them (closing runs a
        # ROLLBACK on the parent's open transaction). They are kept referenced and left alone; the
        # child's threads open their own.
        self._lock = threading.Lock()
        self._inherited.extend(self._by_thread.values())
        self._by_thread = {}


def _close_for_good(connection: Connection) -> None:
    """Close the SQLite connection itself. Given back, it would wait in the pool the engine has just
    disposed (and replaced), open until collected: the last connection to close checkpoints the WAL
    into the database file, which a copy of the file right after ``dispose()`` relies on."""
    connection.detach()
    connection.close()


def keep_connections(engine: Engine, *, limit: int = DEFAULT_LIMIT) -> KeptConnections:
    """Let the threads of ``engine`` (a SQLite file engine) keep their connections from now on."""
    keeper = KeptConnections(engine, limit=limit)
    # The engine holds the keeper (this listener), the keeper its connections, they the engine: an
    # engine nobody uses any more is collected with them. The registry below holds it weakly only.
    event.listen(engine, "engine_disposed", lambda _engine: keeper.let_go())
    _BY_ENGINE[engine] = weakref.ref(keeper)
    return keeper


def kept_connections(engine: Engine) -> KeptConnections | None:
    """The keeper of ``engine``'s connections; None where each unit of work uses the pool."""
    found = _BY_ENGINE.get(engine)
    return found() if found is not None else None


_BY_ENGINE: weakref.WeakKeyDictionary[Engine, weakref.ref[KeptConnections]] = weakref.WeakKeyDictionary()
_ALL: weakref.WeakSet[KeptConnections] = weakref.WeakSet()


def _after_fork_in_child() -> None:
    for keeper in list(_ALL):
        keeper._forget_after_fork()


os.register_at_fork(after_in_child=_after_fork_in_child)
