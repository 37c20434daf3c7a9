"""Changes that are due at a time: pending tickets whose pending time has come (OTOBO's PendingCheck).

``pending auto`` tickets move to the state ``Ticket::StateAfterPending`` names (``pending auto
close+`` → ``closed successful``, ``pending auto close-`` → ``closed unsuccessful``), unlocked, with
the pending time cleared; the change runs through ``update_ticket`` as the system, so a ticket in a
process checks its transitions like after any other change. ``pending reminder`` tickets get one
e-mail job to their owner per pending time (the job's idempotency key makes repeated scans and
several workers harmless); the ticket itself does not change.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from ticketflow.domain.errors import ConflictError, NotFoundError
from ticketflow.domain.tickets import Ticket
from ticketflow.usecases.callers import SYSTEM
from ticketflow.usecases.ports import UnitOfWorkFactory
from ticketflow.usecases.records import TicketQuery
from ticketflow.usecases.runtime import ProcessRuntime
from ticketflow.usecases.tickets import update_ticket

PENDING_AUTO = "pending auto"
PENDING_REMINDER = "pending reminder"
# OTOBO's default Ticket::StateAfterPending.
STATE_AFTER_PENDING: Mapping[str, str] = {
    "pending auto close+": "closed successful",
    "pending auto close-": "closed unsuccessful",
}


@dataclass(frozen=True, slots=True)
class DueReport:
    """Ticket ids handled by one scan; ``skipped`` lost a race or have no state to move to."""

    closed: list[int] = field(default_factory=list)
    reminded: list[int] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)


def handle_due_tickets(
    uow_factory: UnitOfWorkFactory,
    runtime: ProcessRuntime,
    *,
    now: datetime,
    state_after_pending: Mapping[str, str] = STATE_AFTER_PENDING,
) -> DueReport:
    """Handle every pending ticket whose pending time is at or before ``now``; see the module."""
    report = DueReport()
    due = _due_tickets(uow_factory, now)
    reminders = [ticket for ticket in due if ticket.state_type == PENDING_REMINDER]
    for ticket in due:
        if ticket.state_type != PENDING_AUTO:
            continue
        target = state_after_pending.get(ticket.state)
        if target is None:
            report.skipped.append(ticket.id)
            continue
        values = {"State": target, "Lock": "unlock", "PendingTime": ""}
        try:
            update_ticket(
                uow_factory,
                runtime,
                ticket.id,
                values,
                caller=SYSTEM,
                now=now,
                expected_version=ticket.version,
            )
        except (ConflictError, NotFoundError):  # changed or gone meanwhile; the next scan looks again
            report.skipped.append(ticket.id)
        else:
            report.closed.append(ticket.id)
    if reminders:
        with uow_factory() as uow:
            for ticket in reminders:
                uow.jobs.enqueue(
                    "email",
                    _reminder_payload(ticket),
                    ticket_id=ticket.id,
                    run_at=now,
                    idempotency_key=_reminder_key(ticket),
                )
                report.reminded.append(ticket.id)
            uow.commit()
    return report


def _due_tickets(uow_factory: UnitOfWorkFactory, now: datetime) -> list[Ticket]:
    # Only the due ones are read (an index of pending times), not every ticket waiting for later.
    query = TicketQuery(state_types=(PENDING_AUTO, PENDING_REMINDER), pending_due_at=now, limit=None)
    with uow_factory() as uow:
        return list(uow.tickets.list(query))


def _reminder_key(ticket: Ticket) -> str:
    assert ticket.pending_until is not None  # only due tickets get here
    return f"pending-reminder:{ticket.id}:{ticket.pending_until.isoformat()}"


def _reminder_payload(ticket: Ticket) -> dict[str, object]:
    """The same shape as a process's SendNotification job (``usecases.steps``)."""
    return {
        "recipients": ["owner"],
        "subject": f"Reminder: ticket {ticket.number} has reached its pending time",
        "body": (
            f"Ticket {ticket.number} ({ticket.title}) in queue {ticket.queue} was pending until "
            f"{ticket.pending_until:%Y-%m-%d %H:%M} UTC and needs your attention."
        ),
        "template": "PendingReminder",
        "content_type": "text/plain",
        "ticket_id": ticket.id,
    }
