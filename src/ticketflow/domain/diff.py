"""What changed between two versions of a process, element by element (for `process diff` and the modeler)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields, is_dataclass
from enum import StrEnum
from typing import Any

from ticketflow.domain.definitions import Process


class ChangeKind(StrEnum):
    ADDED = "added"
    REMOVED = "removed"
    CHANGED = "changed"


@dataclass(frozen=True, slots=True)
class ElementChange:
    """One element that differs. ``attributes`` names the changed attributes of a changed element."""

    element: str
    kind: ChangeKind
    attributes: tuple[str, ...] = ()

    def describe(self) -> str:
        if self.kind is ChangeKind.CHANGED:
            return f"{self.element} changed: {', '.join(self.attributes)}"
        return f"{self.element} {self.kind.value}"


def diff_processes(old: Process, new: Process) -> tuple[ElementChange, ...]:
    """Every element added, removed or changed from ``old`` to ``new``, process attributes first.

    Layout changes are reported on the process (``layout``) so that moving boxes is visible but
    does not mark activities as changed.
    """
    changes = list(_process_changes(old, new))
    changes += _keyed_changes("activity", _by_key(old.activities), _by_key(new.activities))
    changes += _keyed_changes("transition", _by_key(old.transitions), _by_key(new.transitions))
    return tuple(changes)


_PROCESS_ATTRIBUTES = ("name", "description", "state", "start_activity", "startable_by", "layout")


def _process_changes(old: Process, new: Process) -> Iterable[ElementChange]:
    changed = tuple(a for a in _PROCESS_ATTRIBUTES if getattr(old, a) != getattr(new, a))
    if changed:
        yield ElementChange("process", ChangeKind.CHANGED, changed)


def _by_key(elements: Iterable[Any]) -> dict[str, Any]:
    return {element.key: element for element in elements}


def _keyed_changes(kind: str, old: Mapping[str, Any], new: Mapping[str, Any]) -> list[ElementChange]:
    result: list[ElementChange] = []
    for key in old.keys() - new.keys():
        result.append(ElementChange(f"{kind}:{key}", ChangeKind.REMOVED))
    for key in new.keys() - old.keys():
        result.append(ElementChange(f"{kind}:{key}", ChangeKind.ADDED))
    for key in old.keys() & new.keys():
        attributes = _changed_attributes(old[key], new[key])
        if attributes:
            result.append(ElementChange(f"{kind}:{key}", ChangeKind.CHANGED, attributes))
    return sorted(result, key=lambda change: (change.element, change.kind))


def _changed_attributes(old: Any, new: Any) -> tuple[str, ...]:
    assert is_dataclass(old)
    return tuple(f.name for f in fields(old) if getattr(old, f.name) != getattr(new, f.name))
