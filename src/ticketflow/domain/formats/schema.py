"""The JSON Schema (draft 2020-12) of ticketflow's exchange documents, built in code.

This module is the single source of the schema: ``native_json`` validates against it, the web layer
publishes it and ``docs/process-format.md`` describes it. Each element has its own ``$defs`` entry so
that later documents (the Test Mode output) can reuse the condition and value shapes.

Optional members are optional in the schema and omitted by the writer when they hold their default;
that keeps content hashes stable when the format grows by new optional members.
"""

from __future__ import annotations

from typing import Any

PROCESS_FORMAT = "ticketflow.process/1"
SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"

ACTIVITY_TYPES = ("user_task", "script_task", "service_task", "sub_process", "end")
PROCESS_STATES = ("Active", "Inactive", "FadeAway")
INTERFACES = ("agent", "customer", "both")
FIELD_DISPLAYS = ("hidden", "optional", "mandatory")
LINKINGS = ("and", "or", "xor")
MATCH_TYPES = (
    "String",
    "Regexp",
    "Array",
    "Hash",
    "Module",
    "NotEqual",
    "NotRegexp",
    "LessThan",
    "LessThanOrEqual",
    "GreaterThan",
    "GreaterThanOrEqual",
)

# Keys of elements are referenced as ``activity:<key>`` and ``dialog:<activity>/<dialog>``: no
# whitespace and no slash.
_KEY = {"type": "string", "pattern": r"^[^\s/]+$"}
# A process key appears in URLs and file names.
_PROCESS_KEY = {"type": "string", "pattern": r"^[a-z0-9][a-z0-9._-]*$"}
_TEXT = {"type": "string"}
_NAME = {"type": "string", "minLength": 1}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/$defs/{name}"}


def _object(required: tuple[str, ...], **properties: Any) -> dict[str, Any]:
    """A closed object: unknown members are errors, so typos do not pass silently."""
    return {
        "type": "object",
        "required": list(required),
        "properties": properties,
        "additionalProperties": False,
    }


def _nullable(*types: str) -> dict[str, Any]:
    # Type lists instead of anyOf: a failing anyOf hides which branch the author meant, a type
    # list keeps every error precise (the reader turns them into Problems).
    return {"type": [*types, "null"]}


def _string_map() -> dict[str, Any]:
    return {"type": "object", "additionalProperties": {"type": "string"}}


def _value_defs() -> dict[str, Any]:
    """A stored ticket value: text or a list of texts (Multiselect)."""
    return {"value": {"type": ["string", "array"], "items": {"type": "string"}}}


def _condition_defs() -> dict[str, Any]:
    field_match = _object(
        ("field", "type", "match"),
        field=_NAME,
        # null: a field OTOBO gave as a map without Type; OTOBO ignores it (reference Q2).
        type={"enum": [*MATCH_TYPES, None]},
        # items applies to a list, additionalProperties to a map (Hash).
        match={
            "type": ["string", "array", "object"],
            "items": {"type": "string"},
            "additionalProperties": {"type": "string"},
        },
    )
    group = _object(
        ("name", "type", "fields"),
        name=_TEXT,
        type={"enum": list(LINKINGS)},
        fields={"type": "array", "items": _ref("field_match")},
    )
    tree = _object(
        ("linking", "groups"),
        linking={"enum": list(LINKINGS)},
        groups={"type": "array", "items": _ref("condition_group")},
    )
    # A string is the readable expression form (docs/conditions.md); an object is the tree.
    condition = {
        "type": ["string", "object", "null"],
        "if": {"type": "object"},
        "then": _ref("condition_tree"),
    }
    return {
        "field_match": field_match,
        "condition_group": group,
        "condition_tree": tree,
        "condition": condition,
    }


def _dialog_defs() -> dict[str, Any]:
    dialog_field = _object(
        ("name",),
        name=_NAME,
        display={"enum": list(FIELD_DISPLAYS)},
        default={"type": ["string", "array", "null"], "items": {"type": "string"}},
        description_short=_TEXT,
        description_long=_TEXT,
        config=_string_map(),
    )
    dialog = _object(
        ("key", "name"),
        key=_KEY,
        name=_NAME,
        description_short=_TEXT,
        description_long=_TEXT,
        interface={"enum": list(INTERFACES)},
        fields={"type": "array", "items": _ref("dialog_field")},
        permission=_nullable("string"),
        required_lock={"type": "boolean"},
        submit_button_text=_TEXT,
        submit_advice_text=_TEXT,
    )
    return {"dialog_field": dialog_field, "dialog": dialog}


def _call_defs() -> dict[str, Any]:
    script = _object(("script",), script=_NAME, parameters=_string_map())
    service = _object(
        ("web_service", "invoker"),
        web_service=_NAME,
        invoker=_NAME,
        parameters=_string_map(),
        timeout={"type": "number", "exclusiveMinimum": 0, "description": "seconds"},
    )
    sub_process = _object(
        ("process_key",),
        process_key=_PROCESS_KEY,
        version={**_nullable("integer"), "minimum": 1},
        fields_in=_string_map(),
        fields_out=_string_map(),
    )
    return {"script_call": script, "service_call": service, "sub_process_call": sub_process}


def _requires(activity_type: str, member: str) -> dict[str, Any]:
    """A typed activity must carry its call (a script task its script …)."""
    return {
        "if": {"properties": {"type": {"const": activity_type}}, "required": ["type"]},
        "then": {"required": [member]},
    }


def _activity_def() -> dict[str, Any]:
    activity = _object(
        ("key", "name", "type"),
        key=_KEY,
        name=_NAME,
        type={"enum": list(ACTIVITY_TYPES)},
        description=_TEXT,
        dialogs={"type": "array", "items": _ref("dialog")},
        script=_ref("script_call"),
        service=_ref("service_call"),
        sub_process=_ref("sub_process_call"),
        error_code={**_nullable("string"), "minLength": 1},
    )
    activity["allOf"] = [
        _requires("script_task", "script"),
        _requires("service_task", "service"),
        _requires("sub_process", "sub_process"),
    ]
    return activity


def _transition_defs() -> dict[str, Any]:
    action = _object(
        ("key", "name", "module"),
        key=_KEY,
        name=_TEXT,
        module=_NAME,
        config={"type": "object", "additionalProperties": _ref("value")},
        description=_TEXT,
    )
    transition = _object(
        ("key", "name", "source", "target"),
        key=_KEY,
        name=_TEXT,
        source=_KEY,
        target=_KEY,
        condition=_ref("condition"),
        actions={"type": "array", "items": _ref("action")},
        description=_TEXT,
        error_code={**_nullable("string"), "minLength": 1},
    )
    return {"action": action, "transition": transition}


def _defs() -> dict[str, Any]:
    return {
        **_value_defs(),
        **_condition_defs(),
        **_dialog_defs(),
        **_call_defs(),
        "activity": _activity_def(),
        **_transition_defs(),
        "position": _object(("x", "y"), x={"type": "number"}, y={"type": "number"}),
    }


def process_schema() -> dict[str, Any]:
    """The JSON Schema of a ``ticketflow.process/1`` document (a fresh dict on every call)."""
    document = _object(
        ("format", "key", "name", "start_activity", "activities"),
        format={"const": PROCESS_FORMAT},
        key=_PROCESS_KEY,
        name=_NAME,
        description=_TEXT,
        state={"enum": list(PROCESS_STATES)},
        start_activity=_KEY,
        startable_by={"enum": list(INTERFACES)},
        activities={"type": "array", "minItems": 1, "items": _ref("activity")},
        transitions={"type": "array", "items": _ref("transition")},
        layout={"type": "object", "additionalProperties": _ref("position")},
    )
    return {
        "$schema": SCHEMA_DIALECT,
        "$id": "urn:ticketflow:schema:process:1",
        "title": "ticketflow process definition",
        **document,
        "$defs": _defs(),
    }


# The Test Mode output (``ticketflow test --json``) will get its own ``test_run_schema()`` here,
# reusing ``_defs()`` for conditions and values; its shape is defined by the test-mode use case.
