"""Build a Process from a ``ticketflow.process/1`` document that already passed the JSON Schema.

Because the schema was checked first, every member has the right JSON type here; what is left to
find are problems the schema cannot see (condition expressions that do not parse). They are all
collected and raised together as one ``DefinitionError``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from types import MappingProxyType
from typing import Any

from ticketflow.domain.conditions import Condition, ConditionGroup, FieldMatch, Linking, MatchType, MatchValue
from ticketflow.domain.definitions import (
    Activity,
    ActivityDialog,
    ActivityType,
    DialogField,
    FieldDisplay,
    Interface,
    Position,
    Process,
    ProcessState,
    ScriptCall,
    ServiceCall,
    SubProcessCall,
    Transition,
    TransitionAction,
)
from ticketflow.domain.errors import DefinitionError, InvalidInputError, Problem
from ticketflow.domain.expressions import parse_expression
from ticketflow.domain.tickets import Value

Json = Mapping[str, Any]


def build_process(data: Json) -> Process:
    """The Process of a schema-valid document; ``DefinitionError`` lists unparsable conditions."""
    problems: list[Problem] = []
    transitions = tuple(_transition(t, problems) for t in data.get("transitions", ()))
    if problems:
        raise DefinitionError(problems, "the process document has invalid conditions")
    return Process(
        key=data["key"],
        name=data["name"],
        start_activity=data["start_activity"],
        activities=tuple(_activity(a) for a in data["activities"]),
        transitions=transitions,
        description=data.get("description", ""),
        state=ProcessState(data.get("state", "Active")),
        startable_by=Interface(data.get("startable_by", "agent")),
        layout={k: Position(float(p["x"]), float(p["y"])) for k, p in data.get("layout", {}).items()},
    )


def _texts(data: Json, key: str) -> Mapping[str, str]:
    return MappingProxyType(dict(data.get(key, {})))


def _value(raw: str | list[str]) -> Value:
    return tuple(raw) if isinstance(raw, list) else raw


def _activity(data: Json) -> Activity:
    return Activity(
        key=data["key"],
        name=data["name"],
        type=ActivityType(data["type"]),
        description=data.get("description", ""),
        dialogs=tuple(_dialog(d) for d in data.get("dialogs", ())),
        script=_script(data["script"]) if "script" in data else None,
        service=_service(data["service"]) if "service" in data else None,
        sub_process=_sub_process(data["sub_process"]) if "sub_process" in data else None,
        error_code=data.get("error_code"),
    )


def _dialog(data: Json) -> ActivityDialog:
    return ActivityDialog(
        key=data["key"],
        name=data["name"],
        description_short=data.get("description_short", ""),
        description_long=data.get("description_long", ""),
        interface=Interface(data.get("interface", "agent")),
        fields=tuple(_field(f) for f in data.get("fields", ())),
        permission=data.get("permission"),
        required_lock=data.get("required_lock", False),
        submit_button_text=data.get("submit_button_text", ""),
        submit_advice_text=data.get("submit_advice_text", ""),
    )


def _field(data: Json) -> DialogField:
    default = data.get("default")
    return DialogField(
        name=data["name"],
        display=FieldDisplay(data.get("display", "optional")),
        default=_value(default) if default is not None else None,
        description_short=data.get("description_short", ""),
        description_long=data.get("description_long", ""),
        config=_texts(data, "config"),
    )


def _script(data: Json) -> ScriptCall:
    return ScriptCall(script=data["script"], parameters=_texts(data, "parameters"))


def _service(data: Json) -> ServiceCall:
    return ServiceCall(
        web_service=data["web_service"],
        invoker=data["invoker"],
        parameters=_texts(data, "parameters"),
        timeout=timedelta(seconds=data.get("timeout", 30)),
    )


def _sub_process(data: Json) -> SubProcessCall:
    return SubProcessCall(
        process_key=data["process_key"],
        version=data.get("version"),
        fields_in=_texts(data, "fields_in"),
        fields_out=_texts(data, "fields_out"),
    )


def _transition(data: Json, problems: list[Problem]) -> Transition:
    return Transition(
        key=data["key"],
        name=data["name"],
        source=data["source"],
        target=data["target"],
        condition=_condition(data.get("condition"), data["key"], problems),
        actions=tuple(_action(a) for a in data.get("actions", ())),
        description=data.get("description", ""),
        error_code=data.get("error_code"),
    )


def _action(data: Json) -> TransitionAction:
    return TransitionAction(
        key=data["key"],
        name=data["name"],
        module=data["module"],
        config={k: _value(v) for k, v in data.get("config", {}).items()},
        description=data.get("description", ""),
    )


def _condition(raw: str | Json | None, transition: str, problems: list[Problem]) -> Condition | None:
    if raw is None:
        return None
    if isinstance(raw, str):
        try:
            return parse_expression(raw)
        except InvalidInputError as error:
            problems.append(Problem(f"transition:{transition}", error.message, field="condition"))
            return None
    return Condition(
        linking=Linking(raw["linking"]),
        groups=tuple(_group(g) for g in raw["groups"]),
    )


def _group(data: Json) -> ConditionGroup:
    return ConditionGroup(
        name=data["name"],
        type=Linking(data["type"]),
        fields=tuple(_field_match(f) for f in data["fields"]),
    )


def _field_match(data: Json) -> FieldMatch:
    raw_type = data["type"]
    return FieldMatch(
        field=data["field"],
        type=MatchType(raw_type) if raw_type is not None else None,
        match=_match_value(data["match"]),
    )


def _match_value(raw: str | list[str] | Mapping[str, str]) -> MatchValue:
    if isinstance(raw, str):
        return raw
    if isinstance(raw, list):
        return tuple(raw)
    return MappingProxyType(dict(raw))
