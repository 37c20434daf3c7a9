"""Permission checks on tickets that every entry point uses: who may see, create, change and list
which tickets. They wrap the ticket use cases, so that the REST API, the OTOBO API and the UI enforce
the same rules (reference §1.7). Who is asking is ``principals``; which activity dialogs a principal
may open and submit is ``dialog_access``.

Each guarded call checks first and then calls the use case. Where the use case takes an
``expected_version``, the version read during the check is passed, so that a ticket that changed
between the check and the write (moved to a queue the caller may not touch) is refused with a
ConflictError instead of being written.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime

from ticketflow.domain.effects import AddArticle
from ticketflow.domain.errors import NotFoundError, PermissionDeniedError
from ticketflow.domain.permissions import customer_may_see, holds, ticket_keys
from ticketflow.domain.tickets import DYNAMIC_FIELD_PREFIX, Ticket, Value
from ticketflow.usecases import tickets
from ticketflow.usecases.catalog_cache import CatalogReads
from ticketflow.usecases.catalog_records import Queue, State
from ticketflow.usecases.ports import UnitOfWork
from ticketflow.usecases.principals import Principal, require_agent, require_scope
from ticketflow.usecases.records import Article, HistoryEntry, TicketQuery
from ticketflow.usecases.runtime import ProcessRuntime

UnitOfWorkFactory = Callable[[], UnitOfWork]
Submitted = Mapping[str, str | Sequence[str]]

# Attribute → the permission key OTOBO's TicketUpdate asks for (§2.6); any other attribute needs rw
# (stricter than OTOBO, which lets ``ro`` change a title: a read-only agent should not write).
_UPDATE_KEYS = {"Queue": "move", "Owner": "owner", "Responsible": "responsible", "Priority": "priority"}


def keys_on(
    uow: UnitOfWork, principal: Principal, ticket: Ticket, records: CatalogReads | None = None
) -> frozenset[str]:
    """The permission keys the principal holds on ``ticket`` (empty: may not even see it). The
    ticket's queue (for its group) is read through ``records`` when given (``ProcessRuntime.records``)."""
    if principal.is_customer:
        own = customer_may_see(
            ticket_customer_user=ticket.customer_user_id,
            ticket_customer_id=ticket.customer_id,
            login=principal.caller.login,
            customer_ids=principal.customer_ids,
        )
        return frozenset({"ro", "rw"}) if own else frozenset()
    queue = records.find(uow, Queue, ticket.queue) if records else uow.catalog.find(Queue, ticket.queue)
    group = queue.group if queue is not None else ""
    return ticket_keys(
        principal.permissions,
        queue_group=group,
        ticket_owner=ticket.owner,
        agent_login=principal.caller.login,
    )


def guarded_ticket(
    uow: UnitOfWork,
    principal: Principal,
    ticket_id: int,
    key: str = "ro",
    records: CatalogReads | None = None,
) -> tuple[Ticket, frozenset[str]]:
    """The ticket and the caller's permission keys on it, in ``uow``; NotFoundError when it does not
    exist or the caller may not see it, PermissionDeniedError when ``key`` is not among the keys."""
    ticket = uow.tickets.find(ticket_id)
    keys = keys_on(uow, principal, ticket, records) if ticket is not None else frozenset()
    if ticket is None or not keys:
        # The same answer for "does not exist" and "not yours": ids must not leak what exists.
        raise NotFoundError(f"ticket {ticket_id} does not exist")
    if not holds(keys, key):
        raise PermissionDeniedError(
            f"{principal.caller} lacks the '{key}' permission on ticket {ticket.number}"
        )
    return ticket, keys


def check_ticket(
    uow_factory: UnitOfWorkFactory, principal: Principal, ticket_id: int, key: str = "ro"
) -> Ticket:
    """The ticket, if the principal holds ``key`` on it; NotFoundError if it may not see it at all."""
    with uow_factory() as uow:
        return guarded_ticket(uow, principal, ticket_id, key)[0]


def list_articles(uow_factory: UnitOfWorkFactory, principal: Principal, ticket_id: int) -> list[Article]:
    """The ticket's articles; a customer gets only those visible to customers."""
    with uow_factory() as uow:
        guarded_ticket(uow, principal, ticket_id)
        return [
            a
            for a in uow.tickets.list_articles(ticket_id)
            if a.visible_for_customer or not principal.is_customer
        ]


def ticket_history(
    uow_factory: UnitOfWorkFactory, principal: Principal, ticket_id: int
) -> list[HistoryEntry]:
    """The history, for agents only (as OTOBO's TicketHistoryGet)."""
    require_agent(principal)
    with uow_factory() as uow:
        guarded_ticket(uow, principal, ticket_id)
        return list(uow.tickets.list_history(ticket_id))


def visible_query(uow_factory: UnitOfWorkFactory, principal: Principal, query: TicketQuery) -> TicketQuery:
    """``query`` narrowed to what the principal may see: an agent's queues with ``ro``, a customer's
    own tickets. (Tickets an agent owns in other queues are not listed — open them by id. A customer's
    company tickets are added by ``list_tickets``.)"""
    if principal.is_customer:
        if query.customer_user_id not in (None, principal.caller.login):
            return replace(query, ids=(-1,))  # asks for someone else's tickets: nothing
        return replace(query, customer_user_id=principal.caller.login)
    with uow_factory() as uow:
        readable = principal.permissions.groups_with("ro")
        queues = {q.name for q in uow.catalog.list(Queue) if q.group in readable}
    allowed = tuple(sorted(queues & set(query.queues))) if query.queues else tuple(sorted(queues))
    return replace(query, queues=allowed or ("\x00no queue",))


def list_tickets(
    uow_factory: UnitOfWorkFactory, principal: Principal, query: TicketQuery
) -> tuple[list[Ticket], int]:
    """The tickets of ``query`` the principal may see, and how many there are in all."""
    if principal.is_customer and principal.customer_ids:
        return _customer_tickets(uow_factory, principal, query)
    return tickets.list_tickets(uow_factory, visible_query(uow_factory, principal, query))


def _customer_tickets(
    uow_factory: UnitOfWorkFactory, principal: Principal, query: TicketQuery
) -> tuple[list[Ticket], int]:
    """A customer's view (OTOBO's CustomerUserIDCheck or CustomerIDCheck): tickets whose customer user
    is the caller, or whose customer id is one of the caller's companies.

    The store's query language has no OR, so the parts are queried one by one: "mine" and one part
    per company (disjoint, a ticket has one customer id). The total is their sum less the overlaps
    (my tickets of a company); the page is merged from each part's first ``offset + limit`` rows."""
    login = principal.caller.login
    parts: list[TicketQuery] = []
    overlaps: list[TicketQuery] = []
    window = None if query.limit is None else query.offset + query.limit
    if query.customer_user_id in (None, login):
        parts.append(replace(query, customer_user_id=login, offset=0, limit=window))
    for company in sorted(principal.customer_ids):
        if query.customer_id not in (None, company):
            continue
        parts.append(replace(query, customer_id=company, offset=0, limit=window))
        if query.customer_user_id in (None, login):
            overlaps.append(replace(query, customer_user_id=login, customer_id=company, limit=0))
    with uow_factory() as uow:
        total = sum(uow.tickets.count(p) for p in parts) - sum(uow.tickets.count(o) for o in overlaps)
        if query.limit == 0:
            return [], total
        merged = {t.id: t for p in parts for t in uow.tickets.list(p)}
    column = query.order_by.value
    ordered = sorted(merged.values(), key=lambda t: (getattr(t, column), t.id), reverse=query.descending)
    end = None if query.limit is None else query.offset + query.limit
    return ordered[query.offset : end], total


def create_ticket(
    uow_factory: UnitOfWorkFactory,
    runtime: ProcessRuntime,
    principal: Principal,
    request: tickets.TicketInput,
    *,
    now: datetime,
    process_key: str | None = None,
    start_values: Submitted | None = None,
    reader: UnitOfWorkFactory | None = None,
) -> Ticket:
    """Create a ticket: agents need ``create`` on the target queue's group; customers create their
    own tickets (the customer user is forced to themselves). The permission check reads through
    ``reader`` when given (a read-only unit of work), the queue's record through ``runtime.records``
    (a queue moved to another group elsewhere is seen within the runtime's ``catalog_ttl``)."""
    require_scope(principal, "write")
    values = dict(request.values)
    if principal.is_customer:
        values["CustomerUserID"] = principal.caller.login
        if principal.customer_ids and "CustomerID" not in values:
            values["CustomerID"] = sorted(principal.customer_ids)[0]
    else:
        # Without a process the queue is the one given: its record (for its group) is usually known
        # from an earlier request, and no unit of work is needed for the check.
        queue_name = str(values.get("Queue") or tickets.DEFAULT_QUEUE)
        queue = runtime.records.fresh(Queue, queue_name) if process_key is None else None
        if queue is None:
            with (reader or uow_factory)() as uow:
                queue_name = _target_queue(uow, runtime, values, process_key, start_values or {})
                queue = runtime.records.find(uow, Queue, queue_name)
        if queue is not None and not principal.permissions.has(queue.group, "create"):
            raise PermissionDeniedError(f"{principal.caller} may not create tickets in queue '{queue_name}'")
    return tickets.create_ticket(
        uow_factory,
        runtime,
        replace(request, values=values),
        caller=principal.caller,
        now=now,
        process_key=process_key,
        start_values=start_values,
    )


def start_process(
    uow_factory: UnitOfWorkFactory,
    runtime: ProcessRuntime,
    principal: Principal,
    key: str,
    ticket_id: int,
    *,
    now: datetime,
    reader: UnitOfWorkFactory | None = None,
) -> Ticket:
    """Put an existing ticket into process ``key``: an agent with ``rw`` on it (OTOBO offers the
    ticket menu "Process" to agents only, and enrolling sets the ticket's process fields). The check
    reads through ``reader`` when given. ``tickets.start_process`` takes no expected version, so the
    check is not pinned to the ticket it read; it refuses a ticket that entered a process meanwhile."""
    require_scope(principal, "write")
    require_agent(principal)
    with (reader or uow_factory)() as uow:
        guarded_ticket(uow, principal, ticket_id, "rw", records=runtime.records)
    return tickets.start_process(uow_factory, runtime, key, ticket_id, caller=principal.caller, now=now)


def _target_queue(
    uow: UnitOfWork,
    runtime: ProcessRuntime,
    values: Mapping[str, Value],
    process_key: str | None,
    start_values: Submitted,
) -> str:
    """The queue a new ticket lands in: what the start dialog sets (a submitted Queue, or the hidden
    default of its Queue field — OTOBO's usual way to route process tickets), else the given Queue,
    else the default queue."""
    submitted = start_values.get("Queue")
    if isinstance(submitted, str) and submitted:
        return submitted
    if process_key is not None:
        latest = uow.processes.find_latest_version(process_key)
        dialog = (
            runtime.load_version(uow, process_key, latest.version).version.process.start_dialog
            if latest
            else None
        )
        for dialog_field in dialog.fields if dialog else ():
            if (
                dialog_field.name == "Queue"
                and isinstance(dialog_field.default, str)
                and dialog_field.default
            ):
                return dialog_field.default
    return str(values.get("Queue") or tickets.DEFAULT_QUEUE)


def update_keys_needed(
    ticket: Ticket, values: Mapping[str, Value], closing_types: frozenset[str]
) -> set[str]:
    """The permission keys an update of ``values`` needs on ``ticket`` (OTOBO's TicketUpdate rules)."""
    needed = {"ro"}
    for name, value in values.items():
        if name.startswith(DYNAMIC_FIELD_PREFIX):
            needed.add("rw")
        elif name == "State":
            needed.add("close" if value in closing_types else "rw")
        else:
            needed.add(_UPDATE_KEYS.get(name, "rw"))
    return needed


def update_ticket(
    uow_factory: UnitOfWorkFactory,
    runtime: ProcessRuntime,
    principal: Principal,
    ticket_id: int,
    values: Mapping[str, Value],
    *,
    now: datetime,
    expected_version: int | None = None,
    article: AddArticle | None = None,
) -> Ticket:
    """Change a ticket, checking every part as OTOBO does: article → ``note``, queue → ``move`` plus
    ``move_into`` on the new queue, owner → ``owner``, priority → ``priority``, closing or pending
    state → ``close``; dynamic fields and other attributes → ``rw``. Customers may only add articles."""
    require_scope(principal, "write")
    with uow_factory() as uow:
        ticket, keys = guarded_ticket(uow, principal, ticket_id, records=runtime.records)
        if principal.is_customer and values:
            raise PermissionDeniedError("customers may only add articles to their tickets")
        closing = frozenset(
            s.name
            for s in uow.catalog.list(State)
            if s.type in ("closed", "pending reminder", "pending auto")
        )
        needed = update_keys_needed(ticket, values, closing) | ({"note"} if article is not None else set())
        missing = sorted(key for key in needed if not holds(keys, key))
        if missing:
            raise PermissionDeniedError(
                f"{principal.caller} lacks {', '.join(missing)} permission on ticket {ticket.number}"
            )
        target = uow.catalog.find(Queue, str(values["Queue"])) if "Queue" in values else None
        if (
            target is not None
            and not principal.is_customer
            and not principal.permissions.has(target.group, "move_into")
        ):
            raise PermissionDeniedError(f"{principal.caller} may not move tickets into queue '{target.name}'")
    version = expected_version if expected_version is not None else ticket.version
    return tickets.update_ticket(
        uow_factory,
        runtime,
        ticket_id,
        values,
        caller=principal.caller,
        now=now,
        expected_version=version,
        article=article,
    )
