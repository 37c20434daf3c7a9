"""Helpers for the tests over OTOBO's 25 shipped example processes (``../shared/otobo-examples``).

The examples are OTOBO's data (GPL-3.0): they are read from the shared folder, never copied here. They
are parsed with ``yaml.BaseLoader`` so every scalar stays the text OTOBO itself reads (reference §5.1).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from ticketflow.domain.catalog import Catalog, DynamicFieldType
from ticketflow.domain.conditions import MatchType
from ticketflow.domain.definitions import Process
from ticketflow.domain.references import Reference, ReferenceKind, action_module_name, collect_references
from ticketflow.domain.tickets import DYNAMIC_FIELD_PREFIX
from ticketflow.usecases.catalog_records import (
    Agent,
    CatalogRecord,
    DynamicField,
    NotificationTemplate,
    Priority,
    Queue,
    Role,
    Service,
    Sla,
    State,
    TicketType,
    WebService,
)
from ticketflow.usecases.processes import parse_document

EXAMPLES = Path(__file__).parents[2].parent / "shared" / "otobo-examples"
SKIP_REASON = f"OTOBO's example processes are not available at {EXAMPLES}"

# reference §7.1 and the README: processes with dialogs and actions that run as shipped.
COMPLETE = (
    "Application_for_leave",
    "Conference_Room_Reservation",
    "Office_Materials_Procurement",
    "Order_Request_Management",
    "Request_For_Leave_Management",
    "Start_RMA",
    "Travel_expense",
)


def example_names() -> list[str]:
    """The stems of the example files (empty when the folder is absent)."""
    return sorted(path.stem for path in EXAMPLES.glob("*.yml")) if EXAMPLES.is_dir() else []


@cache
def _example_document(name: str) -> dict[str, Any]:
    text = (EXAMPLES / f"{name}.yml").read_text(encoding="utf-8")
    document = yaml.load(text, Loader=yaml.CBaseLoader if hasattr(yaml, "CBaseLoader") else yaml.BaseLoader)
    assert isinstance(document, dict)
    return document


def load_example(name: str) -> dict[str, Any]:
    """A fresh copy of one example, parsed as OTOBO reads it (every scalar a text)."""
    return copy.deepcopy(_example_document(name))


@cache
def parsed_example(name: str) -> Process:
    """The example as ticketflow reads it (immutable, so shared)."""
    return parse_document(_example_document(name)).process


def missing_of(process: Process, catalog: Catalog) -> tuple[Reference, ...]:
    """The references of ``process`` that ``catalog`` lacks, decided here from the catalog's names
    (independently of ``missing_references``, whose output the tests compare with this)."""
    present: Mapping[ReferenceKind, Iterable[str]] = {
        ReferenceKind.QUEUE: catalog.queues,
        ReferenceKind.STATE: catalog.states,
        ReferenceKind.PRIORITY: catalog.priorities,
        ReferenceKind.TYPE: catalog.types,
        ReferenceKind.SERVICE: catalog.services,
        ReferenceKind.SLA: catalog.slas,
        ReferenceKind.USER: catalog.users,
        ReferenceKind.ROLE: catalog.roles,
        ReferenceKind.DYNAMIC_FIELD: catalog.dynamic_fields,
        ReferenceKind.WEB_SERVICE: catalog.web_services,
        ReferenceKind.SCRIPT: catalog.scripts,
        ReferenceKind.PROCESS: catalog.processes,
        ReferenceKind.NOTIFICATION_TEMPLATE: catalog.notification_templates,
    }
    return tuple(
        ref
        for ref in collect_references(process).items
        if ref.kind is not ReferenceKind.INVOKER and ref.name not in present[ref.kind]
    )


def _compared_values(process: Process) -> tuple[dict[str, set[str]], set[str]]:
    """Per dynamic field: the fixed values conditions compare it with (String) and DynamicFieldSet
    sets it to; and the fields that are also matched by pattern or set from a tag (free text)."""
    values: dict[str, set[str]] = {}
    free: set[str] = set()
    for transition in process.transitions:
        groups = transition.condition.groups if transition.condition is not None else ()
        for match in (m for g in groups for m in g.fields if m.field.startswith(DYNAMIC_FIELD_PREFIX)):
            name = match.field.removeprefix(DYNAMIC_FIELD_PREFIX)
            if match.type is MatchType.STRING and isinstance(match.match, str):
                values.setdefault(name, set()).add(match.match)
            else:
                free.add(name)
        for action in transition.actions:
            if action_module_name(action.module) != "DynamicFieldSet":
                continue
            for key, value in action.config.items():
                name = key.removeprefix(DYNAMIC_FIELD_PREFIX)
                if isinstance(value, str) and "<" not in value:
                    values.setdefault(name, set()).add(value)
                else:
                    free.add(name)
    return values, free


def dynamic_field_for(name: str, process: Process) -> DynamicField:
    """A Dropdown when the process compares the field only with (or sets it only to) fixed values —
    those values plus its dialog defaults are the choices —, a Text field otherwise. (OTOBO's
    ``_pre.pm`` hooks create such fields; their exact definitions are not part of the examples.)"""
    values, free = _compared_values(process)
    if name not in values or name in free:
        return DynamicField(name, name, DynamicFieldType.TEXT)
    choices = set(values[name]) - {""}
    for activity in process.activities:
        for field in (f for d in activity.dialogs for f in d.fields):
            if field.name == DYNAMIC_FIELD_PREFIX + name and isinstance(field.default, str) and field.default:
                choices.add(field.default)
    possible = {value: value for value in sorted(choices)}
    return DynamicField(name, name, DynamicFieldType.DROPDOWN, {"PossibleValues": possible})


_SIMPLE: Mapping[ReferenceKind, Callable[[str], CatalogRecord]] = {
    ReferenceKind.QUEUE: Queue,
    ReferenceKind.PRIORITY: Priority,
    ReferenceKind.TYPE: TicketType,
    ReferenceKind.SERVICE: Service,
    ReferenceKind.SLA: Sla,
    ReferenceKind.USER: Agent,
    ReferenceKind.ROLE: Role,
    ReferenceKind.WEB_SERVICE: WebService,
    ReferenceKind.NOTIFICATION_TEMPLATE: lambda name: NotificationTemplate(name, name, name),
}


def _state(name: str) -> State:
    for prefix, kind in (
        ("closed", "closed"),
        ("pending auto", "pending auto"),
        ("pending", "pending reminder"),
    ):
        if name.startswith(prefix):
            return State(name, kind)
    return State(name, "open")


def records_for(missing: Iterable[Reference], process: Process) -> Iterator[CatalogRecord]:
    """One catalog record per missing reference."""
    for ref in missing:
        if ref.kind is ReferenceKind.DYNAMIC_FIELD:
            yield dynamic_field_for(ref.name, process)
        elif ref.kind is ReferenceKind.STATE:
            yield _state(ref.name)
        elif ref.kind in _SIMPLE:
            yield _SIMPLE[ref.kind](ref.name)
        else:
            raise AssertionError(f"the examples are not expected to need a {ref.kind.value}: {ref.label}")
