"""Permission checks on activity dialogs that every entry point uses: which dialogs of a ticket's
current activity a principal may see, open and submit (the dialog's interface, its permission and its
required lock, reference §2.3), and the ticket view offering only those. They wrap the dialog use
cases on the ticket checks of ``access``, so that the REST API, the OTOBO API and the UI enforce the
same rules (reference §1.7).

Each guarded call checks first and then calls the use case, passing the version read during the check
as ``expected_version``, so that a ticket that changed between the check and the write (locked by
someone else, moved on) is refused with a ConflictError instead of being written.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime

from ticketflow.domain.definitions import ActivityDialog
from ticketflow.domain.dialogs import check_dialog_access
from ticketflow.domain.errors import NotFoundError, PermissionDeniedError
from ticketflow.domain.permissions import holds
from ticketflow.domain.tickets import Ticket
from ticketflow.usecases import dialogs, tickets
from ticketflow.usecases.access import Submitted, check_ticket, guarded_ticket, keys_on
from ticketflow.usecases.ports import UnitOfWork
from ticketflow.usecases.principals import Principal, require_scope
from ticketflow.usecases.runtime import ProcessRuntime

UnitOfWorkFactory = Callable[[], UnitOfWork]


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
        ticket, keys = guarded_ticket(uow, principal, ticket_id, records=runtime.records)
    if offered is None:
        offered = dialogs.list_ticket_dialogs(uow_factory, runtime, ticket_id, principal.caller)
    return tuple(d for d in offered if _dialog_permitted(principal, d, ticket, keys))


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
        ticket, keys = guarded_ticket(uow, principal, ticket_id, records=runtime.records)
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
        ticket, keys = guarded_ticket(uow, principal, ticket_id, records=runtime.records)
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
