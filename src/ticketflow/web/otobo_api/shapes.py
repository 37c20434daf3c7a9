"""OTOBO's JSON shapes (reference §2.6, §8): tickets, articles and history entries as TicketGet and
TicketHistoryGet answer them, and the name ↔ id lookups of queues, states, priorities and types.

Ids are JSON strings, as OTOBO's database strings are. ticketflow refers to catalog rows by name, so
the numeric ids here are derived: a priority's id is its rank (``3 normal`` → 3, as in OTOBO's seed);
seeded states and queues keep OTOBO's seed ids (``new`` → 1, ``Raw`` → 2); anything else gets the next
id in name order. They are stable while the catalog does not change.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ticketflow.domain.catalog import Catalog
from ticketflow.domain.tickets import Ticket
from ticketflow.usecases.records import Article, HistoryEntry

_SEED_STATES = (
    "new",
    "closed successful",
    "closed unsuccessful",
    "open",
    "removed",
    "pending reminder",
    "pending auto close+",
    "pending auto close-",
    "merged",
)
_SEED_QUEUES = ("Postmaster", "Raw", "Junk", "Misc")
_SEED_TYPES = ("Unclassified",)
LOCK_IDS = {"unlock": 1, "lock": 2, "tmp_lock": 3}
SENDER_TYPE_IDS = {"agent": 1, "system": 2, "customer": 3}
CHANNEL_IDS = {"Email": 1, "Phone": 2, "Internal": 3, "Chat": 4}


def _ids(names: Iterable[str], seeded: Sequence[str]) -> dict[str, int]:
    ids = {name: number for number, name in enumerate(seeded, start=1)}
    for name in sorted(set(names) - set(ids)):
        ids[name] = max(ids.values(), default=0) + 1
    return ids


def _priority_ids(names: Iterable[str]) -> dict[str, int]:
    ranked = {name: int(match.group()) for name in names if (match := re.match(r"\d+", name))}
    return _ids(names, ()) if not ranked else {**_ids(set(names) - set(ranked), ()), **ranked}


@dataclass(frozen=True, slots=True)
class Lookups:
    """Name → id per kind (``Queue``, ``State``, ``Priority``, ``Type``, ``Owner``), and back."""

    ids: Mapping[str, Mapping[str, int]]

    @classmethod
    def of(cls, catalog: Catalog) -> Lookups:
        priority = _priority_ids(catalog.priorities)
        return cls(
            {
                "Queue": _ids(catalog.queues, _SEED_QUEUES),
                "State": _ids(catalog.states, _SEED_STATES),
                "Priority": priority,
                "Type": _ids(catalog.types, _SEED_TYPES),
                "Owner": _ids(catalog.users, ("root@localhost",)),
                "Service": _ids(catalog.services, ()),
                "SLA": _ids(catalog.slas, ()),
            }
        )

    def id_of(self, kind: str, name: str | None) -> str:
        if not name:
            return ""
        found = self.ids.get(kind, {}).get(name)
        return "" if found is None else str(found)

    def name_of(self, kind: str, identifier: object) -> str | None:
        text = str(identifier).strip()
        for name, number in self.ids.get(kind, {}).items():
            if str(number) == text:
                return name
        return None


def otobo_time(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S") if moment else ""


def ticket_data(ticket: Ticket, lookups: Lookups, now: datetime, *, dynamic_fields: bool) -> dict[str, Any]:
    """The ticket as OTOBO's TicketGet answers it (without articles)."""
    until = int(ticket.pending_until.timestamp()) if ticket.pending_until else 0
    data: dict[str, Any] = {
        "TicketID": str(ticket.id),
        "TicketNumber": ticket.number,
        "Title": ticket.title,
        "State": ticket.state,
        "StateID": lookups.id_of("State", ticket.state),
        "StateType": ticket.state_type,
        "Priority": ticket.priority,
        "PriorityID": lookups.id_of("Priority", ticket.priority),
        "Lock": ticket.lock,
        "LockID": str(LOCK_IDS.get(ticket.lock, 1)),
        "Queue": ticket.queue,
        "QueueID": lookups.id_of("Queue", ticket.queue),
        "CustomerID": ticket.customer_id or "",
        "CustomerUserID": ticket.customer_user_id or "",
        "Owner": ticket.owner,
        "OwnerID": lookups.id_of("Owner", ticket.owner),
        "Responsible": ticket.responsible or ticket.owner,
        "ResponsibleID": lookups.id_of("Owner", ticket.responsible or ticket.owner),
        # OTOBO always has a type (Ticket::Type::Default "Unclassified", id 1); clients parse TypeID as int.
        "Type": ticket.type or "Unclassified",
        "TypeID": lookups.id_of("Type", ticket.type or "Unclassified") or "1",
        "Service": ticket.service or "",
        "ServiceID": lookups.id_of("Service", ticket.service),
        "SLA": ticket.sla or "",
        "SLAID": lookups.id_of("SLA", ticket.sla),
        "Age": max(0, int((now - ticket.created_at).total_seconds())),
        "Created": otobo_time(ticket.created_at),
        "CreateBy": "1",
        "Changed": otobo_time(ticket.changed_at),
        "ChangeBy": "1",
        "ArchiveFlag": "n",
        "UnlockTimeout": "0",
        "RealTillTimeNotUsed": str(until),
        "UntilTime": max(0, until - int(now.timestamp())) if until else 0,
        "EscalationTime": "0",
        "EscalationResponseTime": "0",
        "EscalationUpdateTime": "0",
        "EscalationSolutionTime": "0",
        "TimeUnit": 0,
    }
    if ticket.parent_ticket_id:
        data["ParentTicketID"] = str(ticket.parent_ticket_id)
    if dynamic_fields:
        data["DynamicField"] = [
            {"Name": name, "Value": list(value) if isinstance(value, tuple) else value}
            for name, value in sorted(ticket.dynamic_fields.items())
        ]
        for entry in data["DynamicField"]:
            data[f"DynamicField_{entry['Name']}"] = entry["Value"]
    return data


def article_data(article: Article, lookups: Lookups) -> dict[str, Any]:
    """An article as OTOBO's ArticleGet (MIME backend) answers it; ``CreateBy`` is a user id there
    (customers and unknown users: 1, OTOBO's CustomerPanelUserID)."""
    user_id = lookups.id_of("Owner", article.created_by) or "1"
    content_type = article.content_type
    mime_type, _, rest = content_type.partition(";")
    charset = rest.split("=", 1)[1].strip() if "=" in rest else ""
    return {
        "ArticleID": str(article.id),
        "TicketID": str(article.ticket_id),
        "ArticleNumber": str(article.number),
        "From": article.from_address,
        "To": article.to_address,
        "Cc": "",
        "Bcc": "",
        "ReplyTo": "",
        "Subject": article.subject,
        "Body": article.body,
        "ContentType": content_type,
        "Charset": charset,
        "MimeType": mime_type.strip(),
        "MessageID": "",
        "InReplyTo": "",
        "References": "",
        "SenderType": article.sender_type,
        "SenderTypeID": str(SENDER_TYPE_IDS.get(article.sender_type, 1)),
        "CommunicationChannel": article.channel,
        "CommunicationChannelID": str(CHANNEL_IDS.get(article.channel, 3)),
        "IsVisibleForCustomer": "1" if article.visible_for_customer else "0",
        "IncomingTime": str(int(article.created_at.timestamp())),
        "CreateTime": otobo_time(article.created_at),
        "CreateBy": user_id,
        "ChangeTime": otobo_time(article.created_at),
        "ChangeBy": user_id,
        "TimeUnit": 0,
    }


def history_data(entry: HistoryEntry, ticket: Ticket, lookups: Lookups) -> dict[str, Any]:
    """One history row with exactly the attributes OTOBO's TicketHistoryGet exposes. The snapshot ids
    are the ticket's current ones: ticketflow's history does not keep them per row."""
    return {
        "TicketID": str(entry.ticket_id),
        "ArticleID": "",
        "Name": entry.name,
        "CreateBy": lookups.id_of("Owner", entry.created_by) or "1",
        "CreateTime": otobo_time(entry.created_at),
        "HistoryType": entry.history_type,
        "HistoryTypeID": "",
        "QueueID": lookups.id_of("Queue", ticket.queue),
        "OwnerID": lookups.id_of("Owner", ticket.owner),
        "PriorityID": lookups.id_of("Priority", ticket.priority),
        "StateID": lookups.id_of("State", ticket.state),
        "TypeID": lookups.id_of("Type", ticket.type),
    }
