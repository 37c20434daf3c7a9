"""ticketflow's canonical process format, ``ticketflow.process/1``: Process ⇄ JSON-ready dict.

The document is described in ``docs/process-format.md`` and its JSON Schema comes from
``schema.process_schema()``. The writer omits optional members that hold their default, so a document
stays small and the content hash of an existing process does not change when the format later gains an
optional member. Durations are seconds (numbers); whole numbers are written as integers so that the
canonical JSON of a process does not depend on whether a position was ``276`` or ``276.0``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import timedelta
from functools import cache
from typing import Any

from jsonschema import Draft202012Validator

from ticketflow.domain.conditions import Condition, ConditionGroup, FieldMatch, MatchValue
from ticketflow.domain.definitions import (
    Activity,
    ActivityDialog,
    DialogField,
    Position,
    Process,
    ScriptCall,
    ServiceCall,
    SubProcessCall,
    Transition,
    TransitionAction,
)
from ticketflow.domain.errors import DefinitionError
from ticketflow.domain.expressions import format_expression
from ticketflow.domain.formats.native_json_reader import build_process
from ticketflow.domain.formats.schema import PROCESS_FORMAT, process_schema
from ticketflow.domain.formats.schema_problems import schema_problems
from ticketflow.domain.tickets import Value

Json = dict[str, Any]


def process_to_dict(process: Process) -> Json:
    """The ``ticketflow.process/1`` document of ``process`` (plain dicts, lists, strings, numbers)."""
    document: Json = {
        "format": PROCESS_FORMAT,
        "key": process.key,
        "name": process.name,
        "start_activity": process.start_activity,
        "activities": [_activity(a) for a in process.activities],
    }
    _put(document, "description", process.description, "")
    _put(document, "state", process.state.value, "Active")
    _put(document, "startable_by", process.startable_by.value, "agent")
    _put(document, "transitions", [_transition(t) for t in process.transitions], [])
    _put(document, "layout", {k: _position(p) for k, p in process.layout.items()}, {})
    return document


def process_from_dict(data: Mapping[str, Any]) -> Process:
    """The Process a ``ticketflow.process/1`` document describes.

    Raises ``DefinitionError`` carrying every structural problem at once: first all JSON Schema
    violations (located on ``activity:<key>``, ``transition:<key>`` … with the JSON path as field),
    then, if the shape is right, every condition expression that does not parse. References between
    elements (does a transition's target exist?) are checked by validation, not here.
    """
    problems = schema_problems(data, _validator())
    if problems:
        raise DefinitionError(problems, "the process document does not match ticketflow.process/1")
    return build_process(data)


@cache
def _validator() -> Draft202012Validator:
    # Building a validator compiles the schema; one per process is plenty.
    return Draft202012Validator(process_schema())


def canonical_json(process: Process) -> str:
    """The process document with sorted keys and no insignificant whitespace (not ASCII-escaped)."""
    return json.dumps(process_to_dict(process), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def content_hash(process: Process) -> str:
    """SHA-256 (hex) of the UTF-8 canonical JSON: what a deployed version is frozen under."""
    return hashlib.sha256(canonical_json(process).encode("utf-8")).hexdigest()


def _put(target: Json, key: str, value: object, default: object) -> None:
    if value != default:
        target[key] = value


def _number(value: float) -> float | int:
    return int(value) if float(value).is_integer() else value


def _value(value: Value) -> str | list[str]:
    return list(value) if isinstance(value, tuple) else value


def _position(position: Position) -> Json:
    return {"x": _number(position.x), "y": _number(position.y)}


def _activity(activity: Activity) -> Json:
    result: Json = {"key": activity.key, "name": activity.name, "type": activity.type.value}
    _put(result, "description", activity.description, "")
    _put(result, "dialogs", [_dialog(d) for d in activity.dialogs], [])
    if activity.script is not None:
        result["script"] = _script(activity.script)
    if activity.service is not None:
        result["service"] = _service(activity.service)
    if activity.sub_process is not None:
        result["sub_process"] = _sub_process(activity.sub_process)
    _put(result, "error_code", activity.error_code, None)
    return result


def _dialog(dialog: ActivityDialog) -> Json:
    result: Json = {"key": dialog.key, "name": dialog.name}
    _put(result, "description_short", dialog.description_short, "")
    _put(result, "description_long", dialog.description_long, "")
    _put(result, "interface", dialog.interface.value, "agent")
    _put(result, "fields", [_field(f) for f in dialog.fields], [])
    _put(result, "permission", dialog.permission, None)
    _put(result, "required_lock", dialog.required_lock, False)
    _put(result, "submit_button_text", dialog.submit_button_text, "")
    _put(result, "submit_advice_text", dialog.submit_advice_text, "")
    return result


def _field(field: DialogField) -> Json:
    result: Json = {"name": field.name}
    _put(result, "display", field.display.value, "optional")
    if field.default is not None:
        result["default"] = _value(field.default)
    _put(result, "description_short", field.description_short, "")
    _put(result, "description_long", field.description_long, "")
    _put(result, "config", dict(field.config), {})
    return result


def _script(call: ScriptCall) -> Json:
    result: Json = {"script": call.script}
    _put(result, "parameters", dict(call.parameters), {})
    return result


def _service(call: ServiceCall) -> Json:
    result: Json = {"web_service": call.web_service, "invoker": call.invoker}
    _put(result, "parameters", dict(call.parameters), {})
    _put(result, "timeout", _seconds(call.timeout), 30)
    return result


def _seconds(duration: timedelta) -> float | int:
    return _number(duration.total_seconds())


def _sub_process(call: SubProcessCall) -> Json:
    result: Json = {"process_key": call.process_key}
    _put(result, "version", call.version, None)
    _put(result, "fields_in", dict(call.fields_in), {})
    _put(result, "fields_out", dict(call.fields_out), {})
    return result


def _transition(transition: Transition) -> Json:
    result: Json = {
        "key": transition.key,
        "name": transition.name,
        "source": transition.source,
        "target": transition.target,
    }
    if transition.condition is not None:
        result["condition"] = _condition(transition.condition)
    _put(result, "actions", [_action(a) for a in transition.actions], [])
    _put(result, "description", transition.description, "")
    _put(result, "error_code", transition.error_code, None)
    return result


def _action(action: TransitionAction) -> Json:
    result: Json = {"key": action.key, "name": action.name, "module": action.module}
    _put(result, "config", {k: _value(v) for k, v in action.config.items()}, {})
    _put(result, "description", action.description, "")
    return result


def _condition(condition: Condition) -> str | Json:
    """The readable expression when the condition has one (it parses back to the same tree), else the tree."""
    expression = format_expression(condition)
    if expression is not None:
        return expression
    return {"linking": condition.linking.value, "groups": [_group(g) for g in condition.groups]}


def _group(group: ConditionGroup) -> Json:
    return {"name": group.name, "type": group.type.value, "fields": [_field_match(f) for f in group.fields]}


def _field_match(match: FieldMatch) -> Json:
    return {
        "field": match.field,
        "type": match.type.value if match.type is not None else None,
        "match": _match_value(match.match),
    }


def _match_value(value: MatchValue) -> str | list[str] | dict[str, str]:
    if isinstance(value, str):
        return value
    if isinstance(value, tuple):
        return list(value)
    return dict(value)
