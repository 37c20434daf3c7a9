"""The process runtime: what the engine needs besides a ticket, shared by every use case of one entry point.

It holds the registered scripts and condition validators, and caches compiled process versions
(immutable, so a cache entry never goes stale) and the catalog and catalog records (``records``)
briefly: admin changes show up within ``catalog_ttl``; ``forget_catalog`` drops both at once after a
change made through this runtime.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from ticketflow.domain.catalog import Catalog
from ticketflow.domain.definitions import ProcessState, ProcessVersion
from ticketflow.domain.engine import CompiledProcess, EngineContext, compile_process
from ticketflow.domain.formats.native_json import canonical_json, process_from_dict
from ticketflow.domain.scripts import Script
from ticketflow.domain.tickets import Value
from ticketflow.usecases.catalog_cache import CatalogReads
from ticketflow.usecases.ports import UnitOfWork

Validator = Callable[[Mapping[str, Value]], bool]


@dataclass
class ProcessRuntime:
    scripts: Mapping[str, Script]
    validators: Mapping[str, Validator]
    hop_limit: int = 100
    catalog_ttl: timedelta = timedelta(seconds=5)
    _compiled: dict[tuple[str, int], CompiledProcess] = field(default_factory=dict, repr=False)
    _catalog: tuple[datetime, Catalog] | None = field(default=None, repr=False)
    _states: dict[str, tuple[float, ProcessState]] = field(default_factory=dict, repr=False)
    _reads_customer: dict[tuple[str, int], bool] = field(default_factory=dict, repr=False)
    # Catalog records an entry point reads on every request or job (a queue's permission group …),
    # kept as long as the catalog and forgotten with it.
    records: CatalogReads = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.records = CatalogReads(self.catalog_ttl)

    def load_version(self, uow: UnitOfWork, key: str, version: int) -> CompiledProcess:
        """The compiled deployed version ``version`` of process ``key`` (NotFoundError if absent)."""
        compiled = self._compiled.get((key, version))
        if compiled is None:
            stored = uow.processes.get_version(key, version)
            process = process_from_dict(stored.document)
            compiled = compile_process(ProcessVersion(process, version, stored.content_hash))
            self._compiled[(key, version)] = compiled
        return compiled

    def catalog(self, uow: UnitOfWork, now: datetime) -> Catalog:
        """The catalog, read from the store at most once per ``catalog_ttl``."""
        if self._catalog is None or now - self._catalog[0] > self.catalog_ttl:
            catalog = uow.catalog.catalog()
            self._catalog = (now, _with_scripts(catalog, self.scripts))
        return self._catalog[1]

    def forget_catalog(self) -> None:
        self._catalog = None
        self._states.clear()
        self.records.forget()

    def process_state(self, uow: UnitOfWork, key: str) -> ProcessState:
        """The state of the latest deployed version of ``key``: it governs every running ticket of the
        process, whatever version it is pinned to (FadeAway stops new tickets, Inactive freezes all —
        reference §2.1), so that retiring a process needs no migration of its tickets."""
        cached = self._states.get(key)
        # A cache age, not a time of the domain: the monotonic clock is the right one here.
        checked_at = time.monotonic()
        if cached is None or checked_at - cached[0] > self.catalog_ttl.total_seconds():
            latest = uow.processes.find_latest_version(key)
            state = (
                self.load_version(uow, key, latest.version).version.process.state
                if latest is not None
                else ProcessState.INACTIVE
            )
            cached = (checked_at, state)
            self._states[key] = cached
        return cached[1]

    def reads_customer_data(self, compiled: CompiledProcess) -> bool:
        """Whether the process can read the customer user's data (``<OTOBO_CUSTOMER_DATA_*>`` tags, the
        ``copy_fields`` script): only then does a step load it, sparing every other step a query."""
        key = (compiled.version.process.key, compiled.version.version)
        known = self._reads_customer.get(key)
        if known is None:
            text = canonical_json(compiled.version.process)
            known = "CUSTOMER_DATA" in text.upper() or "CustomerData_" in text or "copy_fields" in text
            self._reads_customer[key] = known
        return known

    def engine_context(self, catalog: Catalog, now: datetime) -> EngineContext:
        labels = {name: d.possible_values for name, d in catalog.dynamic_fields.items() if d.possible_values}
        return EngineContext(
            now=now,
            scripts=self.scripts,
            validators=self.validators,
            state_types=catalog.states,
            dynamic_field_labels=labels,
            hop_limit=self.hop_limit,
            list_fields=frozenset(name for name, d in catalog.dynamic_fields.items() if d.is_list),
        )


def _with_scripts(catalog: Catalog, scripts: Mapping[str, Script]) -> Catalog:
    from dataclasses import replace

    return replace(catalog, scripts=frozenset(scripts))
