"""Ticket use cases: create (optionally into a process), update, show, list, history, start a process."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from ticketflow.domain.catalog import Catalog
from ticketflow.domain.definitions import ActivityDialog, FieldDisplay, Process, ProcessState
from ticketflow.domain.dialogs import apply_submission
from ticketflow.domain.effects import AddArticle
from ticketflow.domain.engine import Started, TicketChanged
from ticketflow.domain.errors import ConflictError, InvalidInputError, PermissionDeniedError
from ticketflow.domain.field_values import normalise_value
from ticketflow.domain.positions import ProcessPosition
from ticketflow.domain.ticket_changes import apply_values
from ticketflow.domain.tickets import DYNAMIC_FIELD_PREFIX, Ticket, Value
from ticketflow.usecases.callers import Caller
from ticketflow.usecases.dialogs import dialogs_of
from ticketflow.usecases.ports import UnitOfWork
from ticketflow.usecases.records import Article, HistoryEntry, NewTicket, TicketQuery
from ticketflow.usecases.runtime import ProcessRuntime
from ticketflow.usecases.steps import Actor, run_engine, write_article
from ticketflow.usecases.undeployed import undeployed_reason

UnitOfWorkFactory = Callable[[], UnitOfWork]
Submitted = Mapping[str, str | Sequence[str]]

# OTOBO's Process::Default* settings (reference §2.3): what a new ticket gets when nothing says otherwise.
DEFAULT_QUEUE = "Raw"
DEFAULT_STATE = "new"
DEFAULT_PRIORITY = "3 normal"
DEFAULT_OWNER = "root@localhost"


@dataclass(frozen=True, slots=True)
class TicketInput:
    """A ticket to create, in OTOBO's ticket-data names (``Queue``, ``DynamicField_X`` …)."""

    values: Mapping[str, Value] = field(default_factory=dict)
    article: AddArticle | None = None


@dataclass(frozen=True, slots=True)
class TicketView:
    """A ticket with what a caller needs beside it: its process, the dialogs offered, the last steps."""

    ticket: Ticket
    process_name: str | None
    activity_name: str | None
    dialogs: tuple[ActivityDialog, ...]
    recent_steps: tuple[HistoryEntry, ...]
    articles: tuple[Article, ...]


def create_ticket(
    uow_factory: UnitOfWorkFactory,
    runtime: ProcessRuntime,
    request: TicketInput,
    *,
    caller: Caller,
    now: datetime,
    process_key: str | None = None,
    start_values: Submitted | None = None,
) -> Ticket:
    """Create a ticket; with ``process_key`` it starts in that process's latest deployed version,
    ``start_values`` being the start dialog's fields."""
    with uow_factory() as uow:
        catalog = runtime.catalog(uow, now)
        values = dict(request.values)
        if caller.interface.value == "customer":
            values.setdefault("CustomerUserID", caller.login)
        process, version = (None, 0)
        if process_key is not None:
            process, version = _startable_version(uow, runtime, process_key, caller)
            submitted = _with_shown_fields_given(process, values, start_values or {})
            start = _start_dialog_values(process, submitted, catalog, caller)
            _refuse_overruled(values, start, submitted, process, catalog)
            values.update(start)
        ticket = _add_ticket(uow, values, catalog, caller, now)
        if request.article is not None:
            write_article(uow, ticket, request.article, Actor(caller.login))
        if process is not None:
            ticket = _enter_process(uow, runtime, ticket, process, version, caller, now)
        uow.commit()
    return ticket


def _add_ticket(
    uow: UnitOfWork, values: Mapping[str, Value], catalog: Catalog, caller: Caller, now: datetime
) -> Ticket:
    check_references(values, catalog)
    title = values.get("Title") or "New ticket"
    base = NewTicket(
        title=str(title),
        queue=DEFAULT_QUEUE,
        state=DEFAULT_STATE,
        priority=DEFAULT_PRIORITY,
        owner=DEFAULT_OWNER,
        created_at=now,
    )
    created = uow.tickets.add(base)
    ticket = apply_values(created, values, catalog.states)
    if ticket != created:
        ticket = uow.tickets.update(ticket, expected_version=created.version)
    name = f"%%{ticket.number}%%{ticket.queue}%%{ticket.priority}%%{ticket.state}%%{ticket.id}"
    uow.tickets.add_history(HistoryEntry(ticket.id, "NewTicket", name, now, caller.login))
    return ticket


def check_references(values: Mapping[str, Value], catalog: Catalog) -> None:
    """Refuse names that do not exist here, naming the field (queues, states, users, dynamic fields …)."""
    known: dict[str, Collection[str]] = {
        "Queue": catalog.queues,
        "State": catalog.states,
        "Priority": catalog.priorities,
        "Type": catalog.types,
        "Service": catalog.services,
        "SLA": catalog.slas,
        "Owner": catalog.users,
        "Responsible": catalog.users,
        "CustomerUserID": catalog.customer_users,
    }
    for key, value in values.items():
        if key.startswith(DYNAMIC_FIELD_PREFIX):
            if key[len(DYNAMIC_FIELD_PREFIX) :] not in catalog.dynamic_fields:
                raise InvalidInputError("is not a dynamic field of this system", field=key)
        elif key in known and value and value not in known[key]:
            raise InvalidInputError(f"'{value}' does not exist", field=key)


def _startable_version(
    uow: UnitOfWork, runtime: ProcessRuntime, key: str, caller: Caller
) -> tuple[Process, int]:
    latest = uow.processes.find_latest_version(key)
    if latest is None:
        raise InvalidInputError(undeployed_reason(uow, key, advice=" (deploy it first)"), field="process")
    process = runtime.load_version(uow, key, latest.version).version.process
    if process.state is not ProcessState.ACTIVE:
        raise InvalidInputError(f"process '{key}' is {process.state.value}: no new tickets", field="process")
    if not process.startable_by.admits(caller.interface):
        raise PermissionDeniedError(f"process '{key}' cannot be started by a {caller.interface.value}")
    return process, latest.version


def _start_dialog_values(
    process: Process, submitted: Submitted, catalog: Catalog, caller: Caller
) -> dict[str, Value]:
    dialog = process.start_dialog
    if dialog is None:
        if submitted:
            raise InvalidInputError(f"process '{process.key}' has no start dialog to fill", field="field")
        return {}
    submission = apply_submission(dialog, submitted, catalog, caller.interface, new_ticket=True)
    return dict(submission.values)


def _with_shown_fields_given(process: Process, given: Mapping[str, Value], submitted: Submitted) -> Submitted:
    """The start dialog's submission with the values given beside it for fields it shows (a title
    given as the ticket's title is the dialog's Title); those also submitted keep their submitted value
    (a different one is refused as given twice)."""
    dialog = process.start_dialog
    if dialog is None:
        return submitted
    shown = {f.name for f in dialog.fields if f.display is not FieldDisplay.HIDDEN}
    carried = {name: value for name, value in given.items() if name in shown and name not in submitted}
    return {**carried, **submitted} if carried else submitted


def _refuse_overruled(
    given: Mapping[str, Value],
    start: Mapping[str, Value],
    submitted: Submitted,
    process: Process,
    catalog: Catalog,
) -> None:
    """A process ticket's fields are the start dialog's to set (its shown fields as submitted, its
    hidden ones and Queue, State, Lock and Priority from defaults): a value given beside the dialog
    that the dialog then sets otherwise was lost without a word. Refused instead, naming both."""
    dialog = process.start_dialog
    fields = {f.name: f.display for f in dialog.fields} if dialog else {}
    for name, value in given.items():
        if name not in start or normalise_value(name, value, catalog) == start[name]:
            continue
        # A shown field given beside the dialog was submitted to it (_with_shown_fields_given).
        hint = "it was given twice, with two values: give it once" if name in submitted else "leave it out"
        where = f"its start dialog '{dialog.key}'" if dialog and name in fields else "the default"
        raise InvalidInputError(
            f"process '{process.key}' sets it to {_shown(start[name])} ({where}); {hint}", field=name
        )


def _shown(value: Value) -> str:
    return f"'{value}'" if isinstance(value, str) else ", ".join(f"'{v}'" for v in value)


def _enter_process(
    uow: UnitOfWork,
    runtime: ProcessRuntime,
    ticket: Ticket,
    process: Process,
    version: int,
    caller: Caller,
    now: datetime,
) -> Ticket:
    position = ProcessPosition(process.key, version, process.start_activity)
    entered = replace(ticket, process=position)
    return run_engine(uow, runtime, ticket, Started(), Actor(caller.login), now, changed=entered)


def start_process(
    uow_factory: UnitOfWorkFactory,
    runtime: ProcessRuntime,
    key: str,
    ticket_id: int,
    *,
    caller: Caller,
    now: datetime,
) -> Ticket:
    """Enrol an existing ticket without a process (OTOBO's ticket menu "Process")."""
    with uow_factory() as uow:
        ticket = uow.tickets.get(ticket_id)
        caller.check_can_see(ticket)
        if ticket.process is not None:
            raise InvalidInputError(
                f"ticket {ticket.number} is already in process '{ticket.process.process_key}'", field="ticket"
            )
        process, version = _startable_version(uow, runtime, key, caller)
        stored = _enter_process(uow, runtime, ticket, process, version, caller, now)
        uow.commit()
    return stored


def update_ticket(
    uow_factory: UnitOfWorkFactory,
    runtime: ProcessRuntime,
    ticket_id: int,
    values: Mapping[str, Value],
    *,
    caller: Caller,
    now: datetime,
    expected_version: int | None = None,
    article: AddArticle | None = None,
) -> Ticket:
    """Change a ticket; a ticket in a process then checks its transitions (OTOBO's event handler)."""
    with uow_factory() as uow:
        ticket = uow.tickets.get(ticket_id)
        caller.check_can_see(ticket)
        if expected_version is not None and ticket.version != expected_version:
            raise ConflictError(
                f"ticket {ticket.number} is at version {ticket.version}, not {expected_version}: "
                "someone changed it meanwhile; reload and try again"
            )
        catalog = runtime.catalog(uow, now)
        check_references(values, catalog)
        changed = apply_values(ticket, values, catalog.states)
        if article is not None:
            write_article(uow, ticket, article, Actor(caller.login))
        result = run_engine(uow, runtime, ticket, TicketChanged(), Actor(caller.login), now, changed=changed)
        uow.commit()
    return result


def show_ticket(
    uow_factory: UnitOfWorkFactory, runtime: ProcessRuntime, ticket_id: int, *, caller: Caller, steps: int = 5
) -> TicketView:
    with uow_factory() as uow:
        ticket = uow.tickets.get(ticket_id)
        caller.check_can_see(ticket)
        process_name = activity_name = None
        if ticket.process is not None:
            process = runtime.load_version(
                uow, ticket.process.process_key, ticket.process.version
            ).version.process
            process_name = process.name
            activity = process.find_activity(ticket.process.activity_key)
            activity_name = activity.name if activity else ticket.process.activity_key
        history = uow.tickets.list_history(ticket.id)
        process_steps = tuple(h for h in history if h.trace)[-steps:]
        articles = tuple(
            a
            for a in uow.tickets.list_articles(ticket.id)
            if a.visible_for_customer or caller.interface.value == "agent"
        )
        return TicketView(
            ticket,
            process_name,
            activity_name,
            dialogs_of(uow, runtime, ticket, caller),
            process_steps,
            articles,
        )


def find_ticket_id(uow_factory: UnitOfWorkFactory, reference: str) -> int:
    """A ticket id from an id or a ticket number."""
    with uow_factory() as uow:
        if len(reference) >= 10:
            found = uow.tickets.find_by_number(reference)
            if found is not None:
                return found.id
        if reference.isdigit() and uow.tickets.find(int(reference)) is not None:
            return int(reference)
    raise InvalidInputError(f"no ticket with id or number '{reference}'", field="ticket")


def check_query_names(
    uow_factory: UnitOfWorkFactory, runtime: ProcessRuntime, query: TicketQuery, *, now: datetime
) -> None:
    """InvalidInputError naming the filter whose queue, state, owner or process does not exist: a
    misspelt name would otherwise read as "no tickets"."""
    with uow_factory() as uow:
        catalog = runtime.catalog(uow, now)
        wanted = (
            ("queue", query.queues, catalog.queues),
            ("state", query.states, catalog.states),
            ("owner", (query.owner,) if query.owner else (), catalog.users),
        )
        for field_name, names, known in wanted:
            for name in names:
                if name not in known:
                    raise InvalidInputError(f"'{name}' does not exist", field=field_name)
        if query.process_key is not None and uow.processes.find_draft(query.process_key) is None:
            raise InvalidInputError(f"process '{query.process_key}' does not exist", field="process")


def list_tickets(uow_factory: UnitOfWorkFactory, query: TicketQuery) -> tuple[list[Ticket], int]:
    with uow_factory() as uow:
        return list(uow.tickets.list(query)), uow.tickets.count(query)


def ticket_history(uow_factory: UnitOfWorkFactory, ticket_id: int, *, caller: Caller) -> list[HistoryEntry]:
    with uow_factory() as uow:
        ticket = uow.tickets.get(ticket_id)
        caller.check_can_see(ticket)
        return list(uow.tickets.list_history(ticket_id))
