"""The ticket as the engine sees it: an immutable snapshot keyed by OTOBO's ticket-data names."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType

from ticketflow.domain.frozen import builder
from ticketflow.domain.positions import ProcessPosition

# A stored value: text, or a list of texts (Multiselect). Checkbox is "0"/"1", dates "YYYY-MM-DD HH:MM:SS".
Value = str | tuple[str, ...]

DYNAMIC_FIELD_PREFIX = "DynamicField_"

# Ticket attributes a dialog, a transition action or a script may set, by their OTOBO names.
SETTABLE_ATTRIBUTES = (
    "Title",
    "Queue",
    "State",
    "Priority",
    "Lock",
    "Owner",
    "Responsible",
    "Type",
    "Service",
    "SLA",
    "CustomerID",
    "CustomerUserID",
    "PendingTime",
)

# Read-only attributes the snapshot may also carry (conditions and placeholders read them).
READ_ONLY_ATTRIBUTES = ("TicketID", "TicketNumber", "StateType", "Created", "Changed", "ParentTicketID")

_EMPTY: Mapping[str, str] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class TicketSnapshot:
    """What a condition, a transition action or a script may read of one ticket.

    ``attributes`` uses OTOBO's names (``Queue`` holds the queue name, ``Owner`` the login …);
    ``dynamic_fields`` is keyed by the field name *without* the ``DynamicField_`` prefix;
    ``customer`` holds the customer user's data (``UserEmail``, ``UserFirstname`` …) for copies and
    placeholders; ``linked`` the data of linked tickets by ticket id, for scripts that copy from them.
    """

    attributes: Mapping[str, str]
    dynamic_fields: Mapping[str, Value] = field(default_factory=dict)
    customer: Mapping[str, str] = field(default_factory=dict)
    linked: Mapping[str, Mapping[str, Value]] = field(default_factory=dict)

    def value(self, key: str) -> Value | None:
        """The value under an OTOBO ticket-data key (``Queue``, ``DynamicField_Status`` …) or None."""
        if key.startswith(DYNAMIC_FIELD_PREFIX):
            return self.dynamic_fields.get(key[len(DYNAMIC_FIELD_PREFIX) :])
        return self.attributes.get(key)

    def data(self) -> dict[str, Value]:
        """OTOBO's ticket data: the attributes plus every dynamic field as ``DynamicField_<Name>``."""
        result: dict[str, Value] = dict(self.attributes)
        for name, stored in self.dynamic_fields.items():
            result[DYNAMIC_FIELD_PREFIX + name] = stored
        return result

    def with_value(self, key: str, new: Value | None) -> TicketSnapshot:
        """A copy with one attribute or ``DynamicField_<Name>`` changed (None removes it)."""
        # Built with _new_snapshot, not dataclasses.replace: 0.6 µs instead of 2.2 µs, and a dialog
        # submit on the engine's hot path changes a field this way.
        if key.startswith(DYNAMIC_FIELD_PREFIX):
            fields = dict(self.dynamic_fields)
            _put(fields, key[len(DYNAMIC_FIELD_PREFIX) :], new)
            return _new_snapshot(self.attributes, fields, self.customer, self.linked)
        attributes = dict(self.attributes)
        if new is None:
            attributes.pop(key, None)
        else:
            attributes[key] = ",".join(new) if isinstance(new, tuple) else new
        return _new_snapshot(attributes, self.dynamic_fields, self.customer, self.linked)


_new_snapshot: Callable[
    [Mapping[str, str], Mapping[str, Value], Mapping[str, str], Mapping[str, Mapping[str, Value]]],
    TicketSnapshot,
] = builder(TicketSnapshot)


def _put(target: dict[str, Value], key: str, new: Value | None) -> None:
    if new is None:
        target.pop(key, None)
    else:
        target[key] = new


@dataclass(frozen=True, slots=True)
class Ticket:
    """A stored ticket. ``version`` guards against lost updates: a write names the version it read."""

    id: int
    number: str
    title: str
    queue: str
    state: str
    state_type: str
    priority: str
    lock: str
    owner: str
    created_at: datetime
    changed_at: datetime
    version: int = 1
    responsible: str | None = None
    type: str | None = None
    service: str | None = None
    sla: str | None = None
    customer_id: str | None = None
    customer_user_id: str | None = None
    pending_until: datetime | None = None
    dynamic_fields: Mapping[str, Value] = field(default_factory=dict)
    process: ProcessPosition | None = None
    parent_ticket_id: int | None = None

    def snapshot(
        self,
        customer: Mapping[str, str] = _EMPTY,
        linked: Mapping[str, Mapping[str, Value]] | None = None,
    ) -> TicketSnapshot:
        """The ticket in OTOBO's ticket-data names, for conditions, actions and scripts."""
        optional = {
            "Responsible": self.responsible,
            "Type": self.type,
            "Service": self.service,
            "SLA": self.sla,
            "CustomerID": self.customer_id,
            "CustomerUserID": self.customer_user_id,
            "PendingTime": _format_time(self.pending_until),
            "ParentTicketID": str(self.parent_ticket_id) if self.parent_ticket_id else None,
        }
        attributes = {
            "TicketID": str(self.id),
            "TicketNumber": self.number,
            "Title": self.title,
            "Queue": self.queue,
            "State": self.state,
            "StateType": self.state_type,
            "Priority": self.priority,
            "Lock": self.lock,
            "Owner": self.owner,
            "Created": _format_time(self.created_at) or "",
            "Changed": _format_time(self.changed_at) or "",
        }
        attributes.update({k: v for k, v in optional.items() if v is not None})
        return TicketSnapshot(attributes, dict(self.dynamic_fields), customer, linked or {})


def _format_time(moment: datetime | None) -> str | None:
    """OTOBO's timestamp format, ``YYYY-MM-DD HH:MM:SS`` (UTC here). ``isoformat`` cut before the
    offset: a fifth of ``strftime``'s time, and every engine step formats two."""
    return moment.isoformat(" ", "seconds")[:19] if moment else None
