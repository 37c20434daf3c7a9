"""Sensible defaults for the dynamic fields and queues an imported process needs and this system lacks.

A process file names its dynamic fields but not their types (OTOBO's export carries no field
configuration). The type is read from how the process uses a field: compared with a few fixed
values it is a Dropdown of those values; only ever ``0``/``1`` a Checkbox; set to a list a
Multiselect; its name says Date or Time, a date; a long free text by name (Justification, Comment …)
a TextArea; anything else Text. Every proposal says why, and the admin can change it before creating.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from ticketflow.domain.catalog import DynamicFieldType
from ticketflow.domain.condition_model import MatchType
from ticketflow.domain.definitions import Process
from ticketflow.domain.references import action_module_name, has_placeholder
from ticketflow.domain.tickets import DYNAMIC_FIELD_PREFIX, Value

DEFAULT_QUEUE_GROUP = "users"
# Words in a field's name that mean a paragraph rather than a line.
_LONG_TEXT_WORDS = ("Justification", "Description", "Comment", "Reason", "Notes", "Details", "Explanation")
_BOOLEAN_VALUES = frozenset({"0", "1"})
# OTOBO's rule for a dynamic field's name: letters and digits only.
FIELD_NAME = re.compile(r"[A-Za-z0-9]+")


@dataclass(frozen=True, slots=True)
class FieldProposal:
    """A dynamic field to create: editable defaults and the reason for the type."""

    name: str
    label: str
    type: DynamicFieldType
    possible_values: tuple[str, ...] = ()
    reason: str = ""


@dataclass(frozen=True, slots=True)
class _Uses:
    compared: tuple[str, ...]  # values the field is tested equal to (conditions)
    assigned: tuple[Value, ...]  # values written into it (dialog defaults, transition actions)
    ordered: bool  # compared with <, <=, >, >=


def propose_field(process: Process, name: str) -> FieldProposal:
    """The defaults for dynamic field ``name`` (without the ``DynamicField_`` prefix) of ``process``."""
    uses = _uses(process, name)
    label = field_label(name)
    lists = [v for v in uses.assigned if isinstance(v, tuple)]
    if lists:
        values = _distinct(item for value in lists for item in value)
        return FieldProposal(
            name, label, DynamicFieldType.MULTISELECT, values, "the process sets it to a list"
        )
    texts = _distinct([*uses.compared, *(v for v in uses.assigned if isinstance(v, str))])
    if texts and set(texts) <= _BOOLEAN_VALUES:
        return FieldProposal(name, label, DynamicFieldType.CHECKBOX, (), "the process only uses 0 and 1")
    if len(uses.compared) >= 2 or (uses.compared and len(texts) >= 2):
        shown = ", ".join(f"'{v}'" for v in texts)
        return FieldProposal(
            name, label, DynamicFieldType.DROPDOWN, texts, f"the process compares it with {shown}"
        )
    if "DateTime" in name or "Time" in name:
        return FieldProposal(name, label, DynamicFieldType.DATE_TIME, (), "its name suggests a date and time")
    if "Date" in name or name.endswith("Due"):
        return FieldProposal(name, label, DynamicFieldType.DATE, (), "its name suggests a date")
    if any(word in name for word in _LONG_TEXT_WORDS):
        return FieldProposal(
            name, label, DynamicFieldType.TEXT_AREA, (), "its name suggests a paragraph of text"
        )
    reason = (
        "the process compares it as a number" if uses.ordered else "the process uses no fixed values for it"
    )
    return FieldProposal(name, label, DynamicFieldType.TEXT, (), reason)


def field_label(name: str) -> str:
    """``PurchaseApproval`` → ``Purchase approval``: a first label for a field created from its name."""
    words = re.findall(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+", name)
    if not words:
        return name
    first, *rest = words
    return " ".join([first, *(w if w.isupper() else w.lower() for w in rest)])


def _distinct(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v for v in values if v.strip()))


def _uses(process: Process, name: str) -> _Uses:
    qualified = DYNAMIC_FIELD_PREFIX + name
    compared: list[str] = []
    ordered = False
    for transition in process.transitions:
        for group in transition.condition.groups if transition.condition else ():
            for match in group.fields:
                if match.field != qualified:
                    continue
                if match.type is MatchType.STRING and isinstance(match.match, str):
                    compared.append(match.match)
                elif match.type is MatchType.ARRAY and isinstance(match.match, tuple):
                    compared.extend(str(v) for v in match.match)
                elif match.type in _ORDERINGS:
                    ordered = True
    assigned = [v for v in _assigned(process, name, qualified) if not has_placeholder(v)]
    return _Uses(tuple(compared), tuple(assigned), ordered)


_ORDERINGS = frozenset(
    {
        MatchType.LESS_THAN,
        MatchType.LESS_THAN_OR_EQUAL,
        MatchType.GREATER_THAN,
        MatchType.GREATER_THAN_OR_EQUAL,
    }
)


def _assigned(process: Process, name: str, qualified: str) -> Iterator[Value]:
    """Values a dialog default or a DynamicFieldSet action writes into the field."""
    for activity in process.activities:
        for dialog in activity.dialogs:
            for field in dialog.fields:
                if field.name == qualified and field.default is not None:
                    yield field.default
    for transition in process.transitions:
        for action in transition.actions:
            if action_module_name(action.module) != "DynamicFieldSet":
                continue
            for key, value in action.config.items():
                if key in (name, qualified):
                    yield value
