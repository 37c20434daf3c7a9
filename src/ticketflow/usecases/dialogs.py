"""Activity dialogs: which a caller may submit on a ticket, and submitting one."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime

from ticketflow.domain.definitions import ActivityDialog, ProcessState
from ticketflow.domain.dialogs import apply_submission, available_dialogs
from ticketflow.domain.engine import TicketChanged
from ticketflow.domain.errors import ConflictError, InvalidInputError
from ticketflow.domain.ticket_changes import apply_values
from ticketflow.domain.tickets import Ticket
from ticketflow.usecases.callers import Caller
from ticketflow.usecases.ports import UnitOfWork
from ticketflow.usecases.records import HistoryEntry
from ticketflow.usecases.runtime import ProcessRuntime
from ticketflow.usecases.steps import Actor, run_engine, write_article

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
