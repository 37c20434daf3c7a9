"""Test Mode's input as data: the OTOBO-shaped ticket and the scenario, parsed from a document and
written back to one (the CLI's ``--ticket`` file, the Test page's hidden fields, saved scenarios).

The document is ``{"ticket": {...}, "submissions": [...], "service_results": {...},
"sub_process_results": {...}}``, or just the ticket's attributes. Ticket attributes use OTOBO's names
(Title, Queue, State, Priority, Lock, Owner, Responsible, Type, Service, SLA, CustomerID,
CustomerUserID, DynamicField_<Name>); values are text or lists of text.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ticketflow.domain.definitions import Interface
from ticketflow.domain.errors import InvalidInputError
from ticketflow.domain.simulation import Scenario, ServiceResult, Submission
from ticketflow.domain.tickets import TicketSnapshot, Value

# What an OTOBO-shaped test ticket gets when it does not say (OTOBO's Process::Default* settings).
# A ticket given as data has no number; e-mails and requests that quote it show this one, plainly not
# a real ticket's. A copy of a real ticket (--from-ticket) keeps that ticket's number.
TEST_TICKET_NUMBER = "TEST"

DEFAULT_TICKET: Mapping[str, str] = {
    "Title": "Test Mode ticket",
    "Queue": "Raw",
    "State": "new",
    "Priority": "3 normal",
    "Lock": "unlock",
    "Owner": "root@localhost",
}

_SCENARIO_KEYS = ("submissions", "service_results", "sub_process_results")


@dataclass(frozen=True, slots=True)
class TestInput:
    """A parsed Test Mode input: the ticket's data and the scenario to play."""

    __test__ = False  # not a pytest test class, despite the name

    ticket: Mapping[str, Value]
    scenario: Scenario


def parse_test_input(document: Mapping[str, Any]) -> TestInput:
    """The input of a document (see the module docstring); InvalidInputError naming the bad entry."""
    if not isinstance(document, Mapping):
        raise InvalidInputError("must be a JSON object", field="ticket file")
    ticket = document.get("ticket", document if "submissions" not in document else {})
    return TestInput(ticket_values(ticket), _scenario(document))


def input_document(test_input: TestInput) -> dict[str, Any]:
    """The document ``parse_test_input`` reads back as ``test_input`` (lists for multi-values)."""
    scenario = test_input.scenario
    return {
        "ticket": _plain(test_input.ticket),
        "submissions": [
            {
                "dialog": s.dialog,
                "as": s.interface.value,
                "fields": {k: v if isinstance(v, str) else list(v) for k, v in s.fields.items()},
            }
            for s in scenario.submissions
        ],
        "service_results": {
            activity: _answer_document(answer) for activity, answer in scenario.service_results.items()
        },
        "sub_process_results": {
            activity: _plain(values) for activity, values in scenario.sub_process_results.items()
        },
    }


def ticket_values(ticket: Any, where: str = "ticket") -> dict[str, Value]:
    """A ticket's attributes as ``Value``s; InvalidInputError naming ``where.<key>`` otherwise."""
    if not isinstance(ticket, Mapping):
        raise InvalidInputError("must be an object of OTOBO attribute names", field=where)
    values: dict[str, Value] = {}
    for key, value in ticket.items():
        if key in _SCENARIO_KEYS:
            continue
        values[str(key)] = _value(value, f"{where}.{key}")
    return values


def starting_snapshot(
    base: TicketSnapshot | None, values: Mapping[str, Value], state_types: Mapping[str, str]
) -> TicketSnapshot:
    """The ticket a run starts from: ``base`` (a copy of a real ticket) or OTOBO's defaults, with
    ``values`` on top; the state brings its state type along, as the ticket store does."""
    snapshot = base or TicketSnapshot({**DEFAULT_TICKET, "TicketNumber": TEST_TICKET_NUMBER}, {})
    for key, value in values.items():
        snapshot = snapshot.with_value(key, value)
    state = snapshot.value("State")
    if isinstance(state, str) and state in state_types:
        snapshot = snapshot.with_value("StateType", state_types[state])
    return snapshot


def _answer_document(answer: ServiceResult) -> dict[str, Any]:
    if answer.error_code is None and not answer.message:
        return {"values": _plain(answer.values)}
    failed: dict[str, Any] = {"message": answer.message}
    if answer.error_code is not None:
        failed["error"] = answer.error_code
    return failed


def _plain(values: Mapping[str, Value]) -> dict[str, str | list[str]]:
    return {k: v if isinstance(v, str) else list(v) for k, v in values.items()}


def _value(value: Any, where: str) -> Value:
    if isinstance(value, list | tuple):
        return tuple(str(item) for item in value)
    if isinstance(value, str | int | float):
        return str(value)
    raise InvalidInputError("must be text, a number or a list of texts", field=where)


def _scenario(document: Mapping[str, Any]) -> Scenario:
    submissions = tuple(
        _submission(entry, f"submissions[{index}]")
        for index, entry in enumerate(_list(document.get("submissions", []), "submissions"))
    )
    services = {
        str(activity): _service_result(answer, f"service_results.{activity}")
        for activity, answer in _object(document.get("service_results", {}), "service_results").items()
    }
    children = {
        str(activity): ticket_values(values, f"sub_process_results.{activity}")
        for activity, values in _object(
            document.get("sub_process_results", {}), "sub_process_results"
        ).items()
    }
    return Scenario(submissions, services, children)


def _submission(entry: Any, where: str) -> Submission:
    if not isinstance(entry, Mapping) or "dialog" not in entry:
        raise InvalidInputError("needs a 'dialog' and its 'fields'", field=where)
    fields = entry.get("fields", {})
    if not isinstance(fields, Mapping):
        raise InvalidInputError("'fields' must be an object", field=where)
    if entry.get("as") not in ("agent", "customer", None):
        raise InvalidInputError("'as' must be agent or customer", field=where)
    interface = Interface(entry.get("as") or "agent")
    values = {str(k): list(map(str, v)) if isinstance(v, list) else str(v) for k, v in fields.items()}
    return Submission(str(entry["dialog"]), values, interface)


def _service_result(answer: Any, where: str) -> ServiceResult:
    if not isinstance(answer, Mapping):
        raise InvalidInputError("must be {'values': {...}} or {'error': CODE, 'message': TEXT}", field=where)
    values = ticket_values(answer.get("values", {}), f"{where}.values")
    error = answer.get("error")
    return ServiceResult(values, str(error) if error is not None else None, str(answer.get("message", "")))


def _list(value: Any, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise InvalidInputError("must be a list", field=where)
    return value


def _object(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise InvalidInputError("must be an object", field=where)
    return value
