"""Activity dialogs: which a caller may submit on a ticket, and submitting one."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from ticketflow.domain.definitions import ActivityDialog, Interface, ProcessState
from ticketflow.domain.dialogs import apply_submission, available_dialogs
from ticketflow.domain.engine import TicketChanged
from ticketflow.domain.errors import ConflictError, InvalidInputError, PermissionDeniedError
from ticketflow.domain.ticket_changes import apply_values
from ticketflow.domain.tickets import Ticket
from ticketflow.usecases.callers import Caller
from ticketflow.usecases.ports import UnitOfWork
from ticketflow.usecases.records import HistoryEntry
from ticketflow.usecases.runtime import ProcessRuntime
from ticketflow.usecases.steps import Actor, run_engine, write_article, write_changes

UnitOfWorkFactory = Callable[[], UnitOfWork]
Submitted = Mapping[str, str | Sequence[str]]


def list_ticket_dialogs(
    uow_factory: UnitOfWorkFactory, runtime: ProcessRuntime, ticket_id: int, caller: Caller
) -> tuple[ActivityDialog, ...]:
    with uow_factory() as uow:
        ticket = uow.tickets.get(ticket_id)
        caller.check_can_see(ticket)
        return dialogs_of(uow, runtime, ticket, caller)


def dialogs_of(
    uow: UnitOfWork, runtime: ProcessRuntime, ticket: Ticket, caller: Caller
) -> tuple[ActivityDialog, ...]:
    """The dialogs of the ticket's current activity that ``caller``'s interface may submit."""
    if (
        ticket.process is None
        or runtime.process_state(uow, ticket.process.process_key) is ProcessState.INACTIVE
    ):
        return ()  # an Inactive process freezes its tickets: no dialogs (reference §2.1)
    compiled = runtime.load_version(uow, ticket.process.process_key, ticket.process.version)
    return available_dialogs(compiled.version.process, ticket.process, caller.interface)


def submit_dialog(
    uow_factory: UnitOfWorkFactory,
    runtime: ProcessRuntime,
    ticket_id: int,
    dialog_key: str,
    submitted: Submitted,
    *,
    caller: Caller,
    now: datetime,
    expected_version: int | None = None,
) -> Ticket:
    """Store a dialog's fields on the ticket, then let the process move on — one transaction.

    Refuses a dialog that is not (or no longer) offered at the ticket's current activity, as OTOBO
    does ("This step does not belong anymore to the current activity"), and field input that does not
    fit, naming every bad field at once (DialogInputError).
    """
    with uow_factory() as uow:
        ticket = uow.tickets.get(ticket_id)
        caller.check_can_see(ticket)
        if expected_version is not None and ticket.version != expected_version:
            raise ConflictError(f"ticket {ticket.number} changed since version {expected_version}; reload it")
        dialog = _offered_dialog(uow, runtime, ticket, dialog_key, caller)
        if needs_lock(dialog, ticket, caller):
            # An API client never opens the form: submitting takes the lock as opening would. Stored
            # as its own change first, so that its Lock/OwnerUpdate history stays even when the
            # process unlocks the ticket again on the way on.
            ticket = write_changes(uow, ticket, locked_to(ticket, caller), Actor(caller.login), now)
        catalog = runtime.catalog(uow, now)
        submission = apply_submission(dialog, submitted, catalog, caller.interface, new_ticket=False)
        changed = apply_values(ticket, submission.values, catalog.states)
        if submission.article is not None:
            write_article(uow, ticket, submission.article, Actor(caller.login))
        submitted_line = f"%%{dialog.key}%%{dialog.name}"
        uow.tickets.add_history(
            HistoryEntry(ticket.id, "ActivityDialogSubmit", submitted_line, now, caller.login)
        )
        result = run_engine(uow, runtime, ticket, TicketChanged(), Actor(caller.login), now, changed=changed)
        uow.commit()
    return result


def _offered_dialog(
    uow: UnitOfWork, runtime: ProcessRuntime, ticket: Ticket, dialog_key: str, caller: Caller
) -> ActivityDialog:
    offered = dialogs_of(uow, runtime, ticket, caller)
    for dialog in offered:
        if dialog.key == dialog_key:
            return dialog
    names = ", ".join(d.key for d in offered) or "none"
    raise InvalidInputError(
        f"dialog '{dialog_key}' does not belong to the ticket's current activity "
        f"(offered to {caller}: {names})",
        field="dialog",
    )


@dataclass(frozen=True, slots=True)
class OpenedDialog:
    """A dialog opened on a ticket: the ticket as it is now, and whether opening it locked the ticket."""

    ticket: Ticket
    dialog: ActivityDialog
    locked: bool


def needs_lock(dialog: ActivityDialog, ticket: Ticket, caller: Caller) -> bool:
    """Whether ``caller`` must lock ``ticket`` to work on ``dialog`` (OTOBO's RequiredLock, §2.3).

    PermissionDeniedError when someone else holds the lock. Customers never lock: OTOBO's customer
    interface ignores RequiredLock."""
    if not dialog.required_lock or caller.interface is Interface.CUSTOMER:
        return False
    if ticket.lock == "lock":
        if ticket.owner != caller.login:
            raise PermissionDeniedError(
                f"the dialog '{dialog.name}' needs the ticket lock, "
                f"and the ticket is locked by '{ticket.owner}'"
            )
        return False
    return True


def locked_to(ticket: Ticket, caller: Caller) -> Ticket:
    """``ticket`` locked, with ``caller`` as its owner (as OTOBO's dialog does when it takes the lock)."""
    return apply_values(ticket, {"Lock": "lock", "Owner": caller.login}, {})


def open_dialog(
    uow_factory: UnitOfWorkFactory,
    runtime: ProcessRuntime,
    ticket_id: int,
    dialog_key: str,
    *,
    caller: Caller,
    now: datetime,
    expected_version: int | None = None,
) -> OpenedDialog:
    """Open a dialog's form: a dialog with RequiredLock locks the unlocked ticket to the agent and makes
    them its owner, in one transaction with OTOBO's history (OwnerUpdate, Lock).

    Only the lock is written: the process is not stepped for opening a form (that would record a
    "no transition matched" step each time someone looks at a dialog); its transitions are checked
    with the dialog's submit, which sees the lock. ``expected_version`` pins the ticket to the version
    a permission check read (ConflictError when it changed meanwhile)."""
    with uow_factory() as uow:
        ticket = uow.tickets.get(ticket_id)
        caller.check_can_see(ticket)
        if expected_version is not None and ticket.version != expected_version:
            raise ConflictError(f"ticket {ticket.number} changed since version {expected_version}; reload it")
        dialog = _offered_dialog(uow, runtime, ticket, dialog_key, caller)
        if not needs_lock(dialog, ticket, caller):
            return OpenedDialog(ticket, dialog, locked=False)
        locked = write_changes(uow, ticket, locked_to(ticket, caller), Actor(caller.login), now)
        uow.commit()
    return OpenedDialog(locked, dialog, locked=True)
