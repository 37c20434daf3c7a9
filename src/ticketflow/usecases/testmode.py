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

from ticketflow.domain.definitions import Interface, Process, ProcessVersion
from ticketflow.domain.engine import compile_process
from ticketflow.domain.errors import InvalidInputError
from ticketflow.domain.formats.native_json import content_hash, process_from_dict
from ticketflow.domain.simulation import Scenario, ServiceResult, SimulationReport, Submission, simulate
from ticketflow.domain.tickets import TicketSnapshot, Value
from ticketflow.usecases.ports import UnitOfWork
from ticketflow.usecases.processes import parse_document
from ticketflow.usecases.runtime import ProcessRuntime

UnitOfWorkFactory = Callable[[], UnitOfWork]

# What an OTOBO-shaped test ticket gets when it does not say (OTOBO's Process::Default* settings).
_DEFAULT_TICKET = {
    "Title": "Test Mode ticket",
    "Queue": "Raw",
    "State": "new",
    "Priority": "3 normal",
    "Lock": "unlock",
    "Owner": "root@localhost",
}


@dataclass(frozen=True, slots=True)
class TestInput:
    """A parsed Test Mode input file: the ticket's data and the scenario to play."""

    __test__ = False  # not a pytest test class, despite the name

    ticket: Mapping[str, Value]
    scenario: Scenario


@dataclass(frozen=True, slots=True)
class ProcessSource:
    """Which process to test: a deployed version (``key`` + ``version``, None = latest), the draft of
    ``key`` (``draft=True``), or a document read from a file."""

    key: str | None = None
    version: int | None = None
    draft: bool = False
    document: Mapping[str, Any] | None = None


def parse_test_input(document: Mapping[str, Any]) -> TestInput:
    """``{"ticket": {...}, "submissions": [...], "service_results": {...}, "sub_process_results": {...}}``,
    or just the ticket's attributes. Raises InvalidInputError naming the bad entry."""
    if not isinstance(document, Mapping):
        raise InvalidInputError("must be a JSON object", field="ticket file")
    ticket = document.get("ticket", document if "submissions" not in document else {})
    return TestInput(_ticket_values(ticket), _scenario(document))


def _ticket_values(ticket: Any) -> dict[str, Value]:
    if not isinstance(ticket, Mapping):
        raise InvalidInputError("must be an object of OTOBO attribute names", field="ticket")
    values: dict[str, Value] = {}
    for key, value in ticket.items():
        if key in ("submissions", "service_results", "sub_process_results"):
            continue
        values[str(key)] = _value(value, f"ticket.{key}")
    return values


def _value(value: Any, where: str) -> Value:
    if isinstance(value, list | tuple):
        return tuple(str(item) for item in value)
    if isinstance(value, str | int | float):
        return str(value)
    raise InvalidInputError("must be text, a number or a list of texts", field=where)


def _scenario(document: Mapping[str, Any]) -> Scenario:
    submissions = []
    for index, entry in enumerate(document.get("submissions", [])):
        where = f"submissions[{index}]"
        if not isinstance(entry, Mapping) or "dialog" not in entry:
            raise InvalidInputError("needs a 'dialog' and its 'fields'", field=where)
        fields = entry.get("fields", {})
        if not isinstance(fields, Mapping):
            raise InvalidInputError("'fields' must be an object", field=where)
        interface = (
            Interface(entry.get("as", "agent")) if entry.get("as") in ("agent", "customer", None) else None
        )
        if interface is None:
            raise InvalidInputError("'as' must be agent or customer", field=where)
        values = {str(k): list(map(str, v)) if isinstance(v, list) else str(v) for k, v in fields.items()}
        submissions.append(Submission(str(entry["dialog"]), values, interface))
    services = {
        str(activity): _service_result(answer, f"service_results.{activity}")
        for activity, answer in document.get("service_results", {}).items()
    }
    children = {
        str(activity): _ticket_values(values)
        for activity, values in document.get("sub_process_results", {}).items()
    }
    return Scenario(tuple(submissions), services, children)


def _service_result(answer: Any, where: str) -> ServiceResult:
    if not isinstance(answer, Mapping):
        raise InvalidInputError("must be {'values': {...}} or {'error': CODE, 'message': TEXT}", field=where)
    values = _ticket_values(answer.get("values", {}))
    error = answer.get("error")
    return ServiceResult(values, str(error) if error is not None else None, str(answer.get("message", "")))


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
        process, version = _load(uow, runtime, source)
        catalog = runtime.catalog(uow, now)
        base = uow.tickets.get(from_ticket).snapshot() if from_ticket is not None else None
        uow.rollback()
    snapshot = _snapshot(base, test_input.ticket, catalog.states)
    compiled = compile_process(ProcessVersion(process, version, content_hash(process)))
    return simulate(
        compiled, version, snapshot, test_input.scenario, catalog, runtime.engine_context(catalog, now)
    )


def _load(uow: UnitOfWork, runtime: ProcessRuntime, source: ProcessSource) -> tuple[Process, int]:
    if source.document is not None:
        return parse_document(source.document).process, 0
    if source.key is None:
        raise InvalidInputError("name a process key or a file", field="process")
    if source.draft:
        draft = uow.processes.find_draft(source.key)
        if draft is None:
            raise InvalidInputError(f"process '{source.key}' does not exist", field="process")
        return process_from_dict(draft.document), 0
    version = source.version
    if version is None:
        latest = uow.processes.find_latest_version(source.key)
        if latest is None:
            raise InvalidInputError(
                f"process '{source.key}' has no deployed version; test a file or the draft", "process"
            )
        version = latest.version
    return runtime.load_version(uow, source.key, version).version.process, version


def _snapshot(
    base: TicketSnapshot | None, values: Mapping[str, Value], state_types: Mapping[str, str]
) -> TicketSnapshot:
    snapshot = base or TicketSnapshot(dict(_DEFAULT_TICKET), {})
    for key, value in values.items():
        snapshot = snapshot.with_value(key, value)
    state = snapshot.value("State")
    if isinstance(state, str) and state in state_types:
        snapshot = snapshot.with_value("StateType", state_types[state])
    return snapshot
