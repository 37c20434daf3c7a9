"""Due pending tickets: pending auto closes them (OTOBO's StateAfterPending), pending reminder
queues one e-mail to the owner per pending time."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from ticketflow.db.unit_of_work import SqlUnitOfWork
from ticketflow.outbound.scripts import load_scripts, load_validators
from ticketflow.usecases.due_changes import handle_due_tickets
from ticketflow.usecases.records import JobStatus, NewTicket
from ticketflow.usecases.runtime import ProcessRuntime

Factory = Callable[[], SqlUnitOfWork]
NOW = datetime(2024, 7, 1, 8, tzinfo=UTC)


def add(uow_factory: Factory, state: str, pending_until: datetime) -> int:
    with uow_factory() as uow:
        new = NewTicket(
            "t", "Raw", state, "3 normal", "root@localhost", lock="lock", pending_until=pending_until
        )
        ticket_id = uow.tickets.add(new).id
        uow.commit()
    return ticket_id


def test_due_pending_tickets_are_closed_or_reminded_once(uow_factory: Factory) -> None:
    runtime = ProcessRuntime(scripts=load_scripts(), validators=load_validators())
    plus = add(uow_factory, "pending auto close+", NOW - timedelta(minutes=1))
    minus = add(uow_factory, "pending auto close-", NOW)
    later = add(uow_factory, "pending auto close+", NOW + timedelta(minutes=1))
    remind = add(uow_factory, "pending reminder", NOW - timedelta(hours=1))
    report = handle_due_tickets(uow_factory, runtime, now=NOW)
    again = handle_due_tickets(uow_factory, runtime, now=NOW + timedelta(minutes=5))
    assert (sorted(report.closed), report.reminded) == (sorted([plus, minus]), [remind])
    assert (again.closed, again.reminded) == ([later], [remind])
    with uow_factory() as uow:
        closed = uow.tickets.get(plus)
        unsuccessful = uow.tickets.get(minus)
        history = [entry.history_type for entry in uow.tickets.list_history(plus)]
        reminders = uow.jobs.list_jobs(ticket_id=remind)
        reminded = uow.tickets.get(remind)
    assert (closed.state, closed.state_type, closed.lock, closed.pending_until) == (
        "closed successful",
        "closed",
        "unlock",
        None,
    )
    assert unsuccessful.state == "closed unsuccessful"
    assert "StateUpdate" in history
    [job] = reminders  # the second scan found the same pending time: no second e-mail
    assert (job.kind, job.status, job.payload["recipients"]) == ("email", JobStatus.QUEUED, ["owner"])
    assert reminded.state == "pending reminder"


def test_a_pending_time_outside_a_pending_state_is_not_due(uow_factory: Factory) -> None:
    runtime = ProcessRuntime(scripts=load_scripts(), validators=load_validators())
    reopened = add(uow_factory, "open", NOW - timedelta(days=1))  # kept its old pending time
    due = add(uow_factory, "pending auto close+", NOW - timedelta(days=1))
    report = handle_due_tickets(uow_factory, runtime, now=NOW)
    assert (report.closed, report.reminded) == ([due], [])
    with uow_factory() as uow:
        assert uow.tickets.get(reopened).state == "open"
