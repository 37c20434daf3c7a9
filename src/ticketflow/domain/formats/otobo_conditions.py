"""Transition conditions in OTOBO's shape (``Config.Condition`` / ``ConditionLinking``) ⇄ Condition.

The rules are OTOBO's, reference §2.4 and §3.4: linking precedence ``ConditionLinking`` → the
OTRS 3.3 ``Condition.Type`` → ``and``; the keys ``Type`` and ``ConditionLinking`` inside
``Condition`` are not condition names; a condition's ``Type`` defaults to ``and``; a scalar field is
a String match and a list field an Array match. Condition names and field names are visited in string
order (§3.4 step 2), so they are sorted here and the tuple order is the evaluation order.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from ticketflow.domain.conditions import Condition, ConditionGroup, FieldMatch, Linking, MatchType, MatchValue
from ticketflow.domain.errors import Problem
from ticketflow.domain.formats.otobo_reading import Report, mapping, text, texts

OTOBO_MATCH_TYPES = (MatchType.STRING, MatchType.REGEXP, MatchType.MODULE, MatchType.ARRAY, MatchType.HASH)
_NOT_CONDITION_NAMES = ("Type", "ConditionLinking")
_LINKINGS = ", ".join(linking.value for linking in Linking)
# What OTOBO's examples use for "always": every ticket has a queue (Office_Materials_Procurement).
_ALWAYS = {"1": {"Type": "and", "Fields": {"Queue": {"Type": "Regexp", "Match": "^"}}}}
_COMPARISON_MODULE = "Kernel::System::ProcessManagement::TransitionValidation::Ticketflow"


def condition_from_otobo(config: Mapping[str, Any], element: str, report: Report) -> Condition | None:
    """The condition of a transition's ``Config``; problems and warnings go to ``report``."""
    raw = mapping(config.get("Condition"))
    if raw is None:
        report.problem(element, "Config.Condition", "must be a map of named conditions")
        return None
    linking = _linking(config, raw, element, report)
    names = sorted(name for name in raw if name not in _NOT_CONDITION_NAMES)
    if not names and "Type" not in raw:
        report.problem(
            element,
            "Config.Condition",
            "is empty: OTOBO treats a transition without conditions as a configuration error that "
            "stops the check of all its sibling transitions (reference §3.4)",
        )
        return None
    if not names:
        outcome = "always true" if linking is Linking.AND else "never true"
        report.warn(
            element,
            "Config.Condition",
            f"holds only 'Type' and no named condition: OTOBO treats it as {outcome} under "
            f"{linking.value} linking (reference Q10); state the intended condition explicitly",
        )
    groups = tuple(_group(name, raw[name], f"Config.Condition.{name}", element, report) for name in names)
    return Condition(linking=linking, groups=groups)


def _linking(config: Mapping[str, Any], raw: Mapping[str, Any], element: str, report: Report) -> Linking:
    for where, value in (
        ("Config.ConditionLinking", config.get("ConditionLinking")),
        ("Config.Condition.Type", raw.get("Type")),
    ):
        if value not in (None, ""):
            return _linking_value(value, where, element, report)
    return Linking.AND


def _linking_value(value: object, where: str, element: str, report: Report) -> Linking:
    word = text(value, report, element, where)
    try:
        return Linking(word)
    except ValueError:
        report.problem(element, where, f"{word!r} is not one of {_LINKINGS}")
        return Linking.AND


def _group(name: str, raw: object, where: str, element: str, report: Report) -> ConditionGroup:
    group = mapping(raw)
    if group is None:
        report.problem(element, where, "must be a map with Type and Fields")
        return ConditionGroup(name, Linking.AND, ())
    kind = group.get("Type")
    linking = Linking.AND if kind in (None, "") else _linking_value(kind, f"{where}.Type", element, report)
    fields = mapping(group.get("Fields"))
    if not fields:
        report.problem(
            element,
            f"{where}.Fields",
            "must name at least one field: OTOBO treats a condition without fields as a configuration "
            "error (reference §3.4)",
        )
        return ConditionGroup(name, linking, ())
    matches = tuple(
        _field(field, fields[field], f"{where}.Fields.{field}", element, report) for field in sorted(fields)
    )
    return ConditionGroup(name, linking, matches)


def _field(field: str, raw: object, where: str, element: str, report: Report) -> FieldMatch:
    if isinstance(raw, list):
        return FieldMatch(field, MatchType.ARRAY, texts(raw, report, element, where))
    spec = mapping(raw) if isinstance(raw, Mapping) else None
    if spec is None:
        return FieldMatch(field, MatchType.STRING, _string_match(raw, where, element, report))
    if spec.get("Type") in (None, ""):
        report.warn(
            element,
            where,
            "has no Type: OTOBO ignores such a field, it neither matches nor fails (reference Q2); "
            "ticketflow does the same — add 'Type: String' if it should be tested",
        )
        return FieldMatch(field, None, _any_match(spec.get("Match"), where, element, report))
    kind = text(spec.get("Type"), report, element, f"{where}.Type")
    match_type = next((t for t in OTOBO_MATCH_TYPES if t.value == kind), None)
    if match_type is None:
        names = ", ".join(t.value for t in OTOBO_MATCH_TYPES)
        report.problem(element, f"{where}.Type", f"{kind!r} is not one of {names}")
        return FieldMatch(field, None, "")
    return FieldMatch(field, match_type, _typed_match(match_type, spec.get("Match"), where, element, report))


def _typed_match(kind: MatchType, raw: object, where: str, element: str, report: Report) -> MatchValue:
    where = f"{where}.Match"
    if kind is MatchType.ARRAY:
        if not isinstance(raw, list):
            report.problem(element, where, "must be a list for an Array match")
        return texts(raw, report, element, where) if isinstance(raw, list) else ()
    if kind is MatchType.HASH:
        return _hash_match(raw, where, element, report)
    if kind is MatchType.STRING:
        return _string_match(raw, where, element, report)
    value = text(raw, report, element, where)
    if kind is MatchType.REGEXP:
        _check_pattern(value, where, element, report)
    else:
        report.warn(
            element,
            where,
            f"is a Module condition ({value!r}): it runs a Perl validation module, which ticketflow "
            "cannot run, so checking it is a condition error; replace it before deploying (reference §2.4)",
        )
    return value


def _string_match(raw: object, where: str, element: str, report: Report) -> str:
    value = text(raw, report, element, where)
    if value == "":
        report.warn(element, where, "is empty: OTOBO treats an empty String match as a configuration error")
    return value


def _check_pattern(pattern: str, where: str, element: str, report: Report) -> None:
    if pattern in ("", "0"):
        report.warn(
            element, where, f"{pattern!r} is not a usable Regexp: OTOBO reports a configuration error"
        )
        return
    try:
        re.compile(pattern)
    except re.error as error:
        report.warn(element, where, f"Python cannot compile the pattern {pattern!r} ({error})")


def _hash_match(raw: object, where: str, element: str, report: Report) -> MatchValue:
    spec = mapping(raw) if isinstance(raw, Mapping) else None
    if spec is None:
        report.problem(element, where, "must be a map for a Hash match")
        return MappingProxyType({})
    return MappingProxyType({k: text(v, report, element, f"{where}.{k}") for k, v in spec.items()})


def _any_match(raw: object, where: str, element: str, report: Report) -> MatchValue:
    if isinstance(raw, list):
        return texts(raw, report, element, where)
    if isinstance(raw, Mapping):
        return _hash_match(raw, where, element, report)
    return text(raw, report, element, where)


def condition_to_otobo(condition: Condition | None, element: str, warnings: list[Problem]) -> dict[str, Any]:
    """A transition's ``Config`` for ``condition``, as close as OTOBO can express it.

    Every loss (no unconditional transition, no comparison match types) is appended to ``warnings``.
    """
    if condition is None:
        warnings.append(
            Problem(
                element,
                "OTOBO has no unconditional transition: written as 'Queue matches ^' (every ticket has a "
                "queue), the idiom of OTOBO's own examples",
                field="condition",
                severity="warning",
            )
        )
        return {"Condition": _ALWAYS, "ConditionLinking": "and"}
    raw: dict[str, Any] = {"Type": condition.linking.value} if not condition.groups else {}
    for group in condition.groups:
        raw[group.name] = {"Type": group.type.value, "Fields": _fields_to_otobo(group, element, warnings)}
    return {"Condition": raw, "ConditionLinking": condition.linking.value}


def _fields_to_otobo(group: ConditionGroup, element: str, warnings: list[Problem]) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for match in group.fields:
        if match.field in fields:
            warnings.append(
                _warning(
                    element, group, f"OTOBO keys fields by name: the second test of {match.field} is left out"
                )
            )
            continue
        fields[match.field] = _field_to_otobo(match, element, group, warnings)
    return fields


def _field_to_otobo(
    match: FieldMatch, element: str, group: ConditionGroup, warnings: list[Problem]
) -> dict[str, Any]:
    value = _plain(match.match)
    if match.type is None:
        return {"Match": value}
    if match.type in OTOBO_MATCH_TYPES:
        return {"Type": match.type.value, "Match": value}
    if match.type is MatchType.NOT_EQUAL and isinstance(value, str):
        warnings.append(
            _warning(
                element,
                group,
                f"{match.field} NotEqual is written as a Regexp; unlike "
                "NotEqual it never matches an empty value (OTOBO's Regexp rule, Q5)",
            )
        )
        return {"Type": "Regexp", "Match": rf"^(?!{re.escape(value)}\z)"}
    if match.type is MatchType.NOT_REGEXP and isinstance(value, str):
        warnings.append(
            _warning(
                element,
                group,
                f"{match.field} NotRegexp is written as a negative "
                "Regexp; it never matches an empty value (OTOBO's Regexp rule, Q5)",
            )
        )
        return {"Type": "Regexp", "Match": rf"^(?![\s\S]*?(?:{value}))"}
    warnings.append(
        _warning(
            element,
            group,
            f"OTOBO has no {match.type.value} match: {match.field} is "
            "written as a Module condition naming a module OTOBO does not have, which "
            "stops the check until someone replaces it",
        )
    )
    return {"Type": "Module", "Match": f"{_COMPARISON_MODULE}{match.type.value}"}


def _plain(value: MatchValue) -> str | list[str] | dict[str, str]:
    if isinstance(value, str):
        return value
    if isinstance(value, tuple):
        return list(value)
    return dict(value)


def _warning(element: str, group: ConditionGroup, message: str) -> Problem:
    return Problem(element, message, field=f"condition.{group.name}", severity="warning")
