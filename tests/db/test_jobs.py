"""The job queue's producer side."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from ticketflow.db.unit_of_work import SqlUnitOfWork
from ticketflow.usecases.records import JobStatus, NewTicket

Factory = Callable[[], SqlUnitOfWork]
RUN_AT = datetime(2024, 7, 1, 8, tzinfo=UTC)


def test_jobs_are_queued_with_payload_and_idempotency(uow_factory: Factory) -> None:
    with uow_factory() as uow:
        ticket_id = uow.tickets.add(NewTicket("t", "Raw", "new", "3 normal", "root@localhost")).id
        payload = {"invoker": "CreateLead", "data": {"TicketID": ticket_id}}
        first = uow.jobs.enqueue(
            "web_service", payload, ticket_id=ticket_id, run_at=RUN_AT, idempotency_key="k1"
        )
        again = uow.jobs.enqueue(
            "web_service", payload, ticket_id=ticket_id, run_at=RUN_AT, idempotency_key="k1"
        )
        other = uow.jobs.enqueue("mail", {"to": "x"}, ticket_id=None, run_at=RUN_AT)
        uow.commit()
    with uow_factory() as uow:
        for_ticket = uow.jobs.list_jobs(ticket_id=ticket_id)
        queued = uow.jobs.list_jobs(status=JobStatus.QUEUED)
        done = uow.jobs.list_jobs(status=JobStatus.DONE)
    assert first == again != other
    assert [job.id for job in for_ticket] == [first]
    assert [job.id for job in queued] == [first, other]
    assert done == []
    job = for_ticket[0]
    assert (job.kind, job.payload, job.run_at, job.attempts) == ("web_service", payload, RUN_AT, 0)
    assert job.idempotency_key == "k1"
    assert job.created_at.tzinfo is not None
