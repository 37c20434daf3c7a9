"""Test Mode: run a deployed version, a draft or a file against a ticket given as data, writing nothing.

The input is OTOBO-shaped: ticket attributes by their OTOBO names (Title, Queue, State, Priority, Lock,
Owner, Responsible, Type, Service, SLA, CustomerID, CustomerUserID, DynamicField_<Name>; values text
or lists), plus the scenario (dialog submissions, web-service answers, sub-process results). The run
reads the catalog and the process and nothing else; the unit of work is never committed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ticketflow.domain.definitions import Process, ProcessVersion
from ticketflow.domain.engine import CompiledProcess, compile_process
from ticketflow.domain.errors import InvalidInputError
from ticketflow.domain.formats.native_json import content_hash, process_from_dict
from ticketflow.domain.simulation import SimulationReport, simulate
from ticketflow.domain.tickets import Value
from ticketflow.usecases.ports import UnitOfWork
from ticketflow.usecases.processes import parse_document
from ticketflow.usecases.runtime import ProcessRuntime
from ticketflow.usecases.scenarios import (
    ScenarioResult,
    customer_data,
    customers_of,
    list_scenarios,
    play_scenarios,
    with_customer,
)
from ticketflow.usecases.test_inputs import TestInput, parse_test_input, starting_snapshot
from ticketflow.usecases.undeployed import undeployed_reason

__all__ = [
    "ProcessSource",
    "TestInput",
    "copy_ticket_values",
    "load_source",
    "parse_test_input",
    "run_saved_scenarios",
    "run_test_mode",
]

UnitOfWorkFactory = Callable[[], UnitOfWork]


@dataclass(frozen=True, slots=True)
class ProcessSource:
    """Which process to test: a deployed version (``key`` + ``version``, None = latest), the draft of
    ``key`` (``draft=True``), or a document read from a file."""

    key: str | None = None
    version: int | None = None
    draft: bool = False
    document: Mapping[str, Any] | None = None


def run_test_mode(
    uow_factory: UnitOfWorkFactory,
    runtime: ProcessRuntime,
    source: ProcessSource,
    test_input: TestInput,
    *,
    now: datetime,
    from_ticket: int | None = None,
) -> SimulationReport:
    """Play ``test_input`` against the process; the ticket is the input's, or a copy of ticket
    ``from_ticket`` with the input's values on top. Nothing is written or sent."""
    with uow_factory() as uow:
        compiled = _load(uow, runtime, source)
        catalog = runtime.catalog(uow, now)
        base = uow.tickets.get(from_ticket).snapshot() if from_ticket is not None else None
        snapshot = starting_snapshot(base, test_input.ticket, catalog.states)
        snapshot = with_customer(snapshot, customer_data(uow, snapshot.value("CustomerUserID")))
        uow.rollback()
    context = runtime.engine_context(catalog, now)
    return simulate(compiled, compiled.version.version, snapshot, test_input.scenario, catalog, context)


def run_saved_scenarios(
    uow_factory: UnitOfWorkFactory, runtime: ProcessRuntime, source: ProcessSource, *, now: datetime
) -> list[ScenarioResult]:
    """Play every saved scenario of ``source.key`` against the chosen version (or the draft); each
    result says what differed from the scenario's expectation. Nothing is written or sent."""
    if source.key is None:
        raise InvalidInputError("name a process key: scenarios are saved with a process", field="process")
    scenarios = list_scenarios(uow_factory, source.key)
    with uow_factory() as uow:
        compiled = _load(uow, runtime, source)
        catalog = runtime.catalog(uow, now)
        customers = customers_of(uow, scenarios)
        uow.rollback()
    context = runtime.engine_context(catalog, now)
    return play_scenarios(scenarios, compiled, catalog, context, customers)


def load_source(
    uow_factory: UnitOfWorkFactory, runtime: ProcessRuntime, source: ProcessSource
) -> tuple[Process, int]:
    """The process a test runs on and its version number (0 for the draft or a file)."""
    with uow_factory() as uow:
        version = _load(uow, runtime, source).version
    return version.process, version.version


# What a copy of a real ticket leaves behind: its identity, so nothing mistakes the copy for it.
_NOT_COPIED = frozenset({"TicketID", "TicketNumber", "Created", "Changed", "StateType"})


def copy_ticket_values(uow_factory: UnitOfWorkFactory, ticket_id: int) -> dict[str, Value]:
    """The data of the real ticket ``ticket_id`` to start a test from, without its identity (the
    caller checks first that the person may read it). Reads only."""
    with uow_factory() as uow:
        snapshot = uow.tickets.get(ticket_id).snapshot()
    return {k: v for k, v in snapshot.data().items() if k not in _NOT_COPIED}


def _load(uow: UnitOfWork, runtime: ProcessRuntime, source: ProcessSource) -> CompiledProcess:
    """The compiled process to test: a deployed version comes from the runtime's cache; the draft
    and a file are compiled as version 0."""
    if source.document is not None:
        return _compiled(parse_document(source.document).process)
    if source.key is None:
        raise InvalidInputError("name a process key or a file", field="process")
    if source.draft:
        draft = uow.processes.find_draft(source.key)
        if draft is None:
            raise InvalidInputError(f"process '{source.key}' does not exist", field="process")
        return _compiled(process_from_dict(draft.document))
    version = source.version
    if version is None:
        latest = uow.processes.find_latest_version(source.key)
        if latest is None:
            raise InvalidInputError(
                undeployed_reason(uow, source.key, advice="; test a file or the draft"), "process"
            )
        version = latest.version
    return runtime.load_version(uow, source.key, version)


def _compiled(process: Process) -> CompiledProcess:
    return compile_process(ProcessVersion(process, 0, content_hash(process)))
