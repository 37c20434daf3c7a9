"""The ticket as the engine sees it: an immutable snapshot keyed by OTOBO's ticket-data names."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType

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
    customer: Mapping[str, str] = _EMPTY
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
        if key.startswith(DYNAMIC_FIELD_PREFIX):
            fields = dict(self.dynamic_fields)
            _put(fields, key[len(DYNAMIC_FIELD_PREFIX) :], new)
            return replace(self, dynamic_fields=fields)
        attributes = dict(self.attributes)
        if new is None:
            attributes.pop(key, None)
        else:
            attributes[key] = ",".join(new) if isinstance(new, tuple) else new
        return replace(self, attributes=attributes)


def _put(target: dict[str, Value], key: str, new: Value | None) -> None:
    if new is None:
        target.pop(key, None)
    else:
        target[key] = new
