"""The catalog: the names a process definition may refer to, as they exist in this system.

Validation and the import prerequisite check read it; use cases build it from the store.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum


class DynamicFieldType(StrEnum):
    TEXT = "Text"
    TEXT_AREA = "TextArea"
    CHECKBOX = "Checkbox"
    DROPDOWN = "Dropdown"
    MULTISELECT = "Multiselect"
    DATE = "Date"
    DATE_TIME = "DateTime"


@dataclass(frozen=True, slots=True)
class DynamicFieldDefinition:
    """A ticket dynamic field. ``possible_values`` maps stored key → label (Dropdown, Multiselect)."""

    name: str
    label: str
    type: DynamicFieldType
    possible_values: Mapping[str, str] = field(default_factory=dict)

    @property
    def is_list(self) -> bool:
        return self.type is DynamicFieldType.MULTISELECT


@dataclass(frozen=True, slots=True)
class Catalog:
    """Names known to the system. ``states`` maps state name → state type (``open``, ``closed`` …);
    ``web_services`` maps web-service name → its invoker names; ``processes`` maps process key →
    deployed version numbers."""

    queues: frozenset[str] = frozenset()
    states: Mapping[str, str] = field(default_factory=dict)
    priorities: frozenset[str] = frozenset()
    types: frozenset[str] = frozenset()
    services: frozenset[str] = frozenset()
    slas: frozenset[str] = frozenset()
    users: frozenset[str] = frozenset()
    customer_users: frozenset[str] = frozenset()
    roles: frozenset[str] = frozenset()
    dynamic_fields: Mapping[str, DynamicFieldDefinition] = field(default_factory=dict)
    web_services: Mapping[str, frozenset[str]] = field(default_factory=dict)
    scripts: frozenset[str] = frozenset()
    processes: Mapping[str, tuple[int, ...]] = field(default_factory=dict)
    notification_templates: frozenset[str] = frozenset()
