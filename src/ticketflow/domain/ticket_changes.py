"""Applying ticket-data values (``Queue``, ``DynamicField_X`` …) to a stored ticket, as pure functions."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from ticketflow.domain.errors import InvalidInputError
from ticketflow.domain.frozen import replacer
from ticketflow.domain.tickets import DYNAMIC_FIELD_PREFIX, Ticket, Value

# ``dataclasses.replace`` for tickets, several times faster (a durable step replaces a ticket 4 times).
replace_ticket = replacer(Ticket)

# OTOBO ticket-data name → attribute of ``Ticket``; the nullable ones may be cleared.
_REQUIRED = {
    "Title": "title",
    "Queue": "queue",
    "State": "state",
    "Priority": "priority",
    "Lock": "lock",
    "Owner": "owner",
}
_OPTIONAL = {
    "Responsible": "responsible",
    "Type": "type",
    "Service": "service",
    "SLA": "sla",
    "CustomerID": "customer_id",
    "CustomerUserID": "customer_user_id",
    "CustomerUser": "customer_user_id",  # OTOBO writes CustomerUser, reads CustomerUserID
}


def apply_values(
    ticket: Ticket, values: Mapping[str, Value | None], state_types: Mapping[str, str]
) -> Ticket:
    """``ticket`` with ``values`` applied. Raises InvalidInputError naming the field for a value that
    cannot be stored (unknown attribute, empty required attribute, unknown state, bad pending time)."""
    changes: dict[str, object] = {}
    fields = dict(ticket.dynamic_fields)
    for key, value in values.items():
        if key.startswith(DYNAMIC_FIELD_PREFIX):
            _set_dynamic_field(fields, key[len(DYNAMIC_FIELD_PREFIX) :], value)
        else:
            changes.update(_attribute_change(key, value, state_types))
    if fields != ticket.dynamic_fields:
        changes["dynamic_fields"] = fields
    return replace_ticket(ticket, **changes) if changes else ticket


def _set_dynamic_field(fields: dict[str, Value], name: str, value: Value | None) -> None:
    if value is None or value == "" or value == ():
        fields.pop(name, None)
    else:
        fields[name] = value


def _attribute_change(key: str, value: Value | None, state_types: Mapping[str, str]) -> dict[str, object]:
    text = ",".join(value) if isinstance(value, tuple) else value
    if key in _REQUIRED:
        if not text:
            raise InvalidInputError("may not be empty", field=key)
        change: dict[str, object] = {_REQUIRED[key]: text}
        if key == "State":
            if text not in state_types:
                raise InvalidInputError(f"state '{text}' does not exist", field=key)
            change["state_type"] = state_types[text]
        return change
    if key in _OPTIONAL:
        return {_OPTIONAL[key]: text or None}
    if key == "PendingTime":
        return {"pending_until": parse_timestamp(text, "PendingTime") if text else None}
    raise InvalidInputError("is not a ticket attribute that can be set", field=key)


def parse_timestamp(text: str, field: str) -> datetime:
    """OTOBO's ``YYYY-MM-DD HH:MM[:SS]`` (or ISO 8601) as an aware UTC datetime."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInputError(
            f"'{text}' is not a date and time (YYYY-MM-DD HH:MM:SS)", field=field
        ) from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
