"""Explicit conversion between ticket rows and the domain ``Ticket``, including dynamic-field rows."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ticketflow.domain.positions import PositionStatus, ProcessPosition
from ticketflow.domain.tickets import Ticket, Value
from ticketflow.usecases.records import NewTicket

# Ticket columns written from the domain, on create and on every update.
_PLAIN_ATTRIBUTES = (
    "title",
    "queue",
    "state",
    "priority",
    "lock",
    "owner",
    "responsible",
    "type",
    "service",
    "sla",
    "customer_id",
    "customer_user_id",
    "pending_until",
    "parent_ticket_id",
)


def ticket_values(ticket: Ticket | NewTicket) -> dict[str, Any]:
    """The row values of a ticket's attributes and process position (not id, number, version, times)."""
    values = {name: getattr(ticket, name) for name in _PLAIN_ATTRIBUTES}
    values.update(position_values(ticket.process))
    return values


def position_values(position: ProcessPosition | None) -> dict[str, Any]:
    if position is None:
        return dict.fromkeys(
            ("process_key", "process_version", "activity_key", "process_status", "process_failure")
        )
    return {
        "process_key": position.process_key,
        "process_version": position.version,
        "activity_key": position.activity_key,
        "process_status": position.status.value,
        "process_failure": position.failure,
    }


def ticket_from_row(row: Mapping[Any, Any], state_type: str, fields: Mapping[str, Value]) -> Ticket:
    """The domain ticket of a ``tickets`` row, its state's type and its dynamic-field values."""
    return Ticket(
        id=row["id"],
        number=row["number"],
        title=row["title"],
        queue=row["queue"],
        state=row["state"],
        state_type=state_type,
        priority=row["priority"],
        lock=row["lock"],
        owner=row["owner"],
        created_at=row["created_at"],
        changed_at=row["changed_at"],
        version=row["version"],
        responsible=row["responsible"],
        type=row["type"],
        service=row["service"],
        sla=row["sla"],
        customer_id=row["customer_id"],
        customer_user_id=row["customer_user_id"],
        pending_until=row["pending_until"],
        dynamic_fields=fields,
        process=_position_from_row(row),
        parent_ticket_id=row["parent_ticket_id"],
    )


def _position_from_row(row: Mapping[Any, Any]) -> ProcessPosition | None:
    if row["process_key"] is None:
        return None
    return ProcessPosition(
        process_key=row["process_key"],
        version=row["process_version"],
        activity_key=row["activity_key"],
        status=PositionStatus(row["process_status"]),
        failure=row["process_failure"],
    )


def field_rows(ticket_id: int, fields: Mapping[str, Value]) -> list[dict[str, Any]]:
    """``ticket_field_values`` rows: one per scalar, one per list item, one marker row for ()."""
    rows: list[dict[str, Any]] = []
    for name, value in fields.items():
        if isinstance(value, str):
            rows.append(_field_row(ticket_id, name, 0, False, value))
        elif not value:
            rows.append(_field_row(ticket_id, name, 0, True, None))
        else:
            rows.extend(_field_row(ticket_id, name, i, True, item) for i, item in enumerate(value))
    return rows


def _field_row(ticket_id: int, name: str, position: int, is_list: bool, text: str | None) -> dict[str, Any]:
    return {
        "ticket_id": ticket_id,
        "field_name": name,
        "position": position,
        "is_list": is_list,
        "value_text": text,
    }


def fields_of_joined(rows: Iterable[Mapping[Any, Any]]) -> dict[str, Value]:
    """Dynamic-field values of one ticket from its rows joined (LEFT JOIN) with its field rows,
    sorted by name and position; a ticket without fields has one row with ``field_name`` None."""
    result: dict[str, Value] = {}
    lists: dict[str, list[str]] = {}
    for row in rows:
        name = row["field_name"]
        if name is None:
            continue
        if not row["is_list"]:
            result[name] = row["value_text"]
            continue
        items = lists.setdefault(name, [])
        if row["value_text"] is not None:
            items.append(row["value_text"])
    for name, items in lists.items():
        result[name] = tuple(items)
    return result


def fields_by_ticket(rows: Iterable[Mapping[Any, Any]]) -> dict[int, dict[str, Value]]:
    """Dynamic-field values per ticket id from ``ticket_field_values`` rows sorted by position."""
    lists: dict[int, dict[str, list[str]]] = {}
    result: dict[int, dict[str, Value]] = {}
    for row in rows:
        ticket_id, name = row["ticket_id"], row["field_name"]
        if not row["is_list"]:
            result.setdefault(ticket_id, {})[name] = row["value_text"]
            continue
        items = lists.setdefault(ticket_id, {}).setdefault(name, [])
        if row["value_text"] is not None:
            items.append(row["value_text"])
    for ticket_id, fields in lists.items():
        target = result.setdefault(ticket_id, {})
        for name, items in fields.items():
            target[name] = tuple(items)
    return result


def changed_fields(old: Mapping[str, Value], new: Mapping[str, Value]) -> tuple[set[str], dict[str, Value]]:
    """What to delete (changed or removed field names) and what to insert (changed or added values)."""
    stale = {name for name, value in old.items() if new.get(name) != value}
    fresh = {name: value for name, value in new.items() if old.get(name) != value}
    return stale, fresh
