"""JSON Schema errors of a process document, translated into Problems located on elements.

A Problem names the element the way the rest of ticketflow does (``activity:<key>``,
``dialog:<activity>/<dialog>``, ``transition:<key>``, ``action:<transition>/<index>``, ``process``)
and the field as the JSON path below that element, so an author sees
``activity:review.type: 'usertask' is not one of user_task, script_task, …`` rather than a schema path.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from jsonschema import Draft202012Validator, ValidationError

from ticketflow.domain.errors import Problem

_JSON_TYPES = {
    str: "a string",
    bool: "a boolean",
    int: "a number",
    float: "a number",
    list: "a list",
    dict: "an object",
    type(None): "null",
}

_TYPE_WORDS = {
    "string": "a string",
    "number": "a number",
    "integer": "a whole number",
    "boolean": "true or false",
    "array": "a list",
    "object": "an object",
    "null": "null",
}

_PATTERN_MEANINGS = {
    r"^[^\s/]+$": "must not be empty or contain whitespace or '/'",
    r"^[a-z0-9][a-z0-9._-]*$": (
        "must be lowercase letters, digits, '.', '_' or '-', starting with a letter or digit"
    ),
}

Path = Sequence[str | int]


def schema_problems(document: object, validator: Draft202012Validator) -> list[Problem]:
    """Every violation of the validator's schema by ``document``, in document order, without duplicates."""
    errors = sorted(validator.iter_errors(document), key=lambda e: _sort_key(e.absolute_path))
    found: dict[str, Problem] = {}
    for error in errors:
        for problem in _problems_of(document, error):
            found.setdefault(str(problem), problem)
    return list(found.values())


def _sort_key(path: Iterable[str | int]) -> list[tuple[int, int, str]]:
    # List indexes sort as numbers (activities[10] after activities[2]).
    return [(0, step, "") if isinstance(step, int) else (1, 0, step) for step in path]


def _problems_of(document: object, error: ValidationError) -> Iterable[Problem]:
    path = list(error.absolute_path)
    instance = error.instance
    expected: Any = error.validator_value  # typed as possibly unset; set for every validator error
    if error.validator == "required":
        missing = [m for m in expected if isinstance(instance, dict) and m not in instance]
        return [_located(document, [*path, m], "is required") for m in missing]
    if error.validator == "additionalProperties" and isinstance(instance, dict):
        known = error.schema.get("properties", {}) if isinstance(error.schema, dict) else {}
        extras = [k for k in instance if k not in known]
        return [_located(document, [*path, k], "is not a member of this element") for k in extras]
    return [_located(document, path, _message(error))]


def _message(error: ValidationError) -> str:
    value: Any = error.validator_value
    instance = error.instance
    match error.validator:
        case "enum":
            choices = ", ".join("null" if c is None else str(c) for c in value)
            return f"{instance!r} is not one of {choices}"
        case "const":
            return f"must be {value!r}, not {instance!r}"
        case "type":
            wanted = [value] if isinstance(value, str) else list(value)
            words = " or ".join(_TYPE_WORDS.get(w, w) for w in wanted)
            return f"must be {words}, not {_JSON_TYPES.get(type(instance), 'this value')}"
        case "pattern":
            return f"{instance!r} {_PATTERN_MEANINGS.get(value, f'must match {value}')}"
        case "minLength":
            return "must not be empty"
        case "minItems":
            return f"must have at least {value} item(s)"
        case "minimum":
            return f"must be at least {value}"
        case "exclusiveMinimum":
            return f"must be greater than {value}"
    return error.message


def _located(document: object, path: Path, message: str) -> Problem:
    """The Problem for ``path``: the deepest named element on it, and the rest as the field."""
    element, depth = _element(document, path)
    field = _render_path(path[depth:])
    return Problem(element=element, field=field or None, message=message)


def _element(document: object, path: Path) -> tuple[str, int]:
    """Element name and how many path steps it consumed."""
    if len(path) < 2 or path[0] not in ("activities", "transitions") or not isinstance(path[1], int):
        return "process", 0
    parent = _item(document, path[:2])
    parent_key = _key_of(parent, _render_path(path[:2]))
    kind = "activity" if path[0] == "activities" else "transition"
    child = "dialogs" if kind == "activity" else "actions"
    if len(path) >= 4 and path[2] == child and isinstance(path[3], int):
        if kind == "transition":
            return f"action:{parent_key}/{path[3]}", 4
        dialog_key = _key_of(_item(document, path[:4]), f"dialogs[{path[3]}]")
        return f"dialog:{parent_key}/{dialog_key}", 4
    return f"{kind}:{parent_key}", 2


def _item(document: object, path: Path) -> object:
    current = document
    for step in path:
        if isinstance(step, int) and isinstance(current, list) and 0 <= step < len(current):
            current = current[step]
        elif isinstance(step, str) and isinstance(current, dict):
            current = current.get(step)
        else:
            return None
    return current


def _key_of(element: object, fallback: str) -> str:
    key = element.get("key") if isinstance(element, dict) else None
    return key if isinstance(key, str) and key else fallback


def _render_path(path: Path) -> str:
    text = ""
    for step in path:
        text += f"[{step}]" if isinstance(step, int) else (f".{step}" if text else str(step))
    return text
