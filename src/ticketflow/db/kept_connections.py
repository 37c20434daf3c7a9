"""A connection each thread keeps between its units of work.

A unit of work used to take a connection from SQLAlchemy's pool and give it back: a new
``Connection``, the pool's checkout and checkin (with their events), the pool's reset. On SQLite,
where the statements themselves are cheap, that bookkeeping was the largest single part of a durable
step that ticketflow could remove: 23 µs for connect, begin, commit and close against 12 µs on a
connection kept (the 2-vCPU VM), and 7-12% more durable steps per second in alternating runs (bench/
durable_step.py). On PostgreSQL it was ~5% of the step's client CPU (alternating runs, CPU time per
step). Each thread that works with the engine keeps one connection instead, checked out of the pool
for as long as the thread lives.

What stays as before: a unit of work nested in another on the same thread, and threads beyond
``limit``, take theirs from the pool; a kept connection that was closed or invalidated is dropped and
replaced. What the pool did at checkout is done here where the engine asks for it (``Freshness``): a
connection idle for a while is checked before use (a server restart or a firewall may have closed
it), and an old one is handed back to the pool, which retires it.
"""

from __future__ import annotations

import os
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import Connection, Engine, event

# Threads keeping a connection at once, per engine: the web server's threads and the worker's.
# Further threads take connections from the pool, as nested units of work do.
DEFAULT_LIMIT = 8


@dataclass(frozen=True)
class Freshness:
    """What the pool would check at checkout, for a kept connection: after ``check_after_idle``
    seconds unused it must pass ``alive`` (a round trip) before it is used again; once it is
    ``max_age`` seconds old it goes back to the pool, and the thread keeps another."""

    check_after_idle: float
    alive: Callable[[Connection], bool]
    max_age: float


@dataclass
class _Kept:
    connection: Connection
    # The thread that keeps it, weakly: a thread's identifier is reused once the thread has ended.
    owner: weakref.ref[threading.Thread]
    busy: bool = False
    since: float = field(default_factory=time.monotonic)
    last_used: float = field(default_factory=time.monotonic)

    def owned_by(self, thread: threading.Thread) -> bool:
        return self.owner() is thread

    def usable(self) -> bool:
        return not (self.connection.closed or self.connection.invalidated)


class KeptConnections:
    """The connections kept by the threads of one engine. ``take`` and ``give_back`` bracket a unit of
    work; ``let_go`` closes them all (the engine was disposed)."""

    def __init__(
        self, engine: Engine, *, limit: int = DEFAULT_LIMIT, freshness: Freshness | None = None
    ) -> None:
        self._engine = engine
        self._limit = limit
        self._freshness = freshness
        # Uncontended for the most part (each thread asks for its own entry); it makes ``let_go``,
        # run by another thread, safe against a thread taking its connection at that moment.
        self._lock = threading.Lock()
        self._by_thread: dict[int, _Kept] = {}
        # After a fork: the parent's connections, never used nor closed here (see _forget_after_fork).
        self._inherited: list[_Kept] = []
        self._let_go: list[Connection] = []  # in use when the engine was disposed
        # When a connection of this engine was last found broken (its server gone): the ones kept
        # since before are suspect too — a server restart ends them all — and are replaced before
        # use, as the pool recycles its own (so a restart costs one failed request, not one a thread).
        self._broken_at = float("-inf")
        _ALL.add(self)

    def take(self) -> Connection:
        """This thread's kept connection, or one from the pool when it is in use (a nested unit of
        work) or too many threads keep one already. Ends with ``give_back``."""
        thread = threading.current_thread()
        with self._lock:
            kept = self._by_thread.get(thread.ident or 0)
            if kept is not None and not (
                kept.owned_by(thread) and kept.usable() and kept.since > self._broken_at
            ):
                self._drop(thread.ident or 0)
                kept = None
            if kept is None:
                kept = self._keep_new(thread)
            if kept is None or kept.busy:
                kept = None
            else:
                kept.busy = True
        if kept is None:
            return self._engine.connect()
        if self._freshness is not None and not self._fresh(kept, self._freshness):
            self._retire(thread.ident or 0, kept)
            return self.take()
        return kept.connection

    def _retire(self, ident: int, kept: _Kept) -> None:
        """Hand a kept connection found too old or gone back to the pool (which retires it)."""
        with self._lock:
            if self._by_thread.get(ident) is kept:
                del self._by_thread[ident]
            let_go = kept.connection in self._let_go  # the engine was disposed meanwhile
            if let_go:
                self._let_go.remove(kept.connection)
        if let_go:
            _close_for_good(kept.connection)
        else:
            kept.connection.close()

    def _fresh(self, kept: _Kept, freshness: Freshness) -> bool:
        """Whether ``kept`` (taken by this thread) may be used: young enough, and answering if it sat
        idle. Checked outside the lock: the check is a round trip to the server."""
        now = time.monotonic()
        if now - kept.since >= freshness.max_age:
            return False
        return now - kept.last_used < freshness.check_after_idle or freshness.alive(kept.connection)

    def give_back(self, connection: Connection) -> None:
        """End a unit of work's use of ``connection``, which has no transaction left open."""
        with self._lock:
            kept = self._by_thread.get(threading.get_ident())
            if kept is not None and kept.connection is connection and kept.busy:
                kept.busy = False
                kept.last_used = time.monotonic()
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

    def note_broken(self) -> None:
        """A connection of the engine was invalidated: replace those kept since before it."""
        self._broken_at = time.monotonic()

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


def keep_connections(
    engine: Engine, *, limit: int = DEFAULT_LIMIT, freshness: Freshness | None = None
) -> KeptConnections:
    """Let the threads of ``engine`` keep their connections from now on."""
    keeper = KeptConnections(engine, limit=limit, freshness=freshness)
    # The engine holds the keeper (this listener), the keeper its connections, they the engine: an
    # engine nobody uses any more is collected with them. The registry below holds it weakly only.
    event.listen(engine, "engine_disposed", lambda _engine: keeper.let_go())
    event.listen(engine, "invalidate", lambda *_args: keeper.note_broken())
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
