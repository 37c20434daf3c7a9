"""Values the store hands to and takes from the use cases: tickets' companions, processes, jobs.

Plain frozen dataclasses: the use cases never see an ORM row. Catalog records live in
``ticketflow.usecases.catalog_records``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from ticketflow.domain.positions import PositionStatus, ProcessPosition
from ticketflow.domain.tickets import Value

# History types we add to OTOBO's 55 (reference §1.5) for the process engine's audit trail.
PROCESS_HISTORY_TYPES = (
    "ProcessStart",
    "ProcessTransition",
    "ProcessFailed",
    "ProcessCompleted",
    "ScriptTask",
    "ServiceTask",
)


@dataclass(frozen=True, slots=True)
class NewTicket:
    """A ticket to create: every ``Ticket`` field but those the store assigns.

    The store assigns id, number (OTOBO DateChecksum), version 1 and the timestamps. ``created_at``
    may be given (backtests, imports); None means the store's clock. ``StateType`` is derived from
    the state.
    """

    title: str
    queue: str
    state: str
    priority: str
    owner: str
    lock: str = "unlock"
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
    created_at: datetime | None = None


class TicketOrder(StrEnum):
    """Columns a ticket list may be sorted by."""

    ID = "id"
    NUMBER = "number"
    TITLE = "title"
    CREATED_AT = "created_at"
    CHANGED_AT = "changed_at"
    PRIORITY = "priority"
    QUEUE = "queue"
    STATE = "state"


@dataclass(frozen=True, slots=True)
class TicketQuery:
    """A ticket search. Every given filter must hold (AND); a tuple filter matches any of its values.

    Empty tuples and None mean "no filter". ``title_contains`` is case-insensitive.
    ``dynamic_field_equals`` maps field name → value; a Multiselect field matches when any of its
    selected keys equals the value. ``pending_due_at`` keeps tickets whose pending time is at or
    before it. ``limit`` None means no limit.
    """

    ids: tuple[int, ...] = ()
    queues: tuple[str, ...] = ()
    states: tuple[str, ...] = ()
    state_types: tuple[str, ...] = ()
    owner: str | None = None
    customer_user_id: str | None = None
    customer_id: str | None = None
    process_key: str | None = None
    process_version: int | None = None  # the version a ticket is pinned to
    activity_key: str | None = None
    process_status: PositionStatus | None = None
    parent_ticket_id: int | None = None
    title_contains: str | None = None
    pending_due_at: datetime | None = None
    dynamic_field_equals: Mapping[str, str] = field(default_factory=dict)
    order_by: TicketOrder = TicketOrder.ID
    descending: bool = False
    limit: int | None = 100
    offset: int = 0


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One ``ticket_history`` row. ``history_type`` is OTOBO's name (``NewTicket``, ``Move``,
    ``StateUpdate``, ``TicketDynamicFieldUpdate`` …) or one of ``PROCESS_HISTORY_TYPES``; ``name`` is
    OTOBO's ``%%``-joined machine text; ``trace`` is the engine's "why" records (JSON-able)."""

    ticket_id: int
    history_type: str
    name: str
    created_at: datetime
    created_by: str
    trace: Sequence[Mapping[str, object]] = ()
    id: int | None = None


@dataclass(frozen=True, slots=True)
class NewArticle:
    """An article to add. ``channel`` is Email/Phone/Internal/Chat; ``sender_type`` agent/system/customer.
    ``created_at`` None means the store's clock."""

    subject: str
    body: str
    created_by: str
    channel: str = "Internal"
    sender_type: str = "agent"
    visible_for_customer: bool = False
    from_address: str = ""
    to_address: str = ""
    content_type: str = "text/plain; charset=utf-8"
    created_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Article:
    """A stored article; ``number`` counts the ticket's articles from 1."""

    id: int
    ticket_id: int
    number: int
    subject: str
    body: str
    created_by: str
    created_at: datetime
    channel: str
    sender_type: str
    visible_for_customer: bool
    from_address: str
    to_address: str
    content_type: str


@dataclass(frozen=True, slots=True)
class NewAttachment:
    """A file to attach to an article: its name, MIME type and bytes."""

    filename: str
    content_type: str
    content: bytes


@dataclass(frozen=True, slots=True)
class Attachment:
    """A stored attachment. ``content`` is None where only the list was asked for (a ticket's zoom)."""

    id: int
    article_id: int
    ticket_id: int
    filename: str
    content_type: str
    size: int
    created_at: datetime
    content: bytes | None = None


@dataclass(frozen=True, slots=True)
class TicketLink:
    """A link between two tickets; ``link_type`` is OTOBO's (``Normal``, ``ParentChild``)."""

    source_id: int
    target_id: int
    link_type: str


@dataclass(frozen=True, slots=True)
class Draft:
    """The saved, not yet deployed, state of a process. ``revision`` grows by one per save."""

    key: str
    name: str
    document: Mapping[str, Any]
    revision: int
    saved_at: datetime
    saved_by: str


@dataclass(frozen=True, slots=True)
class StoredVersion:
    """A deployed, immutable process version."""

    key: str
    version: int
    document: Mapping[str, Any]
    content_hash: str
    deployed_at: datetime
    deployed_by: str
    note: str = ""


@dataclass(frozen=True, slots=True)
class ProcessSummary:
    """One line of the process list. ``state`` is OTOBO's (Active, FadeAway, Inactive)."""

    key: str
    name: str
    state: str
    latest_version: int | None
    draft_revision: int | None
    changed_at: datetime


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    DEAD = "dead"


@dataclass(frozen=True, slots=True)
class Job:
    """A unit of worker work, written in the same transaction as the change that caused it."""

    id: int
    kind: str
    payload: Mapping[str, Any]
    ticket_id: int | None
    status: JobStatus
    attempts: int
    max_attempts: int
    run_at: datetime
    created_at: datetime
    locked_until: datetime | None = None
    locked_by: str | None = None
    last_error: str | None = None
    finished_at: datetime | None = None
    idempotency_key: str | None = None
