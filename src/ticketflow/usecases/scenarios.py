"""Saved Test Mode scenarios: a run kept with its process — the starting ticket, the dialog
submissions in order, canned service answers — and the outcome it must reach. The suite of a process
reruns before every deploy (``processes.deploy_process``) and from the CLI for CI.

A scenario's document is the Test Mode input (``usecases.test_inputs``) plus
``"expect": {"activity": KEY, "values": {NAME: VALUE, ...}}``. Playing scenarios writes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ticketflow.domain.catalog import Catalog
from ticketflow.domain.definitions import Process, ProcessState, ProcessVersion
from ticketflow.domain.engine import CompiledProcess, EngineContext, compile_process
from ticketflow.domain.errors import DefinitionError, InvalidInputError, NotFoundError, Problem
from ticketflow.domain.formats.native_json import content_hash
from ticketflow.domain.simulation import Expectation, SimulationReport, differences, simulate
from ticketflow.domain.tickets import TicketSnapshot, Value
from ticketflow.usecases.catalog_records import CustomerUser
from ticketflow.usecases.ports import UnitOfWork
from ticketflow.usecases.runtime import ProcessRuntime
from ticketflow.usecases.scenario_records import StoredScenario
from ticketflow.usecases.test_inputs import (
    TestInput,
    input_document,
    parse_test_input,
    starting_snapshot,
    ticket_values,
)

UnitOfWorkFactory = Callable[[], UnitOfWork]

NAME_LIMIT = 200


class ScenariosFailedError(DefinitionError):
    """Deploy refused: saved scenarios fail against the version about to be deployed. One problem per
    difference, on ``scenario:<name>``; shown wherever deploy problems are shown."""

    code = "scenarios_failed"


@dataclass(frozen=True, slots=True)
class SavedScenario:
    name: str
    test_input: TestInput
    expected: Expectation
    saved_at: datetime
    saved_by: str

    def document(self) -> dict[str, Any]:
        return scenario_document(self.test_input, self.expected)


@dataclass(frozen=True, slots=True)
class ScenarioResult:
    """One scenario played: what differed from its expectation (nothing: it passed). ``report`` is
    None when the run could not be played at all (a dialog the version no longer offers)."""

    name: str
    differences: tuple[str, ...]
    report: SimulationReport | None

    @property
    def passed(self) -> bool:
        return not self.differences

    def to_dict(self) -> dict[str, Any]:
        """The result as the CLI's ``--json`` and the REST API give it (docs/process-format.md)."""
        return {
            "name": self.name,
            "passed": self.passed,
            "differences": list(self.differences),
            "final": self.report.to_dict()["final"] if self.report is not None else None,
        }


def scenario_document(test_input: TestInput, expected: Expectation) -> dict[str, Any]:
    """The stored (and exported) form of a scenario."""
    values = {k: v if isinstance(v, str) else list(v) for k, v in expected.values.items()}
    return input_document(test_input) | {"expect": {"activity": expected.activity, "values": values}}


def parse_expectation(document: Any) -> Expectation:
    """``{"activity": KEY, "values": {...}}``; InvalidInputError naming ``expect.<entry>``."""
    if not isinstance(document, Mapping):
        raise InvalidInputError("must be {'activity': KEY, 'values': {...}}", field="expect")
    activity = document.get("activity")
    if not isinstance(activity, str) or not activity.strip():
        raise InvalidInputError("names the activity the run must end in", field="expect.activity")
    return Expectation(activity.strip(), ticket_values(document.get("values", {}), "expect.values"))


def parse_scenario(
    name: str, document: Mapping[str, Any], *, saved_at: datetime, saved_by: str
) -> SavedScenario:
    if not isinstance(document, Mapping):
        raise InvalidInputError("must be a JSON object", field="scenario")
    # A scenario always names its ticket (possibly {}): the rest of the document is never taken as one.
    played = {k: v for k, v in document.items() if k not in ("name", "expect")}
    return SavedScenario(
        _checked_name(name),
        parse_test_input(played | {"ticket": document.get("ticket", {})}),
        parse_expectation(document.get("expect")),
        saved_at,
        saved_by,
    )


def _checked_name(name: str) -> str:
    cleaned = " ".join(name.split())
    if not cleaned:
        raise InvalidInputError("give the scenario a name", field="name")
    if len(cleaned) > NAME_LIMIT:
        raise InvalidInputError(f"is longer than {NAME_LIMIT} characters", field="name")
    return cleaned


def save_scenario(
    uow_factory: UnitOfWorkFactory,
    key: str,
    name: str,
    document: Mapping[str, Any],
    *,
    saved_by: str,
    now: datetime,
) -> SavedScenario:
    """Save (or replace, by name) a scenario of process ``key``; the document is checked first, so a
    bad one changes nothing (InvalidInputError naming the entry; NotFoundError for an unknown key)."""
    scenario = parse_scenario(name, document, saved_at=now, saved_by=saved_by)
    with uow_factory() as uow:
        uow.scenarios.save(StoredScenario(key, scenario.name, scenario.document(), now, saved_by))
        uow.commit()
    return scenario


def list_scenarios(uow_factory: UnitOfWorkFactory, key: str) -> list[SavedScenario]:
    """The saved scenarios of ``key`` by name (NotFoundError for an unknown process); one stored with
    a now-unreadable document raises."""
    with uow_factory() as uow:
        if uow.processes.find_draft(key) is None and uow.processes.find_latest_version(key) is None:
            raise NotFoundError(f"process '{key}' does not exist")
        stored = uow.scenarios.list(key)
    return [_parsed(s) for s in stored]


def delete_scenario(uow_factory: UnitOfWorkFactory, key: str, name: str) -> None:
    with uow_factory() as uow:
        uow.scenarios.delete(key, name)
        uow.commit()


def _parsed(stored: StoredScenario) -> SavedScenario:
    return parse_scenario(stored.name, stored.document, saved_at=stored.saved_at, saved_by=stored.saved_by)


def customer_data(uow: UnitOfWork, login: Value | None) -> dict[str, str]:
    """The customer user's data under OTOBO's CustomerUser keys (empty for none or an unknown one):
    a test ticket reads ``<OTOBO_CUSTOMER_DATA_…>`` as a real one does."""
    user = uow.catalog.find(CustomerUser, login) if isinstance(login, str) and login else None
    if user is None:
        return {}
    return {
        "UserLogin": user.login,
        "UserEmail": user.email,
        "UserFirstname": user.first_name,
        "UserLastname": user.last_name,
        "UserCustomerID": user.customer_id,
    }


def with_customer(snapshot: TicketSnapshot, customer: Mapping[str, str]) -> TicketSnapshot:
    return TicketSnapshot(snapshot.attributes, snapshot.dynamic_fields, customer, snapshot.linked)


def customers_of(uow: UnitOfWork, scenarios: Iterable[SavedScenario]) -> dict[str, dict[str, str]]:
    """The customer data of every customer user the scenarios start with, by login."""
    logins = {s.test_input.ticket.get("CustomerUserID") for s in scenarios}
    return {login: customer_data(uow, login) for login in logins if isinstance(login, str) and login}


def play_scenarios(
    scenarios: Iterable[SavedScenario],
    compiled: CompiledProcess,
    catalog: Catalog,
    context: EngineContext,
    customers: Mapping[str, Mapping[str, str]] | None = None,
) -> list[ScenarioResult]:
    """Run each scenario on ``compiled`` from its own starting ticket (with its customer's data from
    ``customers``, by login) and compare the end with its expectation. Pure: nothing is read or
    written."""
    version = compiled.version.version
    results = []
    for scenario in scenarios:
        snapshot = starting_snapshot(None, scenario.test_input.ticket, catalog.states)
        login = scenario.test_input.ticket.get("CustomerUserID")
        if customers and isinstance(login, str) and login in customers:
            snapshot = with_customer(snapshot, customers[login])
        try:
            report = simulate(compiled, version, snapshot, scenario.test_input.scenario, catalog, context)
        except InvalidInputError as error:
            results.append(ScenarioResult(scenario.name, (error.message,), None))
            continue
        results.append(ScenarioResult(scenario.name, differences(report, scenario.expected), report))
    return results


def failing_scenarios(
    uow: UnitOfWork, runtime: ProcessRuntime, process: Process, version: int, now: datetime
) -> tuple[Problem, ...]:
    """The deploy check: every difference of every saved scenario of ``process`` when played on it
    as ``version``, as problems on ``scenario:<name>`` (empty when all pass or there are none)."""
    if process.state is not ProcessState.ACTIVE:
        # A retiring process starts no new tickets, and scenarios start one: they cannot pass, and
        # retiring it (process state FadeAway/Inactive deploys a version) must not be refused for that.
        return ()
    stored = uow.scenarios.list(process.key)
    if not stored:
        return ()
    catalog = runtime.catalog(uow, now)
    problems: list[Problem] = []
    playable: list[SavedScenario] = []
    for entry in stored:
        try:
            playable.append(_parsed(entry))
        except InvalidInputError as error:
            problems.append(Problem(f"scenario:{entry.name}", error.message))
    context = runtime.engine_context(catalog, now)
    customers = customers_of(uow, playable)
    compiled = compile_process(ProcessVersion(process, version, content_hash(process)))
    for result in play_scenarios(playable, compiled, catalog, context, customers):
        problems.extend(Problem(f"scenario:{result.name}", text) for text in result.differences)
    return tuple(problems)


def refusal(key: str, problems: Sequence[Problem]) -> ScenariosFailedError:
    names = sorted({p.element.removeprefix("scenario:") for p in problems})
    return ScenariosFailedError(
        problems,
        summary=f"process '{key}' cannot be deployed: test scenario(s) {', '.join(names)} fail "
        "(deploy with force to deploy anyway)",
    )


def forced_note(note: str, problems: Sequence[Problem]) -> str:
    """The version's note when deployed despite failing scenarios: says so and names them."""
    names = sorted({p.element.removeprefix("scenario:") for p in problems})
    forced = f"deployed despite failing test scenarios: {', '.join(names)}"
    return f"{note} ({forced})" if note else forced


EXPORT_FORMAT = "ticketflow.scenarios/1"


def export_scenarios(uow_factory: UnitOfWorkFactory, key: str) -> dict[str, Any]:
    """``{"format": "ticketflow.scenarios/1", "process": KEY, "scenarios": [{"name": …, …}]}`` —
    kept apart from the process document, whose content hash identifies a version."""
    return {
        "format": EXPORT_FORMAT,
        "process": key,
        "scenarios": [{"name": s.name} | s.document() for s in list_scenarios(uow_factory, key)],
    }


def import_scenarios(
    uow_factory: UnitOfWorkFactory,
    key: str,
    document: Mapping[str, Any],
    *,
    saved_by: str,
    now: datetime,
) -> list[SavedScenario]:
    """Save every scenario of an export under ``key`` (same names are replaced), all or nothing: each
    is checked before any is saved (InvalidInputError naming ``scenarios[i].<entry>``)."""
    if document.get("format") != EXPORT_FORMAT:
        raise InvalidInputError(f"is not '{EXPORT_FORMAT}'", field="format")
    entries = document.get("scenarios")
    if not isinstance(entries, list):
        raise InvalidInputError("must be a list", field="scenarios")
    parsed = [_imported(entry, index, now, saved_by) for index, entry in enumerate(entries)]
    with uow_factory() as uow:
        for scenario in parsed:
            uow.scenarios.save(StoredScenario(key, scenario.name, scenario.document(), now, saved_by))
        uow.commit()
    return parsed


def _imported(entry: Any, index: int, now: datetime, saved_by: str) -> SavedScenario:
    where = f"scenarios[{index}]"
    if not isinstance(entry, Mapping):
        raise InvalidInputError("must be an object", field=where)
    try:
        return parse_scenario(str(entry.get("name", "")), entry, saved_at=now, saved_by=saved_by)
    except InvalidInputError as error:
        raise InvalidInputError(
            error.message.removeprefix(f"{error.field}: "), field=f"{where}.{error.field}"
        ) from None
