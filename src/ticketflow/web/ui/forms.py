"""Activity dialogs as HTML forms: one ``FormField`` per shown field, and a submitted form back into the
mapping ``submit_dialog`` / ``create_ticket`` take. Hidden fields are never rendered: the use case applies
their defaults, so a browser cannot tamper with them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from starlette.datastructures import FormData

from ticketflow.domain.catalog import Catalog, DynamicFieldDefinition, DynamicFieldType
from ticketflow.domain.definitions import ActivityDialog, DialogField, FieldDisplay
from ticketflow.domain.dialogs import ARTICLE
from ticketflow.domain.errors import Problem
from ticketflow.domain.tickets import DYNAMIC_FIELD_PREFIX, Ticket, Value

ATTRIBUTE_LABELS = {
    "Title": "Title",
    "Queue": "Queue",
    "State": "State",
    "Priority": "Priority",
    "Lock": "Lock",
    "Owner": "Owner",
    "Responsible": "Responsible",
    "Type": "Type",
    "Service": "Service",
    "SLA": "SLA",
    "CustomerID": "Customer",
    "CustomerUserID": "Customer user",
    "PendingTime": "Pending until",
}

_WIDGETS = {
    DynamicFieldType.TEXT: "text",
    DynamicFieldType.TEXT_AREA: "textarea",
    DynamicFieldType.CHECKBOX: "checkbox",
    DynamicFieldType.DROPDOWN: "select",
    DynamicFieldType.MULTISELECT: "multiselect",
    DynamicFieldType.DATE: "date",
    DynamicFieldType.DATE_TIME: "datetime",
}

Submitted = dict[str, str | Sequence[str]]


@dataclass(frozen=True, slots=True)
class Option:
    value: str
    label: str
    selected: bool


@dataclass(frozen=True, slots=True)
class FormField:
    """One input of a dialog form. ``name`` is the form (and ticket-data) name; ``value`` what the
    input shows; ``error`` the problem to show beside it."""

    name: str
    label: str
    widget: str
    mandatory: bool
    hint: str = ""
    value: str = ""
    options: tuple[Option, ...] = ()
    error: str | None = None
    checked: bool = False


@dataclass(frozen=True, slots=True)
class DialogForm:
    dialog: ActivityDialog
    fields: tuple[FormField, ...]
    errors: tuple[str, ...] = field(default=())  # problems not tied to a shown field


def dialog_form(
    dialog: ActivityDialog,
    catalog: Catalog,
    *,
    ticket: Ticket | None = None,
    submitted: Mapping[str, str | Sequence[str]] | None = None,
    problems: Sequence[Problem] = (),
) -> DialogForm:
    """The form of ``dialog``: values from ``submitted`` (a re-render after errors), else the ticket's
    current values, else the field defaults."""
    errors = {p.field: _message(p) for p in problems if p.field}
    current: Mapping[str, Value] = ticket.snapshot().data() if ticket else {}
    fields: list[FormField] = []
    for spec in dialog.fields:
        if spec.display is FieldDisplay.HIDDEN:
            continue
        if spec.name == ARTICLE:
            fields.extend(_article_fields(spec, submitted, errors))
            continue
        raw = submitted.get(spec.name) if submitted is not None else current.get(spec.name, spec.default)
        fields.append(_field(spec, catalog, raw, errors.get(spec.name)))
    shown = {f.name for f in fields}
    general = tuple(_message(p) for p in problems if not p.field or p.field not in shown)
    return DialogForm(dialog, tuple(fields), general)


def _message(problem: Problem) -> str:
    """``DynamicField_X: is mandatory`` → ``is mandatory``: the label beside it already names the field."""
    prefix = f"{problem.field}: "
    return problem.message.removeprefix(prefix) if problem.field else problem.message


def _article_fields(
    spec: DialogField, submitted: Mapping[str, str | Sequence[str]] | None, errors: Mapping[str, str]
) -> list[FormField]:
    mandatory = spec.display is FieldDisplay.MANDATORY
    given = submitted or {}
    return [
        FormField(
            "Subject",
            "Subject",
            "text",
            mandatory,
            spec.description_short,
            _text(given.get("Subject")),
            error=errors.get("Subject"),
        ),
        FormField(
            "Body", "Text", "textarea", mandatory, "", _text(given.get("Body")), error=errors.get("Body")
        ),
    ]


def _field(spec: DialogField, catalog: Catalog, raw: object, error: str | None) -> FormField:
    mandatory = spec.display is FieldDisplay.MANDATORY
    hint = spec.description_short
    if spec.name.startswith(DYNAMIC_FIELD_PREFIX):
        definition = catalog.dynamic_fields.get(spec.name[len(DYNAMIC_FIELD_PREFIX) :])
        if definition is not None:
            return _dynamic_field(spec.name, definition, raw, mandatory, hint, error)
        return FormField(spec.name, spec.name, "text", mandatory, hint, _text(raw), error=error)
    label = ATTRIBUTE_LABELS.get(spec.name, spec.name)
    choices = _attribute_choices(spec.name, catalog)
    if choices is None:
        widget = "datetime" if spec.name == "PendingTime" else "text"
        value = _date_time_input(_text(raw)) if widget == "datetime" else _text(raw)
        return FormField(spec.name, label, widget, mandatory, hint, value, error=error)
    chosen = {_text(raw)}
    options = tuple(Option(c, c, c in chosen) for c in choices)
    return FormField(spec.name, label, "select", mandatory, hint, _text(raw), options, error)


def _attribute_choices(name: str, catalog: Catalog) -> list[str] | None:
    sources: dict[str, object] = {
        "Queue": catalog.queues,
        "State": catalog.states,
        "Priority": catalog.priorities,
        "Type": catalog.types,
        "Service": catalog.services,
        "SLA": catalog.slas,
        "Owner": catalog.users,
        "Responsible": catalog.users,
        "CustomerUserID": catalog.customer_users,
        "Lock": ("lock", "unlock"),
    }
    source = sources.get(name)
    return sorted(str(s) for s in source) if isinstance(source, Mapping | frozenset | tuple) else None


def _dynamic_field(
    name: str, definition: DynamicFieldDefinition, raw: object, mandatory: bool, hint: str, error: str | None
) -> FormField:
    widget = _WIDGETS[definition.type]
    label = definition.label
    if widget in ("select", "multiselect"):
        chosen = set(raw) if isinstance(raw, list | tuple) else {_text(raw)}
        options = tuple(Option(k, v, k in chosen) for k, v in definition.possible_values.items())
        return FormField(name, label, widget, mandatory, hint, "", options, error)
    text = _text(raw)
    if widget == "checkbox":
        return FormField(name, label, widget, mandatory, hint, "1", error=error, checked=text == "1")
    if widget == "date":
        text = text[:10]
    elif widget == "datetime":
        text = _date_time_input(text)
    return FormField(name, label, widget, mandatory, hint, text, error=error)


def _date_time_input(text: str) -> str:
    """OTOBO's ``YYYY-MM-DD HH:MM:SS`` as a ``datetime-local`` input's ``YYYY-MM-DDTHH:MM``."""
    return text[:16].replace(" ", "T") if len(text) >= 16 else text


def _text(raw: object) -> str:
    if raw is None:
        return ""
    if isinstance(raw, list | tuple):
        return "\n".join(str(r) for r in raw)
    return str(raw)


def submitted_values(dialog: ActivityDialog, form: FormData, catalog: Catalog) -> Submitted:
    """The shown fields of ``dialog`` as the form sent them. An unticked checkbox sends nothing, so it
    becomes "0"; a multiselect is a list; fields the form did not carry stay out (left unchanged)."""
    values: Submitted = {}
    for spec in dialog.fields:
        if spec.display is FieldDisplay.HIDDEN:
            continue
        if spec.name == ARTICLE:
            for key in ("Subject", "Body"):
                values[key] = _form_text(form, key)
            continue
        definition = catalog.dynamic_fields.get(spec.name.removeprefix(DYNAMIC_FIELD_PREFIX))
        kind = definition.type if definition and spec.name.startswith(DYNAMIC_FIELD_PREFIX) else None
        if kind is DynamicFieldType.MULTISELECT:
            values[spec.name] = [v for v in form.getlist(spec.name) if isinstance(v, str) and v]
        elif kind is DynamicFieldType.CHECKBOX:
            values[spec.name] = "1" if form.get(spec.name) == "1" else "0"
        elif spec.name in form:
            values[spec.name] = _form_text(form, spec.name)
    return values


def _form_text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""
