"""Permission checks that every entry point uses: who may see, change and list which tickets, submit
which dialogs, and administer the system. They wrap the ticket and dialog use cases, so that the REST
API, the OTOBO API and the UI enforce the same rules (reference §1.7).

Each guarded call checks first and then calls the use case. Where the use case takes an
``expected_version``, the version read during the check is passed, so that a ticket that changed
between the check and the write (moved to a queue the caller may not touch) is refused with a
ConflictError instead of being written.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from ticketflow.domain.definitions import ActivityDialog, Interface
from ticketflow.domain.dialogs import check_dialog_access
from ticketflow.domain.effects import AddArticle
from ticketflow.domain.errors import NotFoundError, PermissionDeniedError
from ticketflow.domain.permissions import (
    AgentPermissions,
    customer_may_see,
    effective_permissions,
    holds,
    ticket_keys,
)
from ticketflow.domain.tickets import DYNAMIC_FIELD_PREFIX, Ticket, Value
from ticketflow.usecases import dialogs, tickets
from ticketflow.usecases.auth_records import SCOPES
from ticketflow.usecases.callers import Caller
from ticketflow.usecases.catalog_cache import CatalogReads
from ticketflow.usecases.catalog_records import Agent, CustomerUser, Queue, Role, State
from ticketflow.usecases.ports import UnitOfWork
from ticketflow.usecases.records import Article, HistoryEntry, TicketQuery
from ticketflow.usecases.runtime import ProcessRuntime

UnitOfWorkFactory = Callable[[], UnitOfWork]
Submitted = Mapping[str, str | Sequence[str]]

# Attribute → the permission key OTOBO's TicketUpdate asks for (§2.6); any other attribute needs rw
# (stricter than OTOBO, which lets ``ro`` change a title: a read-only agent should not write).
_UPDATE_KEYS = {"Queue": "move", "Owner": "owner", "Responsible": "responsible", "Priority": "priority"}


@dataclass(frozen=True, slots=True)
class Principal:
    """A signed-in caller with what it may do: agent permissions per group, a customer's company ids,
    and the scopes of the credential used (all of them for passwords and sessions)."""

    caller: Caller
    permissions: AgentPermissions = field(default_factory=AgentPermissions)
    customer_ids: frozenset[str] = frozenset()
    scopes: frozenset[str] = frozenset(SCOPES)

    @property
    def is_customer(self) -> bool:
        return self.caller.interface is Interface.CUSTOMER


Grants = Mapping[str, frozenset[str]]  # permission group → keys


class RoleGrants:
    """What each valid role grants, read at most once per ``ttl`` seconds: every request of an entry
    point needs it to build its caller's permissions, and roles change rarely. A role the cache does
    not know yet (created since) makes it read again at once, so a new role works immediately; a
    changed grant shows within ``ttl``. ``forget`` drops it (after an admin change here)."""

    def __init__(self, ttl: float = 5.0, clock: Callable[[], float] = time.monotonic) -> None:
        self._ttl = ttl
        self._clock = clock
        self._grants: tuple[float, Mapping[str, Grants]] | None = None

    def grants(self, uow: UnitOfWork, roles: Sequence[str]) -> Mapping[str, Grants]:
        now = self._clock()
        cached = self._grants
        if cached is None or now - cached[0] > self._ttl or any(r not in cached[1] for r in roles):
            read: dict[str, Grants] = {r.name: r.permissions for r in uow.catalog.list(Role) if r.valid}
            # An invalid or missing role the agent holds is remembered as granting nothing, so that
            # it does not make every request read again.
            cached = (now, {**{role: {} for role in roles}, **read})
            self._grants = cached
        return cached[1]

    def forget(self) -> None:
        self._grants = None

    def fresh(self, roles: Sequence[str]) -> Mapping[str, Grants] | None:
        """The grants as last read if that is under ``ttl`` ago and knows every role in ``roles``;
        None when ``grants`` would read (so the caller needs no unit of work otherwise)."""
        cached = self._grants
        if cached is None or self._clock() - cached[0] > self._ttl or any(r not in cached[1] for r in roles):
            return None
        return cached[1]


class AgentRecords:
    """Agents' records (valid, roles) as read at most ``ttl`` seconds ago, like ``RoleGrants``:
    every request signed in by a token or a session needs its agent's, and they change rarely. An
    agent made invalid, or given other roles, is seen within ``ttl``; a revoked token or an ended
    session is seen at once (their rows are read on every request)."""

    def __init__(self, ttl: float = 5.0, clock: Callable[[], float] = time.monotonic) -> None:
        self._ttl = ttl
        self._clock = clock
        self._agents: dict[str, tuple[float, Agent]] = {}

    def fresh(self, login: str) -> Agent | None:
        """The agent as read under ``ttl`` ago, or None (not known, or too old)."""
        cached = self._agents.get(login)
        if cached is None or self._clock() - cached[0] > self._ttl:
            return None
        return cached[1]

    def remember(self, agent: Agent) -> None:
        self._agents[agent.login] = (self._clock(), agent)

    def forget(self) -> None:
        self._agents = {}


def load_principal(
    uow_factory: UnitOfWorkFactory,
    caller: Caller,
    scopes: frozenset[str] = frozenset(SCOPES),
    *,
    role_grants: RoleGrants | None = None,
    agent: Agent | None = None,
    agents: AgentRecords | None = None,
) -> Principal:
    """The caller's permissions as stored now (role grants possibly from ``role_grants``, the agent's
    record from ``agents``, see there). ``agent`` is the caller's agent record when the sign-in
    already read it (not read again). With both caches fresh no unit of work is opened.
    PermissionDeniedError for an unknown or invalid user."""
    if caller.interface is Interface.AGENT and role_grants is not None:
        known = agent if agent is not None and agent.login == caller.login else None
        if known is None and agents is not None:
            known = agents.fresh(caller.login)
        grants = role_grants.fresh(known.roles) if known is not None else None
        if known is not None and grants is not None:
            if not known.valid:
                raise PermissionDeniedError(f"agent '{caller.login}' is unknown or invalid")
            return Principal(caller, effective_permissions(known.roles, grants), scopes=scopes)
    with uow_factory() as uow:
        if caller.interface is Interface.CUSTOMER:
            customer = uow.catalog.find(CustomerUser, caller.login)
            if customer is None or not customer.valid:
                raise PermissionDeniedError(f"customer user '{caller.login}' is unknown or invalid")
            ids = frozenset({customer.customer_id} - {""})
            return Principal(replace(caller, customer_ids=ids), customer_ids=ids, scopes=scopes)
        if agent is None or agent.login != caller.login:
            agent = uow.catalog.find(Agent, caller.login)
            if agent is not None and agents is not None:
                agents.remember(agent)
        if agent is None or not agent.valid:
            raise PermissionDeniedError(f"agent '{caller.login}' is unknown or invalid")
        if role_grants is not None:
            grants = role_grants.grants(uow, agent.roles)
        else:
            grants = {role.name: role.permissions for role in uow.catalog.list(Role) if role.valid}
        return Principal(caller, effective_permissions(agent.roles, grants), scopes=scopes)


def require_scope(principal: Principal, scope: str) -> None:
    """API tokens carry scopes; refuse a call the token was not made for."""
    if scope not in principal.scopes and "admin" not in principal.scopes:
        raise PermissionDeniedError(f"this API token lacks the '{scope}' scope")


def require_admin(principal: Principal) -> None:
    """Admin work: an agent with rw on group ``admin``, through a credential with the ``admin`` scope."""
    require_scope(principal, "admin")
    if principal.is_customer or not principal.permissions.is_admin:
        raise PermissionDeniedError(f"{principal.caller} is not an administrator (rw on group 'admin')")


def require_agent(principal: Principal) -> None:
    if principal.is_customer:
        raise PermissionDeniedError("only agents may do this")


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


def _guarded(
    uow: UnitOfWork,
    principal: Principal,
    ticket_id: int,
    key: str = "ro",
    records: CatalogReads | None = None,
) -> tuple[Ticket, frozenset[str]]:
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
        return _guarded(uow, principal, ticket_id, key)[0]


def show_ticket(
    uow_factory: UnitOfWorkFactory,
    runtime: ProcessRuntime,
    principal: Principal,
    ticket_id: int,
    *,
    steps: int = 5,
) -> tickets.TicketView:
    """The ticket view with only the dialogs the principal may submit, and its last ``steps`` process
    steps for an agent (a customer gets none: the history is for agents, see ``ticket_history``)."""
    check_ticket(uow_factory, principal, ticket_id)
    view = tickets.show_ticket(uow_factory, runtime, ticket_id, caller=principal.caller, steps=steps)
    permitted = available_dialogs(uow_factory, runtime, principal, ticket_id, view.dialogs)
    recent = () if principal.is_customer else view.recent_steps
    return replace(view, dialogs=permitted, recent_steps=recent)


def list_articles(uow_factory: UnitOfWorkFactory, principal: Principal, ticket_id: int) -> list[Article]:
    """The ticket's articles; a customer gets only those visible to customers."""
    with uow_factory() as uow:
        _guarded(uow, principal, ticket_id)
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
        _guarded(uow, principal, ticket_id)
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
        _guarded(uow, principal, ticket_id, "rw", records=runtime.records)
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
        ticket, keys = _guarded(uow, principal, ticket_id, records=runtime.records)
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


def _dialog_permitted(
    principal: Principal, dialog: ActivityDialog, ticket: Ticket, keys: frozenset[str]
) -> bool:
    if principal.is_customer:
        return True  # a customer dialog's visibility is its Interface; OTOBO checks no agent keys there
    try:
        _check_dialog(principal, dialog, ticket, keys)
    except PermissionDeniedError:
        return False
    return True


def _check_dialog(principal: Principal, dialog: ActivityDialog, ticket: Ticket, keys: frozenset[str]) -> None:
    """An agent's right to work on ``dialog``: its permission type, the lock not held by someone else
    (§2.3) and, where the dialog will take the lock, the right to lock (OTOBO's ``owner``, which ``rw``
    and owning the ticket include; reference §1.7)."""
    check_dialog_access(dialog, keys, ticket.lock, ticket.owner, principal.caller.login)
    if dialogs.needs_lock(dialog, ticket, principal.caller) and not holds(keys, "owner"):
        raise PermissionDeniedError(
            f"the dialog '{dialog.name}' locks the ticket, and {principal.caller} lacks the 'owner' "
            f"permission needed to lock ticket {ticket.number}"
        )


def available_dialogs(
    uow_factory: UnitOfWorkFactory,
    runtime: ProcessRuntime,
    principal: Principal,
    ticket_id: int,
    offered: Sequence[ActivityDialog] | None = None,
) -> tuple[ActivityDialog, ...]:
    """The dialogs of the ticket's activity that the principal may submit (interface, permission,
    required lock)."""
    with uow_factory() as uow:
        ticket, keys = _guarded(uow, principal, ticket_id, records=runtime.records)
    if offered is None:
        offered = dialogs.list_ticket_dialogs(uow_factory, runtime, ticket_id, principal.caller)
    return tuple(d for d in offered if _dialog_permitted(principal, d, ticket, keys))


def permitted_dialog(
    uow_factory: UnitOfWorkFactory,
    runtime: ProcessRuntime,
    principal: Principal,
    ticket_id: int,
    dialog_key: str,
) -> tuple[Ticket, ActivityDialog]:
    """The ticket and its dialog ``dialog_key``, if the principal may submit it now.

    NotFoundError when the ticket is not visible or the dialog is not offered at its current activity
    to the principal's interface; PermissionDeniedError naming the reason (the dialog's permission or
    its required lock) when it is offered but not to this agent. One unit of work: no writes."""
    with uow_factory() as uow:
        ticket, keys = _guarded(uow, principal, ticket_id, records=runtime.records)
        offered = dialogs.dialogs_of(uow, runtime, ticket, principal.caller)
    dialog = next((d for d in offered if d.key == dialog_key), None)
    if dialog is None:
        raise NotFoundError(
            f"the dialog '{dialog_key}' is not offered on ticket {ticket.number} at its current activity"
        )
    if not principal.is_customer:
        _check_dialog(principal, dialog, ticket, keys)
    return ticket, dialog


def open_dialog(
    uow_factory: UnitOfWorkFactory,
    runtime: ProcessRuntime,
    principal: Principal,
    ticket_id: int,
    dialog_key: str,
    *,
    now: datetime,
    reader: UnitOfWorkFactory | None = None,
) -> dialogs.OpenedDialog:
    """Open a dialog's form after the checks of ``permitted_dialog`` (read through ``reader`` when
    given). A dialog with RequiredLock on an unlocked ticket then locks it to the agent, who becomes
    its owner (``dialogs.open_dialog``); any other dialog is opened without writing anything."""
    ticket, dialog = permitted_dialog(reader or uow_factory, runtime, principal, ticket_id, dialog_key)
    if not dialogs.needs_lock(dialog, ticket, principal.caller):
        return dialogs.OpenedDialog(ticket, dialog, locked=False)
    require_scope(principal, "write")
    return dialogs.open_dialog(
        uow_factory,
        runtime,
        ticket_id,
        dialog_key,
        caller=principal.caller,
        now=now,
        # Pinned to the version checked: a ticket moved or locked meanwhile is a conflict, not a lock.
        expected_version=ticket.version,
    )


def actionable_tickets(
    uow_factory: UnitOfWorkFactory,
    runtime: ProcessRuntime,
    principal: Principal,
    candidates: Sequence[Ticket],
) -> list[tuple[Ticket, tuple[ActivityDialog, ...]]]:
    """Of ``candidates``, the tickets whose current activity offers the principal a dialog it may
    submit now (interface, an active process, the dialog's permission and required lock), each with
    those dialogs — the dashboard's "waiting for me". One unit of work for all of them."""
    found = []
    with uow_factory() as uow:
        for ticket in candidates:
            offered = dialogs.dialogs_of(uow, runtime, ticket, principal.caller)
            if not offered:
                continue
            keys = keys_on(uow, principal, ticket, runtime.records)
            if not keys:
                continue
            permitted = tuple(d for d in offered if _dialog_permitted(principal, d, ticket, keys))
            if permitted:
                found.append((ticket, permitted))
    return found


def submit_permitted_dialog(
    uow_factory: UnitOfWorkFactory,
    runtime: ProcessRuntime,
    principal: Principal,
    checked: Ticket,
    dialog_key: str,
    submitted: Submitted,
    *,
    now: datetime,
    expected_version: int | None = None,
) -> Ticket:
    """Submit a dialog that ``permitted_dialog`` allowed on ``checked`` (the ticket it read). The write
    is pinned to that version (or to the older ``expected_version`` a form was rendered from), so a
    ticket changed since the check — locked by someone else, moved on — is refused with a
    ConflictError instead of being written; the check need not be read again."""
    require_scope(principal, "write")
    return dialogs.submit_dialog(
        uow_factory,
        runtime,
        checked.id,
        dialog_key,
        submitted,
        caller=principal.caller,
        now=now,
        expected_version=expected_version if expected_version is not None else checked.version,
    )


def submit_dialog(
    uow_factory: UnitOfWorkFactory,
    runtime: ProcessRuntime,
    principal: Principal,
    ticket_id: int,
    dialog_key: str,
    submitted: Submitted,
    *,
    now: datetime,
    expected_version: int | None = None,
    reader: UnitOfWorkFactory | None = None,
) -> Ticket:
    """Submit a dialog after checking the dialog's ``permission`` and ``required_lock`` (§2.3); an
    unlocked ticket is then locked to the agent in the submit's transaction. The check reads through
    ``reader`` when given (a read-only unit of work)."""
    require_scope(principal, "write")
    with (reader or uow_factory)() as uow:
        ticket, keys = _guarded(uow, principal, ticket_id, records=runtime.records)
        offered = dialogs.dialogs_of(uow, runtime, ticket, principal.caller)
    dialog = next((d for d in offered if d.key == dialog_key), None)
    if dialog is not None and not principal.is_customer:
        _check_dialog(principal, dialog, ticket, keys)
    # An unknown dialog is left to the use case, which names the offered ones.
    version = expected_version if expected_version is not None else ticket.version
    return dialogs.submit_dialog(
        uow_factory,
        runtime,
        ticket_id,
        dialog_key,
        submitted,
        caller=principal.caller,
        now=now,
        expected_version=version,
    )
