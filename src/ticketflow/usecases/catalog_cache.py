"""Catalog records the worker reads for every job, kept for a few seconds instead of read each time.

A web-service job read its web service and the ticket's customer user, an e-mail job its template,
the agents, roles and queues: two to six SELECTs per job for records an admin changes a few times a
day. ``CatalogReads`` answers them from memory for ``ttl`` (the runtime's ``catalog_ttl``, 5 s by
default): a change made anywhere — another process, another machine — shows up in the worker within
that time, as it does for the engine's catalog (``ProcessRuntime.catalog``). A record that does not
exist is not remembered, so a web service registered to fix an incident is found at once.

Shared by a worker's threads: entries are replaced whole (one dict assignment), never mutated, so a
thread sees an old entry or a new one; two threads missing at once both read, which is harmless.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any, TypeVar

from ticketflow.usecases.catalog_records import CatalogRecord
from ticketflow.usecases.ports import UnitOfWork

R = TypeVar("R", bound=CatalogRecord)
DEFAULT_TTL = timedelta(seconds=5)


class CatalogReads:
    """``find`` and ``list`` of ``uow.catalog``, remembered for ``ttl`` (see the module docstring)."""

    def __init__(self, ttl: timedelta = DEFAULT_TTL, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._ttl = ttl.total_seconds()
        self._clock = clock  # a cache age, not a time of the domain: monotonic
        self._found: dict[tuple[type[Any], str], tuple[float, Any]] = {}
        self._lists: dict[type[Any], tuple[float, Sequence[Any]]] = {}
        self._derived: dict[tuple[str, str], tuple[object, Any]] = {}

    def find(self, uow: UnitOfWork, kind: type[R], key: str) -> R | None:
        """The record of ``kind`` with ``key``, or None (not remembered: asked again next time)."""
        now = self._clock()
        cached = self._found.get((kind, key))
        if cached is not None and now - cached[0] <= self._ttl:
            record: R = cached[1]
            return record
        found = uow.catalog.find(kind, key)
        if found is None:
            self._found.pop((kind, key), None)
        else:
            self._found[(kind, key)] = (now, found)
        return found

    def fresh(self, kind: type[R], key: str) -> R | None:
        """The record as ``find`` remembers it, if under ``ttl`` old; None otherwise (unknown, or too
        old), so that a caller opens a unit of work only when ``find`` would read."""
        cached = self._found.get((kind, key))
        if cached is None or self._clock() - cached[0] > self._ttl:
            return None
        record: R = cached[1]
        return record

    def list(self, uow: UnitOfWork, kind: type[R]) -> Sequence[R]:
        """Every record of ``kind``, as ``uow.catalog.list``."""
        now = self._clock()
        cached = self._lists.get(kind)
        if cached is not None and now - cached[0] <= self._ttl:
            records: Sequence[R] = cached[1]
            return records
        listed = tuple(uow.catalog.list(kind))
        self._lists[kind] = (now, listed)
        return listed

    def derived(self, name: str, source: CatalogRecord, key: str, build: Callable[[], Any]) -> Any:
        """``build()``, computed once per ``source`` record object (e.g. a web service's parsed
        config): a record read again is a new object, so a changed record is never served an old
        result. Errors from ``build`` are not remembered."""
        cached = self._derived.get((name, key))
        if cached is not None and cached[0] is source:
            return cached[1]
        value = build()
        self._derived[(name, key)] = (source, value)
        return value

    def forget(self) -> None:
        """Drop everything (after a change made through this process, or in tests)."""
        self._found = {}
        self._lists = {}
        self._derived = {}
