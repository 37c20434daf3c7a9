"""Transition conditions: OTOBO's two-level condition tree (reference §2.4, §3.4) evaluated exactly
as OTOBO's TransitionCheck does, with a reason for every visited field.

The tree's data types live in ``condition_model`` and are re-exported here (this is the module the
rest of the code imports); one field's matching is in ``field_matching``; the readable expression
form is in ``expressions``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from operator import attrgetter
from typing import Final, assert_never

from ticketflow.domain.condition_model import (
    BUILTIN_VALIDATORS,
    VALIDATE_DEMO,
    VALIDATION_MODULE_PREFIX,
    Condition,
    ConditionGroup,
    FieldMatch,
    Linking,
    MatchType,
    MatchValue,
    Validator,
)
from ticketflow.domain.errors import ConditionError
from ticketflow.domain.field_matching import FieldConfigError, check_match, match_field, module_problem
from ticketflow.domain.tickets import Value

__all__ = [
    "BUILTIN_VALIDATORS",
    "VALIDATE_DEMO",
    "VALIDATION_MODULE_PREFIX",
    "Condition",
    "ConditionGroup",
    "ConditionResult",
    "FieldMatch",
    "Linking",
    "MatchType",
    "MatchValue",
    "Validator",
    "condition_fields",
    "evaluate",
    "find_field_problem",
    "list_condition_problems",
]


@dataclass(frozen=True, slots=True)
class ConditionResult:
    """Whether a condition matched, and why: short sentences for the audit trace, in visit order."""

    matched: bool
    reasons: tuple[str, ...]


class _Outcome(Enum):
    """What one group contributes to the linking (reference §3.4 points 3 and 4)."""

    SUCCESS = "success"
    FAILURE = "failure"
    UNCOUNTED = "uncounted"  # abandoned by a short-circuit: neither success nor failure
    MATCH_NOW = "match now"  # the whole condition matches without looking further
    FAIL_NOW = "fail now"  # the whole condition fails without looking further


# ---------------------------------------------------------------------------------------------
# Evaluation (reference §3.4). The code follows OTOBO's TransitionCheck step by step, because the
# short-circuits decide which configuration errors are seen and, under xor linking, the result.
# ---------------------------------------------------------------------------------------------


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
        check_match(field_match)
    except FieldConfigError as problem:
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
                problem = module_problem(str(field_match.match), validators)
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
        matched, reason = match_field(field_match, kind, data, validators)
    except FieldConfigError as problem:
        raise ConditionError(_located(group, field_match, str(problem))) from None
    reasons.append(reason)
    return matched


def _group_label(group: ConditionGroup) -> str:
    return f"group {group.name!r} ({group.type})"  # a StrEnum formats as its value


def _empty_group_message(group: ConditionGroup) -> str:
    return f"condition group {group.name!r} has no fields"


def _located(group: ConditionGroup, field_match: FieldMatch, problem: str) -> str:
    return f"condition group {group.name!r}, field {field_match.field!r}: {problem}"
