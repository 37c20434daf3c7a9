"""The side panel's form as posted: its inputs read into an ``ElementInput``, and its row buttons.

Rows are numbered inputs (``dialog-0-field-2-name``, ``action-1-parameter-0-key`` …, see
``usecases.modeler_build``). A row button posts ``op`` as ``<verb>:<path>``: ``add:dialog``,
``add:dialog-0-field``, ``remove:action-1``, ``up:dialog-0-field-2``, ``down:parameter-3``. Buttons
change the form only; Apply saves it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from starlette.datastructures import FormData

from ticketflow.domain.parameters import Parameter
from ticketflow.usecases.modeler_inputs import (
    ActionInput,
    DialogInput,
    ElementInput,
    FieldInput,
    Row,
)
from ticketflow.usecases.modeler_panel import PanelOptions

# Path word → the attribute holding that list.
_LISTS = {
    "dialog": "dialogs",
    "field": "fields",
    "action": "actions",
    "parameter": "parameters",
    "in": "fields_in",
    "out": "fields_out",
}
_OP = re.compile(r"^(add|remove|up|down):([a-z]+(?:-\d+-[a-z]+)*)(?:-(\d+))?$")
# The text inputs of the element itself, of a dialog and of a dialog's field.
_TEXTS = (
    "name",
    "description",
    "error_code",
    "script",
    "web_service",
    "invoker",
    "timeout",
    "process_key",
    "version",
    "condition",
)
_DIALOG_TEXTS = (
    "key",
    "name",
    "description_short",
    "description_long",
    "interface",
    "permission",
    "submit_button_text",
    "submit_advice_text",
)
_FIELD_TEXTS = ("name", "display", "default", "description_short", "description_long", "config")


class FormReader:
    def __init__(self, form: FormData) -> None:
        self.form = form

    def text(self, name: str) -> str:
        value = self.form.get(name)
        return value if isinstance(value, str) else ""

    def flag(self, name: str) -> bool:
        return self.text(name) in ("1", "on", "true")

    def indices(self, prefix: str) -> list[int]:
        """The row numbers posted under ``prefix`` (``dialog-0-field``), in order."""
        pattern = re.compile(rf"^{re.escape(prefix)}-(\d+)-[a-z_]+$")
        found = {int(m.group(1)) for name in self.form for m in [pattern.match(name)] if m}
        return sorted(found)


def read_input(form: FormData) -> ElementInput:
    reader = FormReader(form)
    edit = ElementInput()
    for name in _TEXTS:
        setattr(edit, name, reader.text(name))
    edit.parameters = _rows(reader, "parameter")
    edit.fields_in = _rows(reader, "in")
    edit.fields_out = _rows(reader, "out")
    edit.dialogs = [_dialog(reader, f"dialog-{i}") for i in reader.indices("dialog")]
    edit.actions = [_action(reader, f"action-{i}") for i in reader.indices("action")]
    return edit


def _rows(reader: FormReader, prefix: str) -> list[Row]:
    return [
        Row(
            reader.text(f"{prefix}-{i}-key"),
            reader.text(f"{prefix}-{i}-value"),
            reader.flag(f"{prefix}-{i}-list"),
        )
        for i in reader.indices(prefix)
    ]


def _dialog(reader: FormReader, prefix: str) -> DialogInput:
    dialog = DialogInput(required_lock=reader.flag(f"{prefix}-required_lock"))
    for name in _DIALOG_TEXTS:
        setattr(dialog, name, reader.text(f"{prefix}-{name}"))
    dialog.fields = [_field(reader, f"{prefix}-field-{j}") for j in reader.indices(f"{prefix}-field")]
    return dialog


def _field(reader: FormReader, prefix: str) -> FieldInput:
    dialog_field = FieldInput(default_is_list=reader.flag(f"{prefix}-default_is_list"))
    for name in _FIELD_TEXTS:
        setattr(dialog_field, name, reader.text(f"{prefix}-{name}"))
    return dialog_field


def _action(reader: FormReader, prefix: str) -> ActionInput:
    action = ActionInput(parameters=_rows(reader, f"{prefix}-parameter"))
    for name in ("key", "name", "module", "description"):
        setattr(action, name, reader.text(f"{prefix}-{name}"))
    return action


def apply_op(edit: ElementInput, op: str, form: FormData, options: PanelOptions) -> bool:
    """Carry out the row button ``op`` on ``edit``; False when ``op`` is not one."""
    match = _OP.match(op)
    if match is None:
        return False
    verb, path, index = match.group(1), match.group(2), match.group(3)
    words = path.split("-")
    holder: Any = edit
    for word, number in zip(words[:-1:2], words[1::2], strict=False):
        items = getattr(holder, _LISTS[word])
        if int(number) >= len(items):
            return False
        holder = items[int(number)]
    if words[-1] not in _LISTS:
        return False
    items = getattr(holder, _LISTS[words[-1]])
    if verb == "add":
        items.append(_new_item(words[-1], path, holder, FormReader(form), options))
        return True
    if index is None or int(index) >= len(items):
        return False
    _move(items, int(index), verb)
    return True


def _move(items: list[Any], index: int, verb: str) -> None:
    if verb == "remove":
        del items[index]
    elif verb == "up" and index > 0:
        items[index - 1], items[index] = items[index], items[index - 1]
    elif verb == "down" and index < len(items) - 1:
        items[index + 1], items[index] = items[index], items[index + 1]


def _new_item(word: str, path: str, holder: Any, reader: FormReader, options: PanelOptions) -> Any:
    makers: dict[str, Callable[[], Any]] = {
        "dialog": lambda: DialogInput(key=_free_key("dialog", [d.key for d in holder.dialogs])),
        "field": lambda: FieldInput(name=reader.text(f"{path}-new")),
        "action": lambda: _new_action(reader.text("action-new"), holder, options),
    }
    return makers.get(word, Row)()


def _new_action(module: str, edit: ElementInput, options: PanelOptions) -> ActionInput:
    """A new action of ``module``, with a row for each of its required parameters."""
    described = options.action(module)
    parameters = [_declared_row(p) for p in described.parameters if p.required] if described else []
    key = _free_key(module.lower() or "action", [a.key for a in edit.actions])
    return ActionInput(key=key, name=module, module=module, parameters=parameters)


def fill_declared(edit: ElementInput, options: PanelOptions) -> None:
    """After a script or an action module was chosen: a row for each required parameter not there yet."""
    script = options.script(edit.script)
    if script is not None:
        edit.parameters += _missing_rows(script.parameters, edit.parameters)
    for action in edit.actions:
        module = options.action(action.module)
        if module is not None:
            action.parameters += _missing_rows(module.parameters, action.parameters)


def _missing_rows(declared: tuple[Parameter, ...], rows: list[Row]) -> list[Row]:
    present = {row.key for row in rows}
    missing = [p for p in declared if p.required and p.name not in present]
    # A pattern (``DynamicField_<Name>``) gets one empty row, and only when there is no row at all.
    return [_declared_row(p) for p in missing if "<" not in p.name or not rows]


def _free_key(stem: str, taken: list[str]) -> str:
    number = len(taken) + 1
    while f"{stem}-{number}" in taken:
        number += 1
    return f"{stem}-{number}"


def _declared_row(parameter: Parameter) -> Row:
    """A row for a declared parameter; a pattern (``DynamicField_<Name>``) leaves the name to fill in."""
    return Row("" if "<" in parameter.name else parameter.name)
