"""Carrying out an engine step: ticket changes, history with its trace, jobs — in the caller's transaction.

The engine decides (``ticketflow.domain.engine.advance``); this module acts. Nothing here commits:
the calling use case owns the unit of work, so a step is written whole or not at all.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from ticketflow.domain.definitions import ProcessState
from ticketflow.domain.effects import (
    AddArticle,
    CallWebService,
    CreateTicket,
    Effect,
    ResumeParent,
    SendNotification,
    SetValue,
    StartSubProcess,
)
from ticketflow.domain.engine import Event, Started, Step, SubProcessCompleted, advance, sub_process_results
from ticketflow.domain.errors import ProcessRuntimeError
from ticketflow.domain.history import describe_changes
from ticketflow.domain.positions import PositionStatus, ProcessPosition
from ticketflow.domain.ticket_changes import apply_values, replace_ticket
from ticketflow.domain.tickets import Ticket, Value
from ticketflow.domain.trace import TraceEntry, trace_to_dict
from ticketflow.usecases.catalog_records import CustomerUser
from ticketflow.usecases.ports import UnitOfWork
from ticketflow.usecases.records import HistoryEntry, NewArticle, NewTicket
from ticketflow.usecases.runtime import ProcessRuntime

# How deep sub-processes may nest when a child's end resumes its parent in the same transaction.
MAX_SUB_PROCESS_DEPTH = 10


@dataclass(frozen=True, slots=True)
class Actor:
    """Who caused a change: a login, recorded in history as ``created_by``."""

    login: str


def run_engine(
    uow: UnitOfWork,
    runtime: ProcessRuntime,
    ticket: Ticket,
    event: Event,
    actor: Actor,
    now: datetime,
    *,
    changed: Ticket | None = None,
) -> Ticket:
    """Let ``ticket``'s process react to ``event`` and store the result; returns the stored ticket.

    ``changed`` is ``ticket`` as the caller modified it and has not stored yet (a dialog's fields, an
    update): the engine sees the modified ticket and the whole change is written as one compare-and-set
    on ``ticket.version``, with one history line per changed attribute. A ticket without a process (or
    of an Inactive one) just gets ``changed`` written.
    """
    return _run(uow, runtime, ticket, changed or ticket, event, actor, now, depth=0)


def _run(
    uow: UnitOfWork,
    runtime: ProcessRuntime,
    stored: Ticket,
    ticket: Ticket,
    event: Event,
    actor: Actor,
    now: datetime,
    depth: int,
) -> Ticket:
    position = ticket.process
    if position is None or runtime.process_state(uow, position.process_key) is ProcessState.INACTIVE:
        # OTOBO ignores tickets of Inactive processes silently (reference §3.2 point 3)
        return write_changes(uow, stored, ticket, actor, now)
    compiled = runtime.load_version(uow, position.process_key, position.version)
    catalog = runtime.catalog(uow, now)
    customer = _customer_data(uow, ticket) if runtime.reads_customer_data(compiled) else {}
    snapshot = ticket.snapshot(customer=customer, linked=_linked_data(uow, ticket))
    step = advance(compiled, position, snapshot, event, runtime.engine_context(catalog, now))
    return _apply(uow, runtime, stored, ticket, step, actor, now, depth)


def _apply(
    uow: UnitOfWork,
    runtime: ProcessRuntime,
    stored: Ticket,
    ticket: Ticket,
    step: Step,
    actor: Actor,
    now: datetime,
    depth: int,
) -> Ticket:
    catalog = runtime.catalog(uow, now)
    own_values = {e.key: e.value for e in step.effects if isinstance(e, SetValue) and e.ticket_id is None}
    changed = replace_ticket(apply_values(ticket, own_values, catalog.states), process=step.position)
    written = uow.tickets.update(changed, expected_version=stored.version)
    _write_history(uow, stored, written, step, actor, now)
    for effect in step.effects:
        _carry_out(uow, runtime, written, effect, actor, now, depth)
    if step.position.status is PositionStatus.COMPLETED and written.parent_ticket_id is not None:
        _resume_parent(uow, runtime, written, actor, now, depth)
    return uow.tickets.get(written.id) if _touches_self(step.effects) else written


def write_changes(uow: UnitOfWork, before: Ticket, after: Ticket, actor: Actor, now: datetime) -> Ticket:
    """Store ``after`` over ``before`` (ConflictError if someone else wrote first) with OTOBO history."""
    if after == before:
        return before
    stored = uow.tickets.update(after, expected_version=before.version)
    for line in describe_changes(before, stored):
        uow.tickets.add_history(HistoryEntry(stored.id, line.history_type, line.name, now, actor.login))
    return stored


def write_article(uow: UnitOfWork, ticket: Ticket, article: AddArticle, actor: Actor) -> None:
    uow.tickets.add_article(ticket.id, _article(article, actor))


def _touches_self(effects: Iterable[Effect]) -> bool:
    """Whether carrying out the effects may have changed the ticket again (a child ended at once)."""
    return any(isinstance(e, StartSubProcess) for e in effects)


def _write_history(
    uow: UnitOfWork, before: Ticket, after: Ticket, step: Step, actor: Actor, now: datetime
) -> None:
    for line in describe_changes(before, after):
        uow.tickets.add_history(HistoryEntry(after.id, line.history_type, line.name, now, actor.login))
    if step.trace:
        history_type, name = _process_history_line(before.process, step.position)
        trace = [_recorded(entry) for entry in step.trace]
        uow.tickets.add_history(HistoryEntry(after.id, history_type, name, now, actor.login, trace))


# Trace entries as history records, by entry. Entries are frozen and hashable, and a process's steps
# repeat the same ones (the same transition checked, the same actions run with the same effects), so
# converting each once saves most of writing a step's history. Records are stored without their
# sentence (``readable_record`` adds it when the history is read). Bounded: cleared when full.
_RECORDS: dict[TraceEntry, Mapping[str, object]] = {}
_RECORDS_LIMIT = 4096


def _recorded(entry: TraceEntry) -> Mapping[str, object]:
    """``entry`` as a history record (``trace_to_dict``); shared between steps, so never changed."""
    try:
        record = _RECORDS.get(entry)
    except TypeError:  # an entry holding an unhashable value: convert it every time
        return trace_to_dict(entry)
    if record is None:
        if len(_RECORDS) >= _RECORDS_LIMIT:
            _RECORDS.clear()
        record = _RECORDS[entry] = trace_to_dict(entry)
    return record


def _process_history_line(before: ProcessPosition | None, after: ProcessPosition) -> tuple[str, str]:
    origin = before.activity_key if before else ""
    name = f"%%{after.process_key}%%{after.version}%%{origin}%%{after.activity_key}"
    if after.status is PositionStatus.FAILED:
        return "ProcessFailed", f"{name}%%{after.failure or ''}"
    if after.status is PositionStatus.COMPLETED and (before is None or before.status is not after.status):
        return "ProcessCompleted", name
    if before is None:
        return "ProcessStart", name
    return "ProcessTransition", name


def _carry_out(
    uow: UnitOfWork,
    runtime: ProcessRuntime,
    ticket: Ticket,
    effect: Effect,
    actor: Actor,
    now: datetime,
    depth: int,
) -> None:
    match effect:
        case SetValue(ticket_id=None):
            pass  # applied with the ticket itself
        case SetValue():
            _set_on_other_ticket(uow, runtime, effect, actor, now)
        case AddArticle():
            write_article(uow, ticket, effect, actor)
        case SendNotification():
            _enqueue(uow, ticket, "email", _notification_payload(effect), now)
        case CallWebService():
            _enqueue(uow, ticket, "web_service", _service_payload(effect), now)
        case CreateTicket():
            _create_linked_ticket(uow, runtime, ticket, effect, actor, now)
        case StartSubProcess():
            _start_child(uow, runtime, ticket, effect, actor, now, depth)
        case ResumeParent():
            pass  # handled when the step completes (see _resume_parent)


def _article(effect: AddArticle, actor: Actor) -> NewArticle:
    return NewArticle(
        subject=effect.subject,
        body=effect.body,
        created_by=actor.login,
        channel=effect.channel,
        sender_type=effect.sender_type,
        visible_for_customer=effect.visible_for_customer,
        from_address=effect.from_address,
        to_address=effect.to_address,
        content_type=effect.content_type,
    )


def _enqueue(uow: UnitOfWork, ticket: Ticket, kind: str, payload: Mapping[str, Any], now: datetime) -> None:
    uow.jobs.enqueue_at_commit(kind, {**payload, "ticket_id": ticket.id}, ticket_id=ticket.id, run_at=now)


def _notification_payload(effect: SendNotification) -> dict[str, Any]:
    return {
        "recipients": list(effect.recipients),
        "subject": effect.subject,
        "body": effect.body,
        "template": effect.template,
        "content_type": effect.content_type,
    }


def _service_payload(effect: CallWebService) -> dict[str, Any]:
    return {
        "activity": effect.activity_key,
        "web_service": effect.web_service,
        "invoker": effect.invoker,
        "parameters": dict(effect.parameters),
        "timeout_seconds": effect.timeout.total_seconds(),
        "error_code": effect.error_code,
    }


def _set_on_other_ticket(
    uow: UnitOfWork, runtime: ProcessRuntime, effect: SetValue, actor: Actor, now: datetime
) -> None:
    """DynamicFieldSet with ``TicketID`` (OTOBO 11): change another ticket, which then checks its own
    transitions like after any change."""
    assert effect.ticket_id is not None
    other = uow.tickets.get(int(effect.ticket_id))
    changed = apply_values(other, {effect.key: effect.value}, runtime.catalog(uow, now).states)
    write_changes(uow, other, changed, actor, now)


def _new_ticket_from(parent: Ticket) -> NewTicket:
    """A new ticket inheriting queue, priority, owner and customer from ``parent``; values given by
    the action are applied afterwards."""
    return NewTicket(
        title=parent.title,
        queue=parent.queue,
        state="new",
        priority=parent.priority,
        owner=parent.owner,
        customer_id=parent.customer_id,
        customer_user_id=parent.customer_user_id,
    )


def _create_linked_ticket(
    uow: UnitOfWork,
    runtime: ProcessRuntime,
    parent: Ticket,
    effect: CreateTicket,
    actor: Actor,
    now: datetime,
) -> None:
    """OTOBO's TicketCreate action: a new ticket, optionally linked, its id optionally stored."""
    created = uow.tickets.add(_new_ticket_from(parent))
    catalog = runtime.catalog(uow, now)
    filled = apply_values(created, dict(effect.values), catalog.states)
    if filled != created:
        created = uow.tickets.update(filled, expected_version=created.version)
    uow.tickets.add_history(
        HistoryEntry(created.id, "NewTicket", _new_ticket_name(created), now, actor.login)
    )
    if effect.article:
        uow.tickets.add_article(created.id, _article(effect.article, actor))
    if effect.link_as:
        uow.tickets.add_link(parent.id, created.id, effect.link_as)
    if effect.store_ticket_id_field:
        key = f"DynamicField_{effect.store_ticket_id_field}"
        current = uow.tickets.get(parent.id)
        stored = apply_values(current, {key: str(created.id)}, catalog.states)
        uow.tickets.update(stored, expected_version=current.version)


def _new_ticket_name(ticket: Ticket) -> str:
    return f"%%{ticket.number}%%{ticket.queue}%%{ticket.priority}%%{ticket.state}%%{ticket.id}"


def _start_child(
    uow: UnitOfWork,
    runtime: ProcessRuntime,
    parent: Ticket,
    effect: StartSubProcess,
    actor: Actor,
    now: datetime,
    depth: int,
) -> None:
    """A sub-process: a child ticket in another process, linked to the parent, started at once."""
    if depth >= MAX_SUB_PROCESS_DEPTH:
        raise ProcessRuntimeError(f"sub-processes nest deeper than {MAX_SUB_PROCESS_DEPTH} levels")
    version = effect.version or _latest_version(uow, effect.process_key)
    compiled = runtime.load_version(uow, effect.process_key, version)
    start = ProcessPosition(effect.process_key, version, compiled.version.process.start_activity)
    new = replace(
        _new_ticket_from(parent),
        title=effect.title or f"{compiled.version.process.name} for {parent.number}",
        parent_ticket_id=parent.id,
    )
    child = uow.tickets.add(new)
    uow.tickets.add_history(HistoryEntry(child.id, "NewTicket", _new_ticket_name(child), now, actor.login))
    uow.tickets.add_link(parent.id, child.id, "ParentChild")
    # The mapped fields and the start position are written together with the child's first step.
    entered = replace(
        apply_values(child, dict(effect.values), runtime.catalog(uow, now).states), process=start
    )
    _run(uow, runtime, child, entered, Started(), actor, now, depth + 1)


def _latest_version(uow: UnitOfWork, key: str) -> int:
    latest = uow.processes.find_latest_version(key)
    if latest is None:
        raise ProcessRuntimeError(f"sub-process '{key}' has no deployed version")
    return latest.version


def _resume_parent(
    uow: UnitOfWork, runtime: ProcessRuntime, child: Ticket, actor: Actor, now: datetime, depth: int
) -> None:
    """The child reached its end: hand its mapped fields back and let the parent continue."""
    assert child.parent_ticket_id is not None
    parent = uow.tickets.get(child.parent_ticket_id)
    position = parent.process
    if position is None or position.status is not PositionStatus.WAITING:
        return
    compiled = runtime.load_version(uow, position.process_key, position.version)
    activity = compiled.version.process.find_activity(position.activity_key)
    if activity is None or activity.sub_process is None or child.process is None:
        return
    values = sub_process_results(activity.sub_process, child.snapshot())
    completed = SubProcessCompleted(values, process_key=child.process.process_key)
    _run(uow, runtime, parent, parent, completed, actor, now, depth + 1)


def _customer_data(uow: UnitOfWork, ticket: Ticket) -> dict[str, str]:
    """The customer user's data under OTOBO's CustomerUser keys, for copies and placeholders."""
    if not ticket.customer_user_id:
        return {}
    user = uow.catalog.find(CustomerUser, ticket.customer_user_id)
    if user is None:
        return {}
    return {
        "UserLogin": user.login,
        "UserEmail": user.email,
        "UserFirstname": user.first_name,
        "UserLastname": user.last_name,
        "UserCustomerID": user.customer_id,
    }


def _linked_data(uow: UnitOfWork, ticket: Ticket) -> dict[str, Mapping[str, Value]]:
    """The parent ticket's data (key ``parent`` and its id), for scripts that copy from it."""
    if ticket.parent_ticket_id is None:
        return {}
    parent = uow.tickets.find(ticket.parent_ticket_id)
    if parent is None:
        return {}
    data = parent.snapshot().data()
    return {"parent": data, str(parent.id): data}
