"""Design-time checks of transition conditions: mistakes OTOBO only finds (and hides) at runtime.

OTOBO reports a broken condition lazily, as "no match", and a broken later sibling is never seen
(reference §3.4, §3.12 Q7/Q11). Here every field test is checked up front: its match has the shape
its type needs, patterns compile, orderings compare numbers or dates, Module names a registered
validator, and a test against a Checkbox/Dropdown/Multiselect field uses a value the field can hold.
The referenced dynamic fields themselves are checked with the other references.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from datetime import date, datetime

from ticketflow.domain.catalog import Catalog, DynamicFieldDefinition, DynamicFieldType
from ticketflow.domain.conditions import Condition, ConditionGroup, FieldMatch, MatchType, MatchValue
from ticketflow.domain.errors import Problem
from ticketflow.domain.field_values import find_dynamic_field

# The OTOBO class prefix of condition validation modules (§2.4, Module match).
OTOBO_VALIDATOR_PREFIX = "Kernel::System::ProcessManagement::TransitionValidation::"

_TEXT_MATCHES = frozenset(
    {
        MatchType.STRING,
        MatchType.NOT_EQUAL,
        MatchType.REGEXP,
        MatchType.NOT_REGEXP,
        MatchType.MODULE,
        MatchType.LESS_THAN,
        MatchType.LESS_THAN_OR_EQUAL,
        MatchType.GREATER_THAN,
        MatchType.GREATER_THAN_OR_EQUAL,
    }
)
_ORDERINGS = frozenset(
    {
        MatchType.LESS_THAN,
        MatchType.LESS_THAN_OR_EQUAL,
        MatchType.GREATER_THAN,
        MatchType.GREATER_THAN_OR_EQUAL,
    }
)
_PATTERNS = frozenset({MatchType.REGEXP, MatchType.NOT_REGEXP})
_VALUE_TESTS = frozenset({MatchType.STRING, MatchType.NOT_EQUAL, MatchType.ARRAY})
_CHECKBOX_VALUES = frozenset({"0", "1"})


def validator_name(module: str) -> str:
    """A Module match's validator without OTOBO's class prefix (``ValidateDemo``)."""
    return module.removeprefix(OTOBO_VALIDATOR_PREFIX)


def check_condition(
    element: str, condition: Condition, catalog: Catalog, validators: frozenset[str]
) -> Iterator[Problem]:
    """Problems of one transition's condition, on ``element`` with ``field`` = the tested field."""
    if not condition.groups:
        # OTOBO treats a condition without named conditions as always true (§3.4 step 6, Q10).
        yield Problem(element, "the condition has no groups and always holds", None, "warning")
    for group in condition.groups:
        yield from _check_group(element, group, catalog, validators)


def _check_group(
    element: str, group: ConditionGroup, catalog: Catalog, validators: frozenset[str]
) -> Iterator[Problem]:
    if not group.fields:
        yield Problem(element, f"condition '{group.name}' has no fields")
    for test in group.fields:
        for message, severity in _field_problems(test, catalog, validators):
            yield Problem(element, f"condition '{group.name}': {message}", test.field, severity)


def _field_problems(
    test: FieldMatch, catalog: Catalog, validators: frozenset[str]
) -> Iterator[tuple[str, str]]:
    if test.type is None:
        yield "the test has no match type; OTOBO ignores such a field (§3.12 Q2)", "warning"
        return
    shape = _shape_problem(test.type, test.match)
    if shape is not None:
        yield shape, "error"
        return
    text = test.match if isinstance(test.match, str) else ""
    if test.type in _PATTERNS:
        yield from _pattern_problems(text)
    elif test.type in _ORDERINGS:
        yield from _ordering_problems(text)
    elif test.type is MatchType.MODULE and validator_name(text) not in {
        validator_name(v) for v in validators
    }:
        yield f"no condition validator '{text}' is registered", "error"
    definition = find_dynamic_field(test.field, catalog)
    if test.type in _VALUE_TESTS and definition is not None:
        yield from _possible_value_problems(definition, test.match)


def _shape_problem(match_type: MatchType, match: MatchValue) -> str | None:
    if match_type in _TEXT_MATCHES and not isinstance(match, str):
        return f"a {match_type.value} test needs a single text value"
    if match_type is MatchType.ARRAY and not isinstance(match, tuple):
        return "an Array test needs a list of values"
    if match_type is MatchType.HASH and not isinstance(match, Mapping):
        return "a Hash test needs a map of values"
    if match_type is MatchType.STRING and match == "":
        # OTOBO refuses an empty String match (§2.4); "0" is allowed.
        return "a String test needs a non-empty value"
    return None


def _pattern_problems(pattern: str) -> Iterator[tuple[str, str]]:
    try:
        re.compile(pattern)
    except re.error as error:
        yield f"'{pattern}' is not a valid regular expression ({error})", "error"


def _ordering_problems(bound: str) -> Iterator[tuple[str, str]]:
    if not (_is_number(bound) or _is_date(bound)):
        yield f"an ordering needs a number or a date to compare with, not '{bound}'", "error"


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _is_date(text: str) -> bool:
    for pattern in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M"):
        try:
            datetime.strptime(text, pattern)  # noqa: DTZ007  # only the format is tested
        except ValueError:
            continue
        return True
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _possible_value_problems(
    definition: DynamicFieldDefinition, match: MatchValue
) -> Iterator[tuple[str, str]]:
    """A test for a value the field can never hold can never succeed (or, negated, always does)."""
    values = (match,) if isinstance(match, str) else match if isinstance(match, tuple) else ()
    if definition.type is DynamicFieldType.CHECKBOX:
        allowed = _CHECKBOX_VALUES
    elif definition.type in (DynamicFieldType.DROPDOWN, DynamicFieldType.MULTISELECT):
        allowed = frozenset(definition.possible_values)
    else:
        return
    for value in values:
        if value not in allowed:
            yield f"'{value}' is not a possible value of dynamic field '{definition.name}'", "error"
