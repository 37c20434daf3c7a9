"""OTOBO's TicketSearch (reference §2.6) on the ticket list use case, limited to what the caller sees.

Filters by number, title (``%``/``*`` wildcards), queues, states, state types, priorities, types,
customer and dynamic fields (``Equals``); other criteria are ignored. Answers ``{}`` when nothing
matches, as OTOBO does.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ticketflow.domain.tickets import DYNAMIC_FIELD_PREFIX, Ticket
from ticketflow.usecases import access
from ticketflow.usecases.records import TicketOrder, TicketQuery
from ticketflow.web.otobo_api.operations import Context, Data, as_list, authenticate, objects, text
from ticketflow.web.otobo_api.shapes import Lookups


def ticket_search(context: Context, data: Data) -> dict[str, Any]:
    principal = authenticate(context, data)
    lookups = context.lookups()
    query = _search_query(data, lookups)
    found, _ = access.list_tickets(context.application.uow, principal, query)
    matching = [t for t in found if _post_filters_hold(t, data, lookups)]
    limit = text(data.get("Limit"))
    matching = matching[: int(limit)] if limit.isdigit() and int(limit) > 0 else matching[:500]
    return {"TicketID": [str(t.id) for t in matching]} if matching else {}


def _names(data: Data, key: str, kind: str, lookups: Lookups) -> tuple[str, ...]:
    names = as_list(data.get(f"{key}s" if not key.endswith("y") else f"{key[:-1]}ies"))
    names += [n for i in as_list(data.get(f"{kind}IDs")) if (n := lookups.name_of(kind, i)) is not None]
    return tuple(names)


def _search_query(data: Data, lookups: Lookups) -> TicketQuery:
    state_types = tuple(
        {"open": "open", "closed": "closed"}.get(t.lower(), t) for t in as_list(data.get("StateType"))
    )
    fields = {}
    for key, value in data.items():
        if key.startswith(DYNAMIC_FIELD_PREFIX) and isinstance(value, Mapping) and "Equals" in value:
            fields[key[len(DYNAMIC_FIELD_PREFIX) :]] = text(value["Equals"])
    if isinstance(data.get("DynamicField"), list | Mapping):
        for entry in objects(data["DynamicField"]):
            if "Equals" in entry and text(entry.get("Name")):
                fields[text(entry["Name"])] = text(entry["Equals"])
    ascending = text(data.get("OrderBy")).lower() == "up"
    return TicketQuery(
        queues=_names(data, "Queue", "Queue", lookups),
        states=_names(data, "State", "State", lookups),
        state_types=tuple(t for t in state_types if t not in ("Open", "Closed")),
        customer_user_id=text(data.get("CustomerUserLogin")) or None,
        customer_id=text(data.get("CustomerID")) or None,
        dynamic_field_equals=fields,
        order_by=TicketOrder.ID,
        descending=not ascending,
        limit=None,
    )


def _title_pattern(title: str) -> re.Pattern[str]:
    parts = (re.escape(part) for part in re.split(r"[%*]", title))
    return re.compile(".*".join(parts), re.IGNORECASE | re.DOTALL)


def _post_filters_hold(ticket: Ticket, data: Data, lookups: Lookups) -> bool:
    titles = as_list(data.get("Title")) if isinstance(data.get("Title"), list) else [text(data.get("Title"))]
    titles = [t for t in titles if t]
    if titles and not any(_title_pattern(t).fullmatch(ticket.title) for t in titles):
        return False
    numbers = as_list(data.get("TicketNumber"))
    if numbers and not any(_title_pattern(n).fullmatch(ticket.number) for n in numbers):
        return False
    priorities = _names(data, "Priority", "Priority", lookups)
    if priorities and ticket.priority not in priorities:
        return False
    types = _names(data, "Type", "Type", lookups)
    return not types or ticket.type in types
