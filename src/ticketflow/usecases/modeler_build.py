"""The side panel's values applied to one element of a draft, or the reasons they cannot be.

``build_element`` checks what the form itself must get right (names, keys, choices, numbers, the
condition's syntax) and returns the process with the element changed. Every error is keyed by the
name of the form input (or row) it belongs to, so the panel shows each beside its field; nothing is
changed while there is one.

Input names: ``name``, ``description``, ``error_code``, ``script``, ``web_service``, ``invoker``,
``timeout``, ``process_key``, ``version``, ``condition``; rows ``parameter-<k>``, ``in-<k>``,
``out-<k>``; ``dialog-<i>`` (and ``dialog-<i>-key`` …), ``dialog-<i>-field-<j>``; ``action-<i>``
(and ``action-<i>-module`` …), ``action-<i>-parameter-<k>``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import TypeVar

from ticketflow.domain.definitions import (
    Activity,
    ActivityDialog,
    ActivityType,
    DialogField,
    FieldDisplay,
    Interface,
    Process,
    ScriptCall,
    ServiceCall,
    SubProcessCall,
    Transition,
    TransitionAction,
)
from ticketflow.domain.errors import InvalidInputError
from ticketflow.domain.expressions import parse_expression
from ticketflow.domain.tickets import Value
from ticketflow.usecases.catalog_records import PERMISSION_KEYS
from ticketflow.usecases.modeler_inputs import (
    ActionInput,
    DialogInput,
    ElementInput,
    FieldInput,
    Row,
)

# What the process format accepts as a key of a dialog or an action: no blanks, no slash.
_KEY = re.compile(r"^[^\s/]+$")
_ERROR_CODE = re.compile(r"^[A-Za-z0-9_.*-]+$")
MAX_TIMEOUT_SECONDS = 600


class PanelInputError(InvalidInputError):
    """The panel's form cannot be applied; ``errors`` maps input or row names to their messages."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        first = next(iter(errors.items()))
        super().__init__(first[1], field=first[0])
        self.errors = dict(errors)


@dataclass(frozen=True, slots=True)
class Choices:
    """What the form's choices may be: registered scripts, web services with their invokers, the
    transition action modules and the other processes (keys)."""

    scripts: frozenset[str]
    web_services: Mapping[str, frozenset[str]]
    actions: frozenset[str]
    processes: frozenset[str]


def build_element(process: Process, element_id: str, edit: ElementInput, choices: Choices) -> Process:
    """``process`` with ``edit`` applied to its activity or transition ``element_id``.

    Raises PanelInputError naming every input that is wrong, InvalidInputError when the element is
    not in the draft (saved from the canvas yet?)."""
    errors: dict[str, str] = {}
    activity = process.find_activity(element_id)
    if activity is not None:
        changed = _activity(activity, edit, choices, errors)
        _raise(errors)
        activities = tuple(changed if a is activity else a for a in process.activities)
        return replace(process, activities=activities)
    transition = next((t for t in process.transitions if t.key == element_id), None)
    if transition is None:
        raise InvalidInputError(
            f"'{element_id}' is not an activity or transition of the saved draft: save, then select it again",
            field="element",
        )
    edited = _transition(transition, edit, choices, errors)
    _raise(errors)
    transitions = tuple(edited if t is transition else t for t in process.transitions)
    return replace(process, transitions=transitions)


def _raise(errors: dict[str, str]) -> None:
    if errors:
        raise PanelInputError(errors)


def _activity(activity: Activity, edit: ElementInput, choices: Choices, errors: dict[str, str]) -> Activity:
    name = _required(edit.name, "name", errors)
    changed = replace(activity, name=name, description=edit.description.strip())
    match activity.type:
        case ActivityType.USER_TASK:
            return replace(changed, dialogs=_dialogs(edit.dialogs, errors))
        case ActivityType.SCRIPT_TASK:
            script = _choice(edit.script, "script", choices.scripts, "a registered script", errors)
            call = ScriptCall(script, _parameters(edit.parameters, "parameter", errors))
            return replace(changed, script=call, error_code=_error_code(edit, errors))
        case ActivityType.SERVICE_TASK:
            return replace(
                changed, service=_service(edit, choices, errors), error_code=_error_code(edit, errors)
            )
        case ActivityType.SUB_PROCESS:
            return replace(
                changed, sub_process=_sub_process(edit, choices, errors), error_code=_error_code(edit, errors)
            )
        case _:
            return changed


def _service(edit: ElementInput, choices: Choices, errors: dict[str, str]) -> ServiceCall:
    web_service = _choice(
        edit.web_service, "web_service", frozenset(choices.web_services), "a web service", errors
    )
    invokers = choices.web_services.get(web_service, frozenset())
    invoker = edit.invoker.strip()
    if web_service and invoker not in invokers:
        known = ", ".join(sorted(invokers)) or "none"
        errors["invoker"] = f"choose an invoker of web service '{web_service}' ({known})"
    seconds = _number(edit.timeout, "timeout", errors, maximum=MAX_TIMEOUT_SECONDS)
    parameters = _parameters(edit.parameters, "parameter", errors)
    return ServiceCall(web_service, invoker, parameters, timedelta(seconds=seconds or 30))


def _sub_process(edit: ElementInput, choices: Choices, errors: dict[str, str]) -> SubProcessCall:
    process_key = _choice(edit.process_key, "process_key", choices.processes, "a process", errors)
    version: int | None = None
    if edit.version.strip():
        version = _number(edit.version, "version", errors, maximum=1_000_000)
        if version is not None and version < 1:
            errors["version"] = "is a version number (1, 2 …) or empty for the latest"
    fields_in = _parameters(edit.fields_in, "in", errors)
    fields_out = _parameters(edit.fields_out, "out", errors)
    return SubProcessCall(process_key, version, fields_in, fields_out)


def _transition(
    transition: Transition, edit: ElementInput, choices: Choices, errors: dict[str, str]
) -> Transition:
    condition = None
    if edit.condition.strip():
        try:
            condition = parse_expression(edit.condition.strip())
        except InvalidInputError as error:
            errors["condition"] = (
                error.message.removeprefix(f"{error.field}: ") if error.field else error.message
            )
    actions = tuple(_action(index, action, choices, errors) for index, action in enumerate(edit.actions))
    _unique((a.key for a in edit.actions), "action", "key", errors)
    return replace(
        transition,
        name=edit.name.strip(),
        description=edit.description.strip(),
        condition=condition,
        actions=actions,
        error_code=_error_code(edit, errors),
    )


def _action(index: int, edit: ActionInput, choices: Choices, errors: dict[str, str]) -> TransitionAction:
    prefix = f"action-{index}"
    key = _key(edit.key, f"{prefix}-key", errors)
    name = _required(edit.name, f"{prefix}-name", errors)
    module = _choice(edit.module, f"{prefix}-module", choices.actions, "a transition action", errors)
    config = _values(edit.parameters, f"{prefix}-parameter", errors)
    return TransitionAction(key, name, module, config, edit.description.strip())


def _dialogs(dialogs: list[DialogInput], errors: dict[str, str]) -> tuple[ActivityDialog, ...]:
    built = tuple(_dialog(index, dialog, errors) for index, dialog in enumerate(dialogs))
    _unique((d.key for d in dialogs), "dialog", "key", errors)
    return built


def _dialog(index: int, edit: DialogInput, errors: dict[str, str]) -> ActivityDialog:
    prefix = f"dialog-{index}"
    permission = edit.permission.strip()
    if permission and permission not in PERMISSION_KEYS:
        errors[f"{prefix}-permission"] = f"is one of {', '.join(PERMISSION_KEYS)} or empty"
    fields = tuple(_field(f"{prefix}-field-{j}", f, errors) for j, f in enumerate(edit.fields))
    seen: set[str] = set()
    for j, dialog_field in enumerate(edit.fields):
        if dialog_field.name in seen:
            errors.setdefault(f"{prefix}-field-{j}", f"'{dialog_field.name}' is in this dialog already")
        seen.add(dialog_field.name)
    return ActivityDialog(
        key=_key(edit.key, f"{prefix}-key", errors),
        name=_required(edit.name, f"{prefix}-name", errors),
        description_short=edit.description_short.strip(),
        description_long=edit.description_long.strip(),
        interface=_enum(Interface, edit.interface, f"{prefix}-interface", errors, Interface.AGENT),
        fields=fields,
        permission=permission or None,
        required_lock=edit.required_lock,
        submit_button_text=edit.submit_button_text.strip(),
        submit_advice_text=edit.submit_advice_text.strip(),
    )


def _field(prefix: str, edit: FieldInput, errors: dict[str, str]) -> DialogField:
    if not edit.name.strip():
        errors[prefix] = "choose a field"
    config: dict[str, str] = {}
    if edit.config.strip():
        try:
            loaded = json.loads(edit.config)
            config = {str(k): str(v) for k, v in loaded.items()}
        except (ValueError, AttributeError):
            errors[prefix] = "its settings are not a JSON object of texts"
    default: Value | None = _value(edit.default, edit.default_is_list) or None
    return DialogField(
        name=edit.name.strip(),
        display=_enum(FieldDisplay, edit.display, prefix, errors, FieldDisplay.OPTIONAL),
        default=default,
        description_short=edit.description_short.strip(),
        description_long=edit.description_long.strip(),
        config=config,
    )


def _parameters(rows: list[Row], prefix: str, errors: dict[str, str]) -> dict[str, str]:
    """Rows with a key as text parameters; a row left entirely empty is dropped."""
    values = _values(rows, prefix, errors)
    return {key: value if isinstance(value, str) else ", ".join(value) for key, value in values.items()}


def _values(rows: list[Row], prefix: str, errors: dict[str, str]) -> dict[str, Value]:
    values: dict[str, Value] = {}
    for index, row in enumerate(rows):
        key = row.key.strip()
        if not key and not row.value.strip():
            continue
        if not key:
            errors[f"{prefix}-{index}"] = "a value needs a name"
        elif key in values:
            errors[f"{prefix}-{index}"] = f"'{key}' is given twice"
        else:
            values[key] = _value(row.value, row.is_list)
    return values


def _value(text: str, is_list: bool) -> Value:
    if is_list:
        return tuple(item.strip() for item in text.split(",") if item.strip())
    return text


def _required(text: str, name: str, errors: dict[str, str]) -> str:
    if not text.strip():
        errors[name] = "is required"
    return text.strip()


def _key(text: str, name: str, errors: dict[str, str]) -> str:
    key = text.strip()
    if not key:
        errors[name] = "is required"
    elif not _KEY.match(key):
        errors[name] = "may not contain blanks or '/'"
    return key


def _choice(text: str, name: str, allowed: frozenset[str], what: str, errors: dict[str, str]) -> str:
    value = text.strip()
    if value not in allowed:
        errors[name] = f"choose {what}" if not value else f"'{value}' is not {what} of this system"
    return value


def _number(text: str, name: str, errors: dict[str, str], *, maximum: int) -> int | None:
    value = text.strip()
    if not value.isdigit() or not 0 < int(value) <= maximum:
        errors[name] = f"is a whole number from 1 to {maximum}"
        return None
    return int(value)


def _error_code(edit: ElementInput, errors: dict[str, str]) -> str | None:
    code = edit.error_code.strip()
    if code and not _ERROR_CODE.match(code):
        errors["error_code"] = "is letters, digits and _ . - (or * on a transition: any error)"
    return code or None


_Choice = TypeVar("_Choice", Interface, FieldDisplay)


def _enum(kind: type[_Choice], text: str, name: str, errors: dict[str, str], fallback: _Choice) -> _Choice:
    try:
        return kind(text.strip())
    except ValueError:
        errors[name] = f"is one of {', '.join(item.value for item in kind)}"
        return fallback


def _unique(keys: Iterable[str], what: str, part: str, errors: dict[str, str]) -> None:
    seen: set[str] = set()
    for index, raw in enumerate(keys):
        key = raw.strip()
        if key and key in seen:
            errors.setdefault(f"{what}-{index}-{part}", f"another {what} has the key '{key}'")
        seen.add(key)
