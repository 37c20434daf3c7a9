"""What changed between two versions of a process, element by element and field by field (for
`process diff`, the versions list and the visual diff page).

Elements are compared on their ``ticketflow.process/1`` form, so a difference reads in the words of
the format (a condition as its expression, a position as numbers). Dialogs are elements of their
own (``dialog:<activity>/<dialog>``): editing a dialog does not mark its whole activity as changed.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from ticketflow.domain.definitions import Process
from ticketflow.domain.formats.native_json import process_to_dict

Json = Mapping[str, Any]
ABSENT = "(none)"


class ChangeKind(StrEnum):
    ADDED = "added"
    REMOVED = "removed"
    CHANGED = "changed"


@dataclass(frozen=True, slots=True)
class ValueChange:
    """One attribute of a changed element, before and after, as readable text."""

    attribute: str
    old: str
    new: str


@dataclass(frozen=True, slots=True)
class ElementChange:
    """One element that differs. ``attributes`` names the changed attributes of a changed element;
    ``values`` says how each changed (not part of equality: it is derived from the same data)."""

    element: str
    kind: ChangeKind
    attributes: tuple[str, ...] = ()
    values: tuple[ValueChange, ...] = field(default=(), compare=False)

    def describe(self) -> str:
        if self.kind is ChangeKind.CHANGED:
            return f"{self.element} changed: {', '.join(self.attributes)}"
        return f"{self.element} {self.kind.value}"

    @property
    def element_kind(self) -> str:
        """``activity``, ``dialog``, ``transition`` or ``process``."""
        return self.element.partition(":")[0]

    @property
    def element_key(self) -> str:
        """The key after the kind: ``approval`` of ``activity:approval``, ``a/d`` of a dialog."""
        return self.element.partition(":")[2]


def diff_processes(old: Process, new: Process) -> tuple[ElementChange, ...]:
    """Every element added, removed or changed from ``old`` to ``new``: the process's own attributes
    first, then activities, dialogs and transitions, each sorted by key.

    Layout changes are reported on the process (``layout``) so that moving boxes is visible but
    does not mark activities as changed.
    """
    return diff_documents(process_to_dict(old), process_to_dict(new))


def diff_documents(old: Json, new: Json) -> tuple[ElementChange, ...]:
    """``diff_processes`` on two ``ticketflow.process/1`` documents as the writer made them (a stored
    version's document is one): no parsing, so a long version history is compared quickly."""
    before, after = _elements(old), _elements(new)
    changes: list[ElementChange] = []
    # Where an added or removed activity sits is part of that addition or removal, not a layout change.
    kept = before.of("activity").keys() & after.of("activity").keys()
    process_change = _changed(
        "process", _kept_layout(before.process, kept), _kept_layout(after.process, kept), _PROCESS_ATTRIBUTES
    )
    if process_change is not None:
        changes.append(process_change)
    for kind in ("activity", "dialog", "transition"):
        changes += _keyed_changes(kind, before.of(kind), after.of(kind))
    return tuple(changes)


# The process's own attributes, in the order they are reported.
_PROCESS_ATTRIBUTES = ("name", "description", "state", "start_activity", "startable_by", "layout")


@dataclass(frozen=True, slots=True)
class _Elements:
    process: Json
    by_kind: Mapping[str, Mapping[str, Json]]

    def of(self, kind: str) -> Mapping[str, Json]:
        return self.by_kind[kind]


def _elements(document: Json) -> _Elements:
    activities: dict[str, Json] = {}
    dialogs: dict[str, Json] = {}
    for activity in document["activities"]:
        activities[activity["key"]] = {k: v for k, v in activity.items() if k != "dialogs"}
        for dialog in activity.get("dialogs", []):
            dialogs[f"{activity['key']}/{dialog['key']}"] = dialog
    transitions = {t["key"]: t for t in document.get("transitions", [])}
    own = {k: document.get(k) for k in _PROCESS_ATTRIBUTES}
    return _Elements(own, {"activity": activities, "dialog": dialogs, "transition": transitions})


def _kept_layout(own: Json, kept: Iterable[str]) -> Json:
    layout = own.get("layout") or {}
    return {**own, "layout": {k: p for k, p in layout.items() if k in kept} or None}


def _keyed_changes(kind: str, old: Mapping[str, Json], new: Mapping[str, Json]) -> list[ElementChange]:
    result: list[ElementChange] = []
    for key in old.keys() - new.keys():
        result.append(ElementChange(f"{kind}:{key}", ChangeKind.REMOVED))
    for key in new.keys() - old.keys():
        result.append(ElementChange(f"{kind}:{key}", ChangeKind.ADDED))
    for key in old.keys() & new.keys():
        change = _changed(f"{kind}:{key}", old[key], new[key], _ordered_keys(old[key], new[key]))
        if change is not None:
            result.append(change)
    return sorted(result, key=lambda change: (change.element, change.kind))


def _ordered_keys(old: Json, new: Json) -> tuple[str, ...]:
    return tuple(dict.fromkeys([*old, *new]))


def _changed(element: str, old: Json, new: Json, attributes: Iterable[str]) -> ElementChange | None:
    differing = tuple(a for a in attributes if old.get(a) != new.get(a))
    if not differing:
        return None
    values: list[ValueChange] = []
    for attribute in differing:
        if attribute == "layout":
            values += _layout_changes(old.get(attribute) or {}, new.get(attribute) or {})
        elif attribute in _LISTS_OF_KEYED_ITEMS:
            values += _item_changes(attribute, old.get(attribute) or [], new.get(attribute) or [])
        else:
            values.append(ValueChange(attribute, _text(old.get(attribute)), _text(new.get(attribute))))
    return ElementChange(element, ChangeKind.CHANGED, differing, tuple(values))


# Lists whose items have a key of their own (a dialog's fields, a transition's actions): a change is
# reported per item, so one field's new display reads as that, not as the whole list before and after.
_LISTS_OF_KEYED_ITEMS = {"fields": "name", "actions": "key"}


def _item_changes(attribute: str, old: list[Json], new: list[Json]) -> list[ValueChange]:
    """``fields DynamicField_X: {"display": "optional"} → {"display": "mandatory"}``, one per item that
    was added, removed or changed, and the new order when only the order changed."""
    item_key = _LISTS_OF_KEYED_ITEMS[attribute]
    before = {item[item_key]: item for item in old}
    after = {item[item_key]: item for item in new}
    changes = [
        ValueChange(
            f"{attribute} {key}", _item_text(before.get(key), item_key), _item_text(after.get(key), item_key)
        )
        for key in dict.fromkeys([*before, *after])
        if before.get(key) != after.get(key)
    ]
    kept_before = [k for k in before if k in after]
    kept_after = [k for k in after if k in before]
    if kept_before != kept_after:
        changes.append(ValueChange(f"order of {attribute}", ", ".join(kept_before), ", ".join(kept_after)))
    return changes


def _item_text(item: Json | None, item_key: str) -> str:
    if item is None:
        return ABSENT
    rest = {k: v for k, v in item.items() if k != item_key}
    return _text(rest) if rest else "(present)"


def _layout_changes(old: Json, new: Json) -> list[ValueChange]:
    """One line per box that moved, appeared or went: ``layout of approval: (100, 80) → (300, 80)``."""
    return [
        ValueChange(f"layout of {key}", _position(old.get(key)), _position(new.get(key)))
        for key in sorted(old.keys() | new.keys())
        if old.get(key) != new.get(key)
    ]


def _position(position: Json | None) -> str:
    return ABSENT if position is None else f"({position['x']}, {position['y']})"


def _text(value: object) -> str:
    if value is None:
        return ABSENT
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


# --- summaries and the union diagram -----------------------------------------------------------------

_PLURALS = {"activity": "activities", "dialog": "dialogs", "transition": "transitions"}


@dataclass(frozen=True, slots=True)
class SummaryLine:
    """How many elements of one kind were added, removed and changed."""

    elements: str  # "activities", "dialogs", "transitions"
    added: int
    removed: int
    changed: int

    def describe(self) -> str:
        counts = [(self.added, "added"), (self.removed, "removed"), (self.changed, "changed")]
        return f"{self.elements}: " + ", ".join(f"{n} {what}" for n, what in counts if n)


def summarise(changes: Iterable[ElementChange]) -> tuple[SummaryLine, ...]:
    """Counts per element kind (kinds without changes left out), activities, dialogs, transitions."""
    listed = list(changes)
    lines = []
    for kind, plural in _PLURALS.items():
        of_kind = [c.kind for c in listed if c.element_kind == kind]
        if of_kind:
            lines.append(
                SummaryLine(
                    plural,
                    of_kind.count(ChangeKind.ADDED),
                    of_kind.count(ChangeKind.REMOVED),
                    of_kind.count(ChangeKind.CHANGED),
                )
            )
    return tuple(lines)


def union_process(old: Process, new: Process) -> Process:
    """``new`` with what ``old`` had and ``new`` lost: removed activities (at their old positions) and
    removed transitions, so one diagram can show both versions."""
    kept = {a.key for a in new.activities}
    gone = tuple(a for a in old.activities if a.key not in kept)
    gone_transitions = tuple(t for t in old.transitions if t.key not in {n.key for n in new.transitions})
    layout = {**{a.key: old.layout[a.key] for a in gone if a.key in old.layout}, **new.layout}
    return replace(
        new,
        activities=new.activities + gone,
        transitions=new.transitions + gone_transitions,
        layout=layout,
    )


def diagram_marks(changes: Iterable[ElementChange]) -> dict[str, tuple[str, ...]]:
    """CSS marks per activity and transition key for the union diagram. A dialog that changed marks
    its activity ``changed`` (unless the activity itself was added or removed)."""
    listed = list(changes)
    marks: dict[str, tuple[str, ...]] = {}
    for change in listed:
        if change.element_kind in ("activity", "transition"):
            marks[change.element_key] = (change.kind.value,)
    for change in listed:
        if change.element_kind == "dialog":
            activity = change.element_key.partition("/")[0]
            marks.setdefault(activity, (ChangeKind.CHANGED.value,))
    return marks
