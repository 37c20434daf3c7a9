"""Activity dialogs: which are offered, who may open them, what a submission writes, and the
design-time rules of a dialog's fields. OTOBO's behaviour is reference §2.3; where we differ it says so.

A submission is keyed by ticket-data names (``Queue``, ``DynamicField_X`` …); a shown ``Article``
field is submitted as ``Subject`` and ``Body``. Problems of a submission are on ``dialog:<key>``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from ticketflow.domain.catalog import Catalog, DynamicFieldType
from ticketflow.domain.definitions import (
    ActivityDialog,
    ActivityType,
    DialogField,
    FieldDisplay,
    Interface,
    Process,
    ProcessState,
)
from ticketflow.domain.effects import AddArticle
from ticketflow.domain.errors import InvalidInputError, PermissionDeniedError, Problem
from ticketflow.domain.field_values import (
    RawValue,
    cleared_value,
    find_dynamic_field,
    is_empty,
    normalise_value,
)
from ticketflow.domain.positions import PositionStatus, ProcessPosition
from ticketflow.domain.references import ATTRIBUTE_KINDS
from ticketflow.domain.tickets import DYNAMIC_FIELD_PREFIX, SETTABLE_ATTRIBUTES, Value

ARTICLE = "Article"
ARTICLE_KEYS = ("Subject", "Body")
DIALOG_FIELD_NAMES = frozenset({*SETTABLE_ATTRIBUTES, ARTICLE})

# Fields a ticket always has: never shown optional, written on every submit when hidden (§2.3).
ALWAYS_SET_FIELDS = ("Queue", "State", "Lock", "Priority")
# What the customer dialog never offers (§2.3): it serves follow-ups, so not Queue/Service/SLA either.
CUSTOMER_FORBIDDEN_FIELDS = frozenset(
    {"Owner", "Responsible", "Lock", "PendingTime", "CustomerID", "CustomerUserID", "Queue", "Service", "SLA"}
)


@dataclass(frozen=True, slots=True)
class DialogDefaults:
    """OTOBO's ``Process::DefaultQueue/State/Lock/Priority``: what hidden fields without a default
    and a new ticket's missing fields get (§2.3)."""

    queue: str = "Raw"
    state: str = "new"
    lock: str = "unlock"
    priority: str = "3 normal"

    def for_field(self, name: str) -> str | None:
        return {"Queue": self.queue, "State": self.state, "Lock": self.lock, "Priority": self.priority}.get(
            name
        )


OTOBO_DEFAULTS = DialogDefaults()


@dataclass(frozen=True, slots=True)
class Submission:
    """What a dialog submit writes: ticket-data values (``None`` never appears; a cleared dynamic
    field is ``""`` or ``()``) and the article to add, if any."""

    values: dict[str, Value] = field(default_factory=dict)
    article: AddArticle | None = None


class DialogInputError(InvalidInputError):
    """A submission with one or more bad fields; ``problems`` lists them all, each with ``field``."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(p.message for p in self.problems))
        fields = {p.field for p in self.problems}
        self.field = fields.pop() if len(fields) == 1 else None


def available_dialogs(
    process: Process, position: ProcessPosition | None, interface: Interface
) -> tuple[ActivityDialog, ...]:
    """The dialogs ``interface`` may use at ``position``.

    ``position`` None means no ticket yet: the start dialog, if the process is Active, may be started
    from that interface, and the dialog is visible there (FadeAway refuses new tickets, §2.1). On a
    ticket: the current activity's dialogs while ACTIVE; while COMPLETED the end activity's dialogs
    stay available (§3.7); none while WAITING for a job or child, nor when FAILED (only an admin's
    retry moves it). An Inactive process offers nothing (§2.1).
    """
    if process.state is ProcessState.INACTIVE:
        return ()
    if position is None:
        start = process.start_dialog
        startable = process.state is ProcessState.ACTIVE and process.startable_by.admits(interface)
        return (start,) if start is not None and startable and start.interface.admits(interface) else ()
    if position.process_key != process.key or position.status not in (
        PositionStatus.ACTIVE,
        PositionStatus.COMPLETED,
    ):
        return ()
    activity = process.find_activity(position.activity_key)
    if activity is None:
        return ()
    if position.status is PositionStatus.COMPLETED and activity.type is not ActivityType.END:
        return ()
    return tuple(d for d in activity.dialogs if d.interface.admits(interface))


def check_dialog_access(
    dialog: ActivityDialog,
    permissions: frozenset[str],
    ticket_lock: str,
    ticket_owner: str,
    caller_login: str,
) -> None:
    """Refuse with PermissionDeniedError unless the caller holds the dialog's permission type on the
    ticket (none configured means ``rw``; ``rw`` covers every type) and, for a dialog with
    RequiredLock, the ticket is unlocked (the caller then locks it) or locked by the caller (§2.3)."""
    needed = dialog.permission or "rw"
    if needed not in permissions and "rw" not in permissions:
        raise PermissionDeniedError(
            f"the dialog '{dialog.name}' needs the '{needed}' permission on the ticket"
        )
    if dialog.required_lock and ticket_lock == "lock" and ticket_owner != caller_login:
        raise PermissionDeniedError(
            f"the dialog '{dialog.name}' needs the ticket lock, and the ticket is locked by '{ticket_owner}'"
        )


def apply_submission(
    dialog: ActivityDialog,
    submitted: Mapping[str, str | Sequence[str]],
    catalog: Catalog,
    interface: Interface,
    *,
    new_ticket: bool,
    defaults: DialogDefaults = OTOBO_DEFAULTS,
) -> Submission:
    """What submitting ``dialog`` with ``submitted`` writes to the ticket (§2.3).

    Shown fields take the submitted value (on a new ticket a missing one falls back to the field's
    default); mandatory ones must be non-empty (a Checkbox checked). Hidden dynamic fields are written
    on every submit, with their default or cleared; hidden Queue/State/Lock/Priority with their
    default or ``defaults``; other hidden fields only when they have a default. A new ticket gets
    ``defaults`` for those four when the dialog lacks them. Every value is checked against
    ``catalog`` and stored normalised.

    Raises DialogInputError listing every bad field: one not shown in the dialog, one a customer may
    not set, a missing mandatory value, a value that does not fit.
    """
    element = f"dialog:{dialog.key}"
    problems = [Problem(element, message, name) for name, message in _refused(dialog, submitted, interface)]
    values: dict[str, Value] = {}
    for dialog_field in dialog.fields:
        if dialog_field.name == ARTICLE:
            continue
        try:
            value = _field_value(dialog_field, submitted, catalog, new_ticket, defaults)
        except InvalidInputError as error:
            problems.append(Problem(element, error.message, dialog_field.name))
            continue
        if value is not None:
            values[dialog_field.name] = value
    if new_ticket:
        for name in ALWAYS_SET_FIELDS:
            values.setdefault(name, defaults.for_field(name) or "")
    article = _article(dialog, submitted, interface, element, problems)
    if problems:
        raise DialogInputError(problems)
    return Submission(values, article)


def _refused(
    dialog: ActivityDialog, submitted: Mapping[str, RawValue], interface: Interface
) -> Iterator[tuple[str, str]]:
    shown = {f.name for f in dialog.fields if f.display is not FieldDisplay.HIDDEN}
    if ARTICLE in shown:
        shown.update(ARTICLE_KEYS)
    hidden = {f.name for f in dialog.fields if f.display is FieldDisplay.HIDDEN}
    for name in submitted:
        if name in hidden:
            yield name, f"{name}: is hidden in this dialog and cannot be set"
        elif name not in shown:
            yield name, f"{name}: is not a field of this dialog"
        elif interface is Interface.CUSTOMER and name in CUSTOMER_FORBIDDEN_FIELDS:
            yield name, f"{name}: cannot be set by a customer"


def _field_value(
    dialog_field: DialogField,
    submitted: Mapping[str, RawValue],
    catalog: Catalog,
    new_ticket: bool,
    defaults: DialogDefaults,
) -> Value | None:
    """The value to write for one field, or None to leave it; raises InvalidInputError."""
    name = dialog_field.name
    raw: RawValue | None
    if dialog_field.display is FieldDisplay.HIDDEN:
        raw = _hidden_value(dialog_field, catalog, defaults)
    else:
        raw = submitted.get(name)
        if raw is None and new_ticket:
            raw = dialog_field.default
    if raw is None or is_empty(raw):
        if dialog_field.display is FieldDisplay.MANDATORY:
            raise InvalidInputError("is mandatory", field=name)
        # A shown dynamic field submitted empty is cleared; an attribute is left as it is.
        is_cleared = raw is not None and name.startswith(DYNAMIC_FIELD_PREFIX)
        return cleared_value(name, catalog) if is_cleared else None
    value = normalise_value(name, raw, catalog)
    if dialog_field.display is FieldDisplay.MANDATORY and value == "0" and _is_checkbox(name, catalog):
        raise InvalidInputError("must be checked", field=name)
    return value


def _hidden_value(dialog_field: DialogField, catalog: Catalog, defaults: DialogDefaults) -> Value | None:
    default = dialog_field.default
    if not is_empty(default):
        return default
    if dialog_field.name.startswith(DYNAMIC_FIELD_PREFIX):
        return cleared_value(dialog_field.name, catalog)
    return defaults.for_field(dialog_field.name)


def _is_checkbox(name: str, catalog: Catalog) -> bool:
    definition = find_dynamic_field(name, catalog)
    return definition is not None and definition.type is DynamicFieldType.CHECKBOX


def _article(
    dialog: ActivityDialog,
    submitted: Mapping[str, RawValue],
    interface: Interface,
    element: str,
    problems: list[Problem],
) -> AddArticle | None:
    """The article of a shown Article field: mandatory needs Subject and Body; an optional one is
    added when either is given, and then needs both."""
    spec = next((f for f in dialog.fields if f.name == ARTICLE), None)
    if spec is None or spec.display is FieldDisplay.HIDDEN:
        return None
    texts = {key: _text(submitted.get(key)) for key in ARTICLE_KEYS}
    if spec.display is FieldDisplay.OPTIONAL and not any(texts.values()):
        return None
    missing = [key for key, text in texts.items() if not text.strip()]
    problems.extend(Problem(element, f"{key}: is mandatory", key) for key in missing)
    if missing:
        return None
    customer = interface is Interface.CUSTOMER
    return AddArticle(
        subject=texts["Subject"].strip(),
        body=texts["Body"],
        channel=spec.config.get("communication_channel", "Internal"),
        sender_type="customer" if customer else "agent",
        # A customer's own article is always visible to customers.
        visible_for_customer=customer or spec.config.get("visible_for_customer") == "1",
    )


def _text(raw: RawValue | None) -> str:
    if raw is None:
        return ""
    return raw if isinstance(raw, str) else "\n".join(raw)


def check_dialog_definition(element: str, dialog: ActivityDialog, catalog: Catalog) -> Iterator[Problem]:
    """Design-time problems of one dialog's fields, on ``element`` with ``field`` = the field name.

    Errors: unknown field names, a field listed twice, Queue/State/Lock/Priority shown optional
    (OTOBO refuses it, §2.3), a default that does not fit its field. Warnings: a customer-visible
    dialog that shows a field customers may not set, one of the four hidden without a default (each
    submit writes the global default). Referenced names are checked with the other references.
    """
    for name, count in Counter(f.name for f in dialog.fields).items():
        if count > 1:
            yield Problem(element, f"the field is listed {count} times", name)
    for dialog_field in dialog.fields:
        yield from _field_definition_problems(element, dialog, dialog_field, catalog)


def _field_definition_problems(
    element: str, dialog: ActivityDialog, dialog_field: DialogField, catalog: Catalog
) -> Iterator[Problem]:
    name, display = dialog_field.name, dialog_field.display
    if name not in DIALOG_FIELD_NAMES and not name.startswith(DYNAMIC_FIELD_PREFIX):
        yield Problem(element, f"'{name}' is not a dialog field", name)
        return
    if name in ALWAYS_SET_FIELDS and display is FieldDisplay.OPTIONAL:
        yield Problem(element, "cannot be optional: hide it with a default or make it mandatory", name)
    if name in ALWAYS_SET_FIELDS and display is FieldDisplay.HIDDEN and is_empty(dialog_field.default):
        message = "is hidden without a default: every submit sets the global default"
        yield Problem(element, message, name, "warning")
    shown = display is not FieldDisplay.HIDDEN
    if shown and name in CUSTOMER_FORBIDDEN_FIELDS and dialog.interface.admits(Interface.CUSTOMER):
        yield Problem(element, "is shown to customers, who may not set it", name, "warning")
    yield from _default_problems(element, dialog_field, catalog)


def _default_problems(element: str, dialog_field: DialogField, catalog: Catalog) -> Iterator[Problem]:
    """A default must be a value the field accepts. Names of queues, users, dynamic fields … are
    left to the reference check, so a missing one is reported once."""
    name, default = dialog_field.name, dialog_field.default
    if default is None or is_empty(default) or name == ARTICLE or name in ATTRIBUTE_KINDS:
        return
    if name.startswith(DYNAMIC_FIELD_PREFIX) and find_dynamic_field(name, catalog) is None:
        return
    try:
        normalise_value(name, default, catalog)
    except InvalidInputError as error:
        yield Problem(element, f"default: {error.message}", name)
