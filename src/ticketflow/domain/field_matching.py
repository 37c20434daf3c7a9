"""How one field of a condition is matched against ticket data: OTOBO's match types (String,
Regexp, Array, Hash, Module; reference §2.4, §3.4) and ticketflow's comparisons, each giving a result
and a short reason for the audit trace; and the configuration checks each type needs."""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from functools import lru_cache
from types import MappingProxyType
from typing import Final, assert_never

from ticketflow.domain.condition_model import (
    VALIDATION_MODULE_PREFIX,
    FieldMatch,
    MatchType,
    MatchValue,
    Validator,
)
from ticketflow.domain.tickets import Value


class FieldConfigError(Exception):
    """A field's configuration (or, for Array, its data) cannot be evaluated; located by the caller."""


def match_field(
    field_match: FieldMatch, kind: MatchType, data: Mapping[str, Value], validators: Mapping[str, Validator]
) -> tuple[bool, str]:
    """Whether the field matches ``data``, and why; FieldConfigError if it cannot be evaluated."""
    return _FIELD_MATCHERS[kind](field_match, data, validators)


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


def check_match(field_match: FieldMatch) -> None:
    """Raise FieldConfigError if the field's ``match`` does not suit its type."""
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
        raise FieldConfigError(f"a {kind} match must be a text, not {_show_match(match)}")
    return match


def _require_text(match: MatchValue, kind: str) -> str:
    # OTOBO: "Match must be a String" unless it is a non-empty scalar; "0" is allowed (§2.4).
    text = _require_str(match, kind)
    if not text:
        raise FieldConfigError(f"a {kind} match must not be empty")
    return text


def _require_pattern(match: MatchValue, kind: str) -> re.Pattern[str]:
    text = _require_str(match, kind)
    if not text or text == "0":  # Perl-false patterns are rejected (§2.4)
        raise FieldConfigError(f"a {kind} pattern must not be empty or '0'")
    try:
        return _compiled(text)
    except re.error as error:
        raise FieldConfigError(f"the pattern /{text}/ does not compile: {error}") from None
    except FutureWarning as warning:
        # e.g. Perl's POSIX class [[:alpha:]], which Python's re reads as a different set.
        raise FieldConfigError(f"the pattern /{text}/ is ambiguous in Python: {warning}") from None


def _require_list(match: MatchValue) -> tuple[str, ...]:
    if not isinstance(match, tuple):
        raise FieldConfigError(f"an Array match must be a list, not {_show_match(match)}")
    return match


def _require_map(match: MatchValue) -> Mapping[str, str]:
    if isinstance(match, str | tuple):
        raise FieldConfigError(f"a Hash match must be a key/value map, not {_show_match(match)}")
    return match


@lru_cache(maxsize=1024)
def _compiled(pattern: str) -> re.Pattern[str]:
    # Compiled once per distinct pattern, without flags, like OTOBO's qr{$Match} (§2.4). The
    # warning filter is set only here, on the first compile of a pattern, so its cost is paid once.
    with warnings.catch_warnings():
        warnings.simplefilter("error", FutureWarning)
        return re.compile(pattern)


def module_problem(module: str, validators: Mapping[str, Validator]) -> str | None:
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
        raise FieldConfigError(f"an Array match needs list data, but {name} is {_show(value)}")
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
        raise FieldConfigError(f"no validation module {module!r} is registered")
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
