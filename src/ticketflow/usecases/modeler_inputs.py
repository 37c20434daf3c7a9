"""What the modeler's side panel edits: one element's values as the form holds them (text only).

The panel's form is the state: it is rendered from a stored element (``element_input``), posted back,
changed by the panel's buttons (add, remove, reorder rows) and only turned into definitions when it is
applied (``modeler_build``). Keeping the form's text apart from the definitions lets an invalid form
be shown again exactly as typed, with the errors beside its fields, while nothing is saved.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta

from ticketflow.domain.definitions import (
    Activity,
    ActivityDialog,
    DialogField,
    Transition,
    TransitionAction,
)
from ticketflow.domain.expressions import format_expression
from ticketflow.domain.tickets import Value

LIST_SEPARATOR = ", "


@dataclass
class Row:
    """A key/value row: a parameter, or a field mapping of a sub-process. ``is_list`` remembers that the
    stored value was a list, so that it is saved as a list again (split at commas)."""

    key: str = ""
    value: str = ""
    is_list: bool = False


@dataclass
class FieldInput:
    name: str = ""
    display: str = "optional"
    default: str = ""
    default_is_list: bool = False
    description_short: str = ""
    description_long: str = ""
    # Article only (channel, visibility, time units): kept as stored, as JSON text.
    config: str = ""


@dataclass
class DialogInput:
    key: str = ""
    name: str = ""
    description_short: str = ""
    description_long: str = ""
    interface: str = "agent"
    permission: str = ""
    required_lock: bool = False
    submit_button_text: str = ""
    submit_advice_text: str = ""
    fields: list[FieldInput] = field(default_factory=list)


@dataclass
class ActionInput:
    key: str = ""
    name: str = ""
    module: str = ""
    description: str = ""
    parameters: list[Row] = field(default_factory=list)


@dataclass
class ElementInput:
    """Every value the panel can edit; which of them count depends on the element's kind."""

    name: str = ""
    description: str = ""
    error_code: str = ""
    # user task
    dialogs: list[DialogInput] = field(default_factory=list)
    # script task
    script: str = ""
    # service task
    web_service: str = ""
    invoker: str = ""
    timeout: str = "30"
    # script and service task
    parameters: list[Row] = field(default_factory=list)
    # sub-process
    process_key: str = ""
    version: str = ""
    fields_in: list[Row] = field(default_factory=list)
    fields_out: list[Row] = field(default_factory=list)
    # transition
    condition: str = ""
    actions: list[ActionInput] = field(default_factory=list)


def activity_input(activity: Activity) -> ElementInput:
    edit = ElementInput(
        name=activity.name,
        description=activity.description,
        error_code=activity.error_code or "",
        dialogs=[_dialog_input(d) for d in activity.dialogs],
    )
    if activity.script is not None:
        edit.script = activity.script.script
        edit.parameters = _rows(activity.script.parameters)
    if activity.service is not None:
        service = activity.service
        edit.web_service, edit.invoker = service.web_service, service.invoker
        edit.timeout = _seconds_text(service.timeout)
        edit.parameters = _rows(service.parameters)
    if activity.sub_process is not None:
        call = activity.sub_process
        edit.process_key = call.process_key
        edit.version = str(call.version) if call.version is not None else ""
        edit.fields_in = _rows(call.fields_in)
        edit.fields_out = _rows(call.fields_out)
    return edit


def transition_input(transition: Transition) -> ElementInput:
    condition = ""
    if transition.condition is not None:
        condition = format_expression(transition.condition) or ""
    return ElementInput(
        name=transition.name,
        description=transition.description,
        error_code=transition.error_code or "",
        condition=condition,
        actions=[_action_input(a) for a in transition.actions],
    )


def value_text(value: Value | None) -> str:
    if value is None:
        return ""
    return LIST_SEPARATOR.join(value) if isinstance(value, tuple) else value


def _dialog_input(dialog: ActivityDialog) -> DialogInput:
    return DialogInput(
        key=dialog.key,
        name=dialog.name,
        description_short=dialog.description_short,
        description_long=dialog.description_long,
        interface=dialog.interface.value,
        permission=dialog.permission or "",
        required_lock=dialog.required_lock,
        submit_button_text=dialog.submit_button_text,
        submit_advice_text=dialog.submit_advice_text,
        fields=[_field_input(f) for f in dialog.fields],
    )


def _field_input(dialog_field: DialogField) -> FieldInput:
    return FieldInput(
        name=dialog_field.name,
        display=dialog_field.display.value,
        default=value_text(dialog_field.default),
        default_is_list=isinstance(dialog_field.default, tuple),
        description_short=dialog_field.description_short,
        description_long=dialog_field.description_long,
        config=json.dumps(dict(dialog_field.config), sort_keys=True) if dialog_field.config else "",
    )


def _action_input(action: TransitionAction) -> ActionInput:
    return ActionInput(
        key=action.key,
        name=action.name,
        module=action.module,
        description=action.description,
        parameters=[Row(k, value_text(v), isinstance(v, tuple)) for k, v in action.config.items()],
    )


def _rows(values: Mapping[str, str]) -> list[Row]:
    return [Row(k, v) for k, v in values.items()]


def _seconds_text(duration: timedelta) -> str:
    seconds = duration.total_seconds()
    return str(int(seconds)) if seconds.is_integer() else str(seconds)
