"""End to end: the demo purchase request waiting at ``order`` → the ``web_service`` job through the
real handler (``bootstrap.job_handlers``) against a real HTTP service → the ticket moves on."""

from __future__ import annotations

import pytest
from fake_servers import FakeService
from outbound_support import NOW

from ticketflow.bootstrap import Application, job_handlers
from ticketflow.domain.definitions import Interface
from ticketflow.domain.errors import PermanentError, RetryableError
from ticketflow.domain.positions import PositionStatus
from ticketflow.domain.tickets import Ticket
from ticketflow.usecases.callers import Caller
from ticketflow.usecases.dialogs import submit_dialog
from ticketflow.usecases.records import Job
from ticketflow.usecases.tickets import TicketInput, create_ticket

REQUEST = {
    "Title": "Two monitors for the design team",
    "DynamicField_PurchaseItems": "2 x 27-inch monitor",
    "DynamicField_PurchaseCategory": "hardware",
    "DynamicField_PurchaseAmount": "598.00",
    "DynamicField_PurchaseJustification": "The designers share one screen.",
}


def _waiting_at_order(app: Application) -> Ticket:
    ticket = create_ticket(
        app.uow,
        app.runtime,
        TicketInput(),
        caller=Caller("alice", Interface.CUSTOMER),
        now=NOW,
        process_key="purchase-request",
        start_values=REQUEST,
    )
    fields = {"DynamicField_PurchaseApproval": "approved"}
    decided = submit_dialog(
        app.uow, app.runtime, ticket.id, "decide", fields, caller=Caller("manager"), now=NOW
    )
    assert decided.process is not None
    assert (decided.process.activity_key, decided.process.status) == ("order", PositionStatus.WAITING)
    return decided


def _service_job(app: Application, ticket_id: int) -> Job:
    with app.uow() as uow:
        [job] = [job for job in uow.jobs.list_jobs(ticket_id) if job.kind == "web_service"]
    return job


def _reload(app: Application, ticket_id: int) -> Ticket:
    with app.uow() as uow:
        return uow.tickets.get(ticket_id)


def test_the_erp_answers_and_the_ticket_moves_to_delivery(
    demo_app: Application, http_service: FakeService
) -> None:
    ticket = _waiting_at_order(demo_app)
    job = _service_job(demo_app, ticket.id)

    job_handlers(demo_app)["web_service"].run(job, NOW)

    done = _reload(demo_app, ticket.id)
    assert done.process is not None
    assert (done.process.activity_key, done.process.status) == ("delivery", PositionStatus.ACTIVE)
    assert done.dynamic_fields["PurchaseOrderNumber"] == f"PO-job-{job.id}"
    assert (done.queue, done.owner) == ("Post office", "mailroom")
    [seen] = http_service.requests
    assert (seen.method, seen.path) == ("POST", "/erp/orders")
    assert seen.headers["idempotency-key"] == f"job-{job.id}"
    assert seen.headers["x-client"] == "ticketflow-tests"
    assert seen.body == {
        "reference": ticket.number,
        "items": "2 x 27-inch monitor",
        "amount": "598.00",
        "requester": "alice@example.com",
        "lines": ["Two monitors for the design team"],
    }
    with demo_app.uow() as uow:
        [entry] = [h for h in uow.tickets.list_history(ticket.id) if h.history_type == "ServiceTask"]
    assert entry.name == "%%ERP%%CreateOrder%%201%%order"
    assert entry.trace[0]["values"] == {"DynamicField_PurchaseOrderNumber": f"PO-job-{job.id}"}
    assert "POST" in str(entry.trace[0]["text"])


def test_a_refused_order_takes_the_error_transition_to_a_manual_order(
    demo_app: Application, http_service: FakeService
) -> None:
    ticket = _waiting_at_order(demo_app)
    job = _service_job(demo_app, ticket.id)
    http_service.mode, http_service.status = "fail", 422
    handler = job_handlers(demo_app)["web_service"]

    with pytest.raises(PermanentError) as raised:
        handler.run(job, NOW)
    assert raised.value.response is not None
    assert raised.value.response.startswith("HTTP 422")

    assert handler.give_up(job, raised.value, NOW) is True
    moved = _reload(demo_app, ticket.id)
    assert moved.process is not None
    assert (moved.process.activity_key, moved.process.status) == ("manual-order", PositionStatus.ACTIVE)
    assert moved.priority == "4 high"


def test_a_flaky_erp_is_retried_with_the_same_idempotency_key(
    demo_app: Application, http_service: FakeService
) -> None:
    ticket = _waiting_at_order(demo_app)
    job = _service_job(demo_app, ticket.id)
    http_service.mode, http_service.failures, http_service.status = "flaky", 2, 503
    handler = job_handlers(demo_app)["web_service"]

    for _ in range(2):
        with pytest.raises(RetryableError):
            handler.run(job, NOW)
    handler.run(job, NOW)
    handler.run(job, NOW)  # a duplicate delivery after success: stale, nothing called

    assert http_service.keys == {f"job-{job.id}": 3}
    moved = _reload(demo_app, ticket.id)
    assert moved.process is not None
    assert moved.process.activity_key == "delivery"


def test_a_slow_erp_times_out_with_the_activity_timeout(
    demo_app: Application, http_service: FakeService
) -> None:
    ticket = _waiting_at_order(demo_app)
    job = _service_job(demo_app, ticket.id)
    quick = Job(
        **{
            **{f: getattr(job, f) for f in job.__dataclass_fields__},
            "payload": {**job.payload, "timeout_seconds": 0.2},
        }
    )
    http_service.mode, http_service.delay = "slow", 1.0

    with pytest.raises(RetryableError, match=r"timed out after 0\.2 s"):
        job_handlers(demo_app)["web_service"].run(quick, NOW)

    assert _reload(demo_app, ticket.id).process == ticket.process
