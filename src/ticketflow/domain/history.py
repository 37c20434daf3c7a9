"""Ticket history in OTOBO's vocabulary: which history entries a change of a ticket produces."""

from __future__ import annotations

from dataclasses import dataclass

from ticketflow.domain.tickets import Ticket, Value


@dataclass(frozen=True, slots=True)
class HistoryLine:
    """An OTOBO history type and its ``%%``-joined name (reference: otobo-ticket-and-api.md §1.5)."""

    history_type: str
    name: str


# attribute of Ticket → (history type, how the name is laid out)
_ATTRIBUTE_TYPES = {
    "title": "TitleUpdate",
    "queue": "Move",
    "state": "StateUpdate",
    "priority": "PriorityUpdate",
    "owner": "OwnerUpdate",
    "responsible": "ResponsibleUpdate",
    "type": "TypeUpdate",
    "service": "ServiceUpdate",
    "sla": "SLAUpdate",
    "pending_until": "SetPendingTime",
}


def describe_changes(before: Ticket, after: Ticket) -> list[HistoryLine]:
    """The history lines OTOBO would write for the difference between two versions of a ticket.

    Setting a value to what it already was writes nothing (OTOBO: no event, no history).
    """
    lines = [_attribute_line(name, getattr(before, name), getattr(after, name)) for name in _ATTRIBUTE_TYPES]
    result = [line for line in lines if line is not None]
    if before.lock != after.lock:
        result.append(HistoryLine("Lock" if after.lock == "lock" else "Unlock", f"%%{after.lock}"))
    if (before.customer_id, before.customer_user_id) != (after.customer_id, after.customer_user_id):
        result.append(
            HistoryLine(
                "CustomerUpdate",
                f"%%CustomerID={after.customer_id or ''};CustomerUser={after.customer_user_id or ''};",
            )
        )
    result += _dynamic_field_lines(before, after)
    return result


def _attribute_line(name: str, old: object, new: object) -> HistoryLine | None:
    if old == new:
        return None
    history_type = _ATTRIBUTE_TYPES[name]
    if history_type == "SetPendingTime":
        return HistoryLine(history_type, f"%%{new:%Y-%m-%d %H:%M}" if new else "%%")
    if history_type in ("TitleUpdate", "StateUpdate"):
        return HistoryLine(history_type, f"%%{old or ''}%%{new or ''}" + ("%%" if name == "state" else ""))
    if history_type in ("OwnerUpdate", "ResponsibleUpdate"):
        return HistoryLine(history_type, f"%%{new or ''}")
    return HistoryLine(history_type, f"%%{new or ''}%%{old or ''}")


def _dynamic_field_lines(before: Ticket, after: Ticket) -> list[HistoryLine]:
    lines = []
    for name in sorted(before.dynamic_fields.keys() | after.dynamic_fields.keys()):
        old, new = before.dynamic_fields.get(name), after.dynamic_fields.get(name)
        if old != new:
            text = f"%%FieldName%%{name}%%Value%%{_text(new)}%%OldValue%%{_text(old)}"
            lines.append(HistoryLine("TicketDynamicFieldUpdate", _shorten(text)))
    return lines


def _text(value: Value | None) -> str:
    if value is None:
        return ""
    return ",".join(value) if isinstance(value, tuple) else value


def _shorten(text: str, limit: int = 200) -> str:
    """OTOBO's history name column holds 200 characters; longer names are cut with ``[...]``."""
    return text if len(text) <= limit else text[: limit - 5] + "[...]"
