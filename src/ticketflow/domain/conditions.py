"""Transition conditions as data: OTOBO's two-level condition tree (reference §2.4, §3.4).

The evaluator lives beside the types (``evaluate``); the readable expression form is in ``expressions``.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from enum import Enum, StrEnum
from functools import lru_cache
from operator import attrgetter
from types import MappingProxyType
from typing import Final, assert_never

from ticketflow.domain.errors import ConditionError
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


# ---------------------------------------------------------------------------------------------
# Evaluation (reference §3.4). The code follows OTOBO's TransitionCheck step by step, because the
# short-circuits decide which configuration errors are seen and, under xor linking, the result.
# ---------------------------------------------------------------------------------------------

Validator = Callable[[Mapping[str, Value]], bool]
"""A ``Module`` condition: told the whole ticket data, never the field name (reference §2.4)."""

VALIDATION_MODULE_PREFIX: Final = "Kernel::System::ProcessManagement::TransitionValidation::"


def _validate_demo(data: Mapping[str, Value]) -> bool:
    return data.get("Queue") == "Raw"


VALIDATE_DEMO: Final[Validator] = _validate_demo
"""OTOBO's shipped ``ValidateDemo`` module: true iff the ticket's ``Queue`` is ``Raw``."""

BUILTIN_VALIDATORS: Final[Mapping[str, Validator]] = MappingProxyType({"ValidateDemo": VALIDATE_DEMO})
"""The validators every installation has, by short module name (the full OTOBO name works too)."""


@dataclass(frozen=True, slots=True)
class ConditionResult:
    """Whether a condition matched, and why: short sentences for the audit trace, in visit order."""

    matched: bool
    reasons: tuple[str, ...]


class _FieldConfigError(Exception):
    """A field's configuration (or, for Array, its data) cannot be evaluated; located by the caller."""


class _Outcome(Enum):
    """What one group contributes to the linking (reference §3.4 points 3 and 4)."""

    SUCCESS = "success"
    FAILURE = "failure"
    UNCOUNTED = "uncounted"  # abandoned by a short-circuit: neither success nor failure
    MATCH_NOW = "match now"  # the whole condition matches without looking further
    FAIL_NOW = "fail now"  # the whole condition fails without looking further


def evaluate(
    condition: Condition,
    data: Mapping[str, Value],
    validators: Mapping[str, Validator] = BUILTIN_VALIDATORS,
) -> ConditionResult:
    """Evaluate ``condition`` against OTOBO ticket data exactly as OTOBO's TransitionCheck does.

    ``data`` is keyed by OTOBO names (``Queue``, ``DynamicField_X`` …); ``validators`` resolves
    ``Module`` fields by full or short module name. Groups are visited in string order of their
    names, fields in string order of their names (written order among equal names).

    Raises ``ConditionError`` naming the group and field when evaluation reaches a misconfigured
    field, an empty group, an unknown module, or an Array match against text data (quirk Q4).
    Configuration errors behind a short-circuit are not seen, as in OTOBO (quirk Q7).
    """
    reasons: list[str] = []
    matched = _evaluate_groups(condition, data, validators, reasons)
    return ConditionResult(matched, tuple(reasons))


def condition_fields(condition: Condition) -> frozenset[str]:
    """Every ticket-data key the condition reads.

    Module fields are left out: their name is only a label, the module sees the whole ticket data.
    """
    return frozenset(
        field_match.field
        for group in condition.groups
        for field_match in group.fields
        if field_match.type is not MatchType.MODULE
    )


def find_field_problem(field_match: FieldMatch) -> str | None:
    """What makes this field's ``match`` unusable for its type, or None if it can be evaluated.

    Checks only the configuration (OTOBO's rules, reference §3.4 point 1, plus ours for the extra
    types); whether a Module is registered is checked by ``list_condition_problems``.
    """
    try:
        _check_match(field_match)
    except _FieldConfigError as problem:
        return str(problem)
    return None


def list_condition_problems(
    condition: Condition, validators: Mapping[str, Validator] = BUILTIN_VALIDATORS
) -> tuple[str, ...]:
    """Every configuration error in the condition, found without evaluating it (for deploy checks).

    OTOBO only meets these lazily at run time (quirk Q7); checking them up front is our addition.
    """
    problems: list[str] = []
    for group in _groups_in_order(condition.groups):
        if not group.fields:
            problems.append(_empty_group_message(group))
        for field_match in _fields_in_order(group.fields):
            problem = find_field_problem(field_match)
            if problem is None and field_match.type is MatchType.MODULE:
                problem = _module_problem(str(field_match.match), validators)
            if problem is not None:
                problems.append(_located(group, field_match, problem))
    return tuple(problems)


# OTOBO sorts hash keys as strings (§3.4 point 2); sorted() is stable, so equal names keep their order.


def _groups_in_order(groups: tuple[ConditionGroup, ...]) -> Sequence[ConditionGroup]:
    return groups if len(groups) < 2 else sorted(groups, key=_BY_NAME)


def _fields_in_order(fields: tuple[FieldMatch, ...]) -> Sequence[FieldMatch]:
    return fields if len(fields) < 2 else sorted(fields, key=_BY_FIELD)


_BY_NAME: Final = attrgetter("name")
_BY_FIELD: Final = attrgetter("field")


def _evaluate_groups(
    condition: Condition,
    data: Mapping[str, Value],
    validators: Mapping[str, Validator],
    reasons: list[str],
) -> bool:
    linking = condition.linking
    successes = failures = 0
    for group in _groups_in_order(condition.groups):
        outcome = _evaluate_group(group, linking, data, validators, reasons)
        if outcome is _Outcome.MATCH_NOW:
            return True
        if outcome is _Outcome.FAIL_NOW:
            return False
        if outcome is _Outcome.SUCCESS:
            successes += 1
        elif outcome is _Outcome.FAILURE:
            failures += 1
    return _conclude(condition, successes, failures, reasons)


def _conclude(condition: Condition, successes: int, failures: int, reasons: list[str]) -> bool:
    match condition.linking:
        case Linking.AND:
            if not condition.groups:
                # Q10: a condition of only ``Type`` has no groups, and nothing failed.
                reasons.append("no condition groups: true under and-linking (OTOBO quirk Q10)")
            elif failures:
                reasons.append(f"{failures} group(s) failed, so the and-linked condition fails")
            else:
                reasons.append("no group failed, so the and-linked condition matches")
            return failures == 0
        case Linking.OR:
            reasons.append("no group matched, so the or-linked condition fails")
            return False  # a counted success under or-linking has already returned
        case Linking.XOR:
            verdict = "matches" if successes == 1 else "fails"
            reasons.append(f"{successes} group(s) counted as matched; xor needs exactly one, so it {verdict}")
            return successes == 1
        case unreachable:
            assert_never(unreachable)


def _evaluate_group(
    group: ConditionGroup,
    linking: Linking,
    data: Mapping[str, Value],
    validators: Mapping[str, Validator],
    reasons: list[str],
) -> _Outcome:
    if not group.fields:
        raise ConditionError(_empty_group_message(group))
    successes = failures = 0
    for field_match in _fields_in_order(group.fields):
        kind = field_match.type
        if kind is None:
            # Q2: OTOBO defaults the type only for its check, then matches no branch.
            reasons.append(f"{field_match.field} has no match type and is ignored (OTOBO quirk Q2)")
            continue
        if _match_field(group, field_match, kind, data, validators, reasons):
            successes += 1
            if group.type is Linking.OR:
                return _or_group_matched(group, linking, reasons)
        else:
            failures += 1
            if group.type is Linking.AND:
                return _and_group_failed(group, linking, reasons)
    return _close_group(group, linking, successes, failures, reasons)


def _or_group_matched(group: ConditionGroup, linking: Linking, reasons: list[str]) -> _Outcome:
    label = _group_label(group)
    if linking is Linking.OR:
        reasons.append(f"{label} matched, so the or-linked condition matches")
        return _Outcome.MATCH_NOW
    if linking is Linking.XOR:
        # Q1: OTOBO jumps to the next group before counting, so xor never sees this success.
        reasons.append(f"{label} matched but is not counted under xor-linking (OTOBO quirk Q1)")
    else:
        reasons.append(f"{label} matched")
    return _Outcome.UNCOUNTED


def _and_group_failed(group: ConditionGroup, linking: Linking, reasons: list[str]) -> _Outcome:
    label = _group_label(group)
    if linking is Linking.AND:
        reasons.append(f"{label} failed, so the and-linked condition fails")
        return _Outcome.FAIL_NOW
    reasons.append(f"{label} failed")  # abandoned uncounted; or/xor linking only count successes
    return _Outcome.UNCOUNTED


def _close_group(
    group: ConditionGroup, linking: Linking, successes: int, failures: int, reasons: list[str]
) -> _Outcome:
    label = _group_label(group)
    match group.type:
        case Linking.AND:
            matched, detail = failures == 0, ""
        case Linking.OR:
            matched, detail = successes > 0, ": no field matched"
        case Linking.XOR:
            matched, detail = successes == 1, f": {successes} fields matched, xor needs exactly one"
        case unreachable:
            assert_never(unreachable)
    if matched:
        if linking is Linking.OR:
            reasons.append(f"{label} matched, so the or-linked condition matches")
            return _Outcome.MATCH_NOW
        reasons.append(f"{label} matched")
        return _Outcome.SUCCESS
    if linking is Linking.AND and group.type is not Linking.XOR:
        # OTOBO leaves a failing xor group counted but keeps visiting the later groups.
        reasons.append(f"{label} failed{detail}, so the and-linked condition fails")
        return _Outcome.FAIL_NOW
    reasons.append(f"{label} failed{detail}")
    return _Outcome.FAILURE


def _match_field(
    group: ConditionGroup,
    field_match: FieldMatch,
    kind: MatchType,
    data: Mapping[str, Value],
    validators: Mapping[str, Validator],
    reasons: list[str],
) -> bool:
    try:
        matched, reason = _FIELD_MATCHERS[kind](field_match, data, validators)
    except _FieldConfigError as problem:
        raise ConditionError(_located(group, field_match, str(problem))) from None
    reasons.append(reason)
    return matched


_FieldMatcher = Callable[[FieldMatch, Mapping[str, Value], Mapping[str, Validator]], tuple[bool, str]]


def _string_field(
    field_match: FieldMatch, data: Mapping[str, Value], _: Mapping[str, Validator]
) -> tuple[bool, str]:
    expected = _require_text(field_match.match, "String")
    return _match_string(field_match.field, expected, data.get(field_match.field))


def _not_equal_field(
    field_match: FieldMatch, data: Mapping[str, Value], _: Mapping[str, Validator]
) -> tuple[bool, str]:
    unwanted = _require_str(field_match.match, "NotEqual")
    return _match_not_equal(field_match.field, unwanted, data.get(field_match.field))


def _regexp_field(
    field_match: FieldMatch, data: Mapping[str, Value], _: Mapping[str, Validator]
) -> tuple[bool, str]:
    pattern = _require_pattern(field_match.match, "Regexp")
    return _match_regexp(field_match.field, pattern, data.get(field_match.field))


def _not_regexp_field(
    field_match: FieldMatch, data: Mapping[str, Value], _: Mapping[str, Validator]
) -> tuple[bool, str]:
    # The exact negation of Regexp, gate included: for any data exactly one of the two holds.
    pattern = _require_pattern(field_match.match, "NotRegexp")
    matched, reason = _match_regexp(field_match.field, pattern, data.get(field_match.field))
    return not matched, reason


def _array_field(
    field_match: FieldMatch, data: Mapping[str, Value], _: Mapping[str, Validator]
) -> tuple[bool, str]:
    wanted = _require_list(field_match.match)
    return _match_array(field_match.field, wanted, data.get(field_match.field))


def _hash_field(
    field_match: FieldMatch, data: Mapping[str, Value], _: Mapping[str, Validator]
) -> tuple[bool, str]:
    _require_map(field_match.match)
    return False, _not_a_map(field_match.field, data.get(field_match.field))


def _module_field(
    field_match: FieldMatch, data: Mapping[str, Value], validators: Mapping[str, Validator]
) -> tuple[bool, str]:
    return _match_module(_require_text(field_match.match, "Module"), data, validators)


def _ordering_field(ordering: MatchType) -> _FieldMatcher:
    def match_ordering(
        field_match: FieldMatch, data: Mapping[str, Value], _: Mapping[str, Validator]
    ) -> tuple[bool, str]:
        expected = _require_text(field_match.match, ordering.value)
        return _match_ordering(field_match.field, ordering, expected, data.get(field_match.field))

    return match_ordering


def _matcher_for(kind: MatchType) -> _FieldMatcher:
    match kind:
        case MatchType.STRING:
            return _string_field
        case MatchType.NOT_EQUAL:
            return _not_equal_field
        case MatchType.REGEXP:
            return _regexp_field
        case MatchType.NOT_REGEXP:
            return _not_regexp_field
        case MatchType.ARRAY:
            return _array_field
        case MatchType.HASH:
            return _hash_field
        case MatchType.MODULE:
            return _module_field
        case (
            MatchType.LESS_THAN
            | MatchType.LESS_THAN_OR_EQUAL
            | MatchType.GREATER_THAN
            | MatchType.GREATER_THAN_OR_EQUAL
        ):
            return _ordering_field(kind)
        case unreachable:
            assert_never(unreachable)


# Looked up per field: a dict is much cheaper than walking the match statement each time.
_FIELD_MATCHERS: Final[Mapping[MatchType, _FieldMatcher]] = {kind: _matcher_for(kind) for kind in MatchType}


def _check_match(field_match: FieldMatch) -> None:
    match, kind = field_match.match, field_match.type
    if kind in (MatchType.REGEXP, MatchType.NOT_REGEXP):
        _require_pattern(match, kind.value)
    elif kind is MatchType.NOT_EQUAL:
        _require_str(match, kind.value)
    elif kind is MatchType.ARRAY:
        _require_list(match)
    elif kind is MatchType.HASH:
        _require_map(match)
    elif kind is not None:
        _require_text(match, kind.value)


# --- configuration checks: each returns the match narrowed to what its type needs ------------


def _require_str(match: MatchValue, kind: str) -> str:
    if not isinstance(match, str):
        raise _FieldConfigError(f"a {kind} match must be a text, not {_show_match(match)}")
    return match


def _require_text(match: MatchValue, kind: str) -> str:
    # OTOBO: "Match must be a String" unless it is a non-empty scalar; "0" is allowed (§2.4).
    text = _require_str(match, kind)
    if not text:
        raise _FieldConfigError(f"a {kind} match must not be empty")
    return text


def _require_pattern(match: MatchValue, kind: str) -> re.Pattern[str]:
    text = _require_str(match, kind)
    if not text or text == "0":  # Perl-false patterns are rejected (§2.4)
        raise _FieldConfigError(f"a {kind} pattern must not be empty or '0'")
    try:
        return _compiled(text)
    except re.error as error:
        raise _FieldConfigError(f"the pattern /{text}/ does not compile: {error}") from None
    except FutureWarning as warning:
        # e.g. Perl's POSIX class [[:alpha:]], which Python's re reads as a different set.
        raise _FieldConfigError(f"the pattern /{text}/ is ambiguous in Python: {warning}") from None


def _require_list(match: MatchValue) -> tuple[str, ...]:
    if not isinstance(match, tuple):
        raise _FieldConfigError(f"an Array match must be a list, not {_show_match(match)}")
    return match


def _require_map(match: MatchValue) -> Mapping[str, str]:
    if isinstance(match, str | tuple):
        raise _FieldConfigError(f"a Hash match must be a key/value map, not {_show_match(match)}")
    return match


@lru_cache(maxsize=1024)
def _compiled(pattern: str) -> re.Pattern[str]:
    # Compiled once per distinct pattern, without flags, like OTOBO's qr{$Match} (§2.4). The
    # warning filter is set only here, on the first compile of a pattern, so its cost is paid once.
    with warnings.catch_warnings():
        warnings.simplefilter("error", FutureWarning)
        return re.compile(pattern)


def _module_problem(module: str, validators: Mapping[str, Validator]) -> str | None:
    if _find_validator(module, validators) is None:
        return f"no validation module {module!r} is registered"
    return None


def _find_validator(module: str, validators: Mapping[str, Validator]) -> Validator | None:
    found = validators.get(module)
    if found is None:
        short = module.removeprefix(VALIDATION_MODULE_PREFIX)
        other = short if short != module else VALIDATION_MODULE_PREFIX + module
        found = validators.get(other)
    return found


# --- matchers: each returns (matched, reason) ------------------------------------------------


def _match_string(name: str, expected: str, value: Value | None) -> tuple[bool, str]:
    if value is None:
        return False, f"{name} is missing"
    if isinstance(value, str):
        if value == expected:
            return True, f"{name} is {value!r}, equals {expected!r}"
        return False, f"{name} is {_show(value)}, does not equal {expected!r}"
    if expected in value:
        return True, f"{name} is {_show(value)}, contains {expected!r}"
    return False, f"{name} is {_show(value)}, does not contain {expected!r}"


def _match_not_equal(name: str, unwanted: str, value: Value | None) -> tuple[bool, str]:
    if value is None:
        return True, f"{name} is missing, so it differs from {unwanted!r}"
    if isinstance(value, str):
        if value != unwanted:
            return True, f"{name} is {_show(value)}, differs from {unwanted!r}"
        return False, f"{name} is {value!r}, equals {unwanted!r}"
    if unwanted in value:
        return False, f"{name} is {_show(value)}, contains {unwanted!r}"
    return True, f"{name} is {_show(value)}, does not contain {unwanted!r}"


def _match_regexp(name: str, pattern: re.Pattern[str], value: Value | None) -> tuple[bool, str]:
    shown = f"/{pattern.pattern}/"
    if value is None:
        return False, f"{name} is missing"
    if isinstance(value, str):
        if value in ("", "0"):
            # Q5: OTOBO only matches Perl-true data; a list is always true, its elements are not gated.
            return False, f"{name} is {value!r}, which never matches a pattern (OTOBO quirk Q5)"
        if pattern.search(value) is not None:
            return True, f"{name} is {value!r}, matches {shown}"
        return False, f"{name} is {_show(value)}, does not match {shown}"
    for item in value:
        if pattern.search(item) is not None:
            return True, f"{name} is {_show(value)}, element {item!r} matches {shown}"
    return False, f"{name} is {_show(value)}, no element matches {shown}"


def _match_array(name: str, wanted: tuple[str, ...], value: Value | None) -> tuple[bool, str]:
    if not wanted:
        # OTOBO never dereferences the data for an empty Match list: 0 found == 0 wanted.
        return True, f"{name}: an empty Array match always holds"
    if value is None:
        return False, f"{name} is missing"
    if isinstance(value, str):
        # Q4: OTOBO dies dereferencing text as a list; we make it a configuration error.
        raise _FieldConfigError(f"an Array match needs list data, but {name} is {_show(value)}")
    # Q3: OTOBO counts every equal data element per wanted element, duplicates included.
    found = sum(value.count(item) for item in wanted)
    matched = found == len(wanted)
    contains_all = set(wanted).issubset(value)
    if matched == contains_all:
        verb = "contains" if matched else "does not contain"
        return matched, f"{name} is {_show(value)}, {verb} all of {_show(wanted)}"
    return matched, (
        f"{name} is {_show(value)}: {found} equal element(s) counted for {len(wanted)} wanted "
        f"in {_show(wanted)}, so {'a match' if matched else 'no match'} (OTOBO quirk Q3)"
    )


def _not_a_map(name: str, value: Value | None) -> str:
    # Ticket data holds texts and lists only, so a Hash match never holds (OTOBO: data not a HASH).
    if value is None:
        return f"{name} is missing"
    return f"{name} is {_show(value)}, not a key/value map"


def _match_module(
    module: str, data: Mapping[str, Value], validators: Mapping[str, Validator]
) -> tuple[bool, str]:
    validator = _find_validator(module, validators)
    if validator is None:
        raise _FieldConfigError(f"no validation module {module!r} is registered")
    short = module.removeprefix(VALIDATION_MODULE_PREFIX)
    if validator(data):
        return True, f"validation module {short} says yes"
    return False, f"validation module {short} says no"


# --- ordering comparisons (ticketflow's; Znuny has similar ones, reference §10) --------------

_ORDERING_WORDS: Final[Mapping[MatchType, str]] = MappingProxyType(
    {
        MatchType.LESS_THAN: "less than",
        MatchType.LESS_THAN_OR_EQUAL: "at most",
        MatchType.GREATER_THAN: "greater than",
        MatchType.GREATER_THAN_OR_EQUAL: "at least",
    }
)
_NUMBER: Final = re.compile(r"[+-]?\d+(?:\.\d+)?")
_MOMENT: Final = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?: (\d{2}):(\d{2})(?::(\d{2}))?)?")


def _match_ordering(name: str, ordering: MatchType, expected: str, value: Value | None) -> tuple[bool, str]:
    words = _ORDERING_WORDS[ordering]
    if value is None or value == "":
        # An unset field is often stored as "": neither is ordered against anything.
        return False, f"{name} is {'missing' if value is None else 'empty'}"
    if isinstance(value, str):
        holds, basis = _holds(ordering, value, expected)
        verdict = words if holds else f"not {words}"
        return holds, f"{name} is {value!r}, {verdict} {expected!r} ({basis})"
    for item in value:  # a list holds if any non-empty element does, like String and Regexp
        holds, basis = _holds(ordering, item, expected) if item else (False, "")
        if holds:
            return True, f"{name} is {_show(value)}, element {item!r} is {words} {expected!r} ({basis})"
    return False, f"{name} is {_show(value)}, no element is {words} {expected!r}"


def ordering_holds(ordering: MatchType, left: str, right: str) -> bool:
    """Whether ``left <ordering> right`` holds for an ordering match type (numbers, dates, else texts)."""
    return _holds(ordering, left, right)[0]


def pattern_for(text: str) -> re.Pattern[str]:
    """The compiled pattern of a Regexp/NotRegexp match that ``find_field_problem`` accepted."""
    return _compiled(text)


def _holds(ordering: MatchType, left: str, right: str) -> tuple[bool, str]:
    order, basis = _three_way(left, right)
    if ordering is MatchType.LESS_THAN:
        return order < 0, basis
    if ordering is MatchType.LESS_THAN_OR_EQUAL:
        return order <= 0, basis
    if ordering is MatchType.GREATER_THAN:
        return order > 0, basis
    return order >= 0, basis


def _three_way(left: str, right: str) -> tuple[int, str]:
    """-1, 0 or 1 comparing as numbers, else as date-times, else as texts; and which it was."""
    left_number, right_number = _as_number(left), _as_number(right)
    if left_number is not None and right_number is not None:
        return (left_number > right_number) - (left_number < right_number), "as numbers"
    left_moment, right_moment = _as_moment(left), _as_moment(right)
    if left_moment is not None and right_moment is not None:
        return (left_moment > right_moment) - (left_moment < right_moment), "as dates"
    return (left > right) - (left < right), "as texts"


@lru_cache(maxsize=4096)
def _as_number(text: str) -> Decimal | None:
    return Decimal(text) if _NUMBER.fullmatch(text) else None


@lru_cache(maxsize=4096)
def _as_moment(text: str) -> datetime | None:
    found = _MOMENT.fullmatch(text)
    if found is None:
        return None
    year, month, day, hour, minute, second = (int(part) for part in found.groups(default="0"))
    try:
        # Only compared with each other, so the zone is irrelevant; UTC keeps it aware.
        return datetime(year, month, day, hour, minute, second, tzinfo=UTC)
    except ValueError:  # 2024-02-30 is no date: compare as text
        return None


# --- reason and message text -------------------------------------------------------------------

_SHOWN_LENGTH: Final = 60


def _show(value: str | tuple[str, ...]) -> str:
    if isinstance(value, str):
        return repr(value if len(value) <= _SHOWN_LENGTH else value[:_SHOWN_LENGTH] + "…")
    return "[" + ", ".join(_show(item) for item in value) + "]"


def _show_match(match: MatchValue) -> str:
    if isinstance(match, str | tuple):
        return _show(match)
    return "a key/value map"


def _group_label(group: ConditionGroup) -> str:
    return f"group {group.name!r} ({group.type})"  # a StrEnum formats as its value


def _empty_group_message(group: ConditionGroup) -> str:
    return f"condition group {group.name!r} has no fields"


def _located(group: ConditionGroup, field_match: FieldMatch, problem: str) -> str:
    return f"condition group {group.name!r}, field {field_match.field!r}: {problem}"
