"""The data of a transition condition: OTOBO's two-level condition tree (reference §2.4, §3.4) and
the validation modules a ``Module`` field calls. Evaluation is in ``conditions``, field matching in
``field_matching``."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Final

from ticketflow.domain.tickets import Value


class Linking(StrEnum):
    """How named conditions are combined (``ConditionLinking``) or fields inside one (``Type``)."""

    AND = "and"
    OR = "or"
    XOR = "xor"


class MatchType(StrEnum):
    """How one field is matched. The first five are OTOBO's; the rest are ticketflow's comparisons."""

    STRING = "String"
    REGEXP = "Regexp"
    ARRAY = "Array"
    HASH = "Hash"
    MODULE = "Module"
    NOT_EQUAL = "NotEqual"
    NOT_REGEXP = "NotRegexp"
    LESS_THAN = "LessThan"
    LESS_THAN_OR_EQUAL = "LessThanOrEqual"
    GREATER_THAN = "GreaterThan"
    GREATER_THAN_OR_EQUAL = "GreaterThanOrEqual"


MatchValue = str | tuple[str, ...] | Mapping[str, str]


@dataclass(frozen=True, slots=True)
class FieldMatch:
    """One field test. ``type`` None is a field given as a map without ``Type``: OTOBO ignores it (Q2)."""

    field: str
    type: MatchType | None
    match: MatchValue


@dataclass(frozen=True, slots=True)
class ConditionGroup:
    """One named condition: fields combined by ``type``. OTOBO visits groups and fields in name order."""

    name: str
    type: Linking
    fields: tuple[FieldMatch, ...]


@dataclass(frozen=True, slots=True)
class Condition:
    """A transition's whole condition: named groups combined by ``linking``."""

    linking: Linking
    groups: tuple[ConditionGroup, ...]


Validator = Callable[[Mapping[str, Value]], bool]
"""A ``Module`` condition: told the whole ticket data, never the field name (reference §2.4)."""

VALIDATION_MODULE_PREFIX: Final = "Kernel::System::ProcessManagement::TransitionValidation::"


def _validate_demo(data: Mapping[str, Value]) -> bool:
    return data.get("Queue") == "Raw"


VALIDATE_DEMO: Final[Validator] = _validate_demo
"""OTOBO's shipped ``ValidateDemo`` module: true iff the ticket's ``Queue`` is ``Raw``."""

BUILTIN_VALIDATORS: Final[Mapping[str, Validator]] = MappingProxyType({"ValidateDemo": VALIDATE_DEMO})
"""The validators every installation has, by short module name (the full OTOBO name works too)."""
