"""The queue view's filters: ticket attributes and dynamic-field values from the page's query string,
turned into a ``TicketQuery`` and back into links — the same filters the REST search offers.

Dynamic fields are filtered by their form names (``DynamicField_<Name>=value``), one input per field
that can be searched by equality (text, checkbox, dropdown, multiselect; dates are left out as in
OTOBO's notification filters).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlencode

from starlette.datastructures import QueryParams

from ticketflow.domain.catalog import Catalog, DynamicFieldDefinition, DynamicFieldType
from ticketflow.domain.errors import InvalidInputError
from ticketflow.domain.positions import PositionStatus
from ticketflow.domain.tickets import DYNAMIC_FIELD_PREFIX
from ticketflow.usecases.records import TicketOrder, TicketQuery

SEARCHABLE_TYPES = frozenset(
    {
        DynamicFieldType.TEXT,
        DynamicFieldType.TEXT_AREA,
        DynamicFieldType.CHECKBOX,
        DynamicFieldType.DROPDOWN,
        DynamicFieldType.MULTISELECT,
    }
)
# Attribute filters: query-string name → what it filters.
ATTRIBUTES = ("queue", "state", "q", "owner", "customer_user", "process", "activity", "process_status")
MAX_TEXT = 200


@dataclass(frozen=True, slots=True)
class QueueFilters:
    """What the agent asked for; empty strings mean "any"."""

    attributes: Mapping[str, str]
    fields: Mapping[str, str] = field(default_factory=dict)  # dynamic field name → value

    def query(self, order_by: TicketOrder, descending: bool, limit: int, offset: int) -> TicketQuery:
        a = self.attributes
        status = a.get("process_status", "")
        return TicketQuery(
            queues=(a["queue"],) if a.get("queue") else (),
            states=(a["state"],) if a.get("state") else (),
            title_contains=a.get("q") or None,
            owner=a.get("owner") or None,
            customer_user_id=a.get("customer_user") or None,
            process_key=a.get("process") or None,
            activity_key=a.get("activity") or None,
            process_status=PositionStatus(status) if status else None,
            dynamic_field_equals=dict(self.fields),
            order_by=order_by,
            descending=descending,
            limit=limit,
            offset=offset,
        )

    def encoded(self) -> dict[str, str]:
        """The non-empty filters as query-string pairs (for sort, pager and bookmarkable links)."""
        pairs = {k: v for k, v in self.attributes.items() if v}
        pairs.update({f"{DYNAMIC_FIELD_PREFIX}{name}": value for name, value in self.fields.items()})
        return pairs

    def link(self, **extra: str) -> str:
        return "/agent/queue?" + urlencode({**self.encoded(), **extra})

    @property
    def advanced(self) -> bool:
        """Whether a filter beyond queue, state and title is set (the page then opens "More filters")."""
        return bool(self.fields) or any(self.attributes.get(k) for k in ATTRIBUTES[3:])


def searchable_fields(catalog: Catalog) -> list[DynamicFieldDefinition]:
    return [d for d in catalog.dynamic_fields.values() if d.type in SEARCHABLE_TYPES]


def parse_filters(params: QueryParams, catalog: Catalog) -> QueueFilters:
    """The filters of a queue-view URL. InvalidInputError names a parameter that does not fit: a
    dynamic field this system lacks or cannot search, an unknown process status, an overlong text."""
    attributes = {name: params.get(name, "").strip() for name in ATTRIBUTES}
    for name, value in attributes.items():
        if len(value) > MAX_TEXT:
            raise InvalidInputError(f"is longer than {MAX_TEXT} characters", field=name)
    status = attributes["process_status"]
    if status and status not in {s.value for s in PositionStatus}:
        known = ", ".join(s.value for s in PositionStatus)
        raise InvalidInputError(f"'{status}' is not a process status ({known})", field="process_status")
    searchable = {d.name for d in searchable_fields(catalog)}
    fields: dict[str, str] = {}
    for key, value in params.multi_items():
        if not key.startswith(DYNAMIC_FIELD_PREFIX) or not value.strip():
            continue
        name = key[len(DYNAMIC_FIELD_PREFIX) :]
        if name not in searchable:
            raise InvalidInputError("is not a dynamic field that can be searched", field=key)
        if len(value) > MAX_TEXT:
            raise InvalidInputError(f"is longer than {MAX_TEXT} characters", field=key)
        fields[name] = value.strip()
    return QueueFilters(attributes, fields)
