"""The purchase request, end to end through the real use cases: the happy path, a rejection, and the
ERP failing so that a buyer orders by hand."""

from __future__ import annotations

from demo_support import NOW, answer_service, fail_service, get_ticket, mail_jobs, service_jobs

from ticketflow.bootstrap import Application
from ticketflow.domain.definitions import Interface
from ticketflow.domain.positions import PositionStatus
from ticketflow.domain.tickets import Ticket
from ticketflow.usecases.callers import Caller
from ticketflow.usecases.dialogs import submit_dialog
from ticketflow.usecases.tickets import TicketInput, create_ticket

ALICE = Caller("alice", Interface.CUSTOMER)
MANAGER = Caller("manager")
BUYER = Caller("buyer")
MAILROOM = Caller("mailroom")

REQUEST = {
    "Title": "Two monitors for the design team",
    "DynamicField_PurchaseItems": "2 x 27-inch monitor",
    "DynamicField_PurchaseCategory": "hardware",
    "DynamicField_PurchaseAmount": "598.00",
    "DynamicField_PurchaseJustification": "The designers share one screen.",
    "DynamicField_PurchaseNeededBy": "2025-03-31",
}


def _request(app: Application) -> Ticket:
    return create_ticket(
        app.uow,
        app.runtime,
        TicketInput(),
        caller=ALICE,
        now=NOW,
        process_key="purchase-request",
        start_values=REQUEST,
    )


def _decide(app: Application, ticket: Ticket, decision: str) -> Ticket:
    fields = {
        "DynamicField_PurchaseApproval": decision,
        "Subject": "Decision",
        "Body": f"{decision} by Maria",
    }
    return submit_dialog(app.uow, app.runtime, ticket.id, "decide", fields, caller=MANAGER, now=NOW)


def _at(ticket: Ticket) -> tuple[str, PositionStatus]:
    assert ticket.process is not None
    return ticket.process.activity_key, ticket.process.status


def test_a_customer_request_goes_to_the_manager(demo_app: Application) -> None:
    ticket = _request(demo_app)

    assert _at(ticket) == ("approval", PositionStatus.ACTIVE)
    assert (ticket.queue, ticket.owner, ticket.state, ticket.type) == (
        "Management",
        "manager",
        "open",
        "Service Request",
    )
    assert ticket.customer_user_id == "alice"
    assert ticket.dynamic_fields["PurchaseStep"] == "requested"
    [mail] = mail_jobs(demo_app, ticket.id)
    assert mail.payload["recipients"] == ["owner"]
    assert mail.payload["template"] == "Approval needed"


def test_approved_request_is_prepared_and_waits_for_the_erp(demo_app: Application) -> None:
    ticket = _decide(demo_app, _request(demo_app), "approved")

    assert _at(ticket) == ("order", PositionStatus.WAITING)
    assert (ticket.queue, ticket.owner, ticket.lock) == ("Purchasing", "buyer", "unlock")
    # compute_date: three working days after Monday 10:00 Berlin time is Thursday 10:00 (09:00 UTC).
    assert ticket.dynamic_fields["PurchaseOrderDue"] == "2025-03-06 09:00:00"
    [job] = service_jobs(demo_app, ticket.id)
    assert (job.payload["web_service"], job.payload["invoker"]) == ("ERP", "CreateOrder")
    assert job.payload["activity"] == "order"
    assert job.payload["timeout_seconds"] == 20
    assert job.payload["error_code"] == "ERP_FAILED"
    assert job.payload["parameters"]["Items"] == "2 x 27-inch monitor"
    assert job.payload["parameters"]["Amount"] == "598.00"


def test_happy_path_ends_closed_after_the_mail_room_confirms(demo_app: Application) -> None:
    ticket = _decide(demo_app, _request(demo_app), "approved")

    ordered = answer_service(demo_app, ticket.id, {"DynamicField_PurchaseOrderNumber": "PO-4711"})
    assert _at(ordered) == ("delivery", PositionStatus.ACTIVE)
    assert (ordered.queue, ordered.owner) == ("Post office", "mailroom")

    done = submit_dialog(
        demo_app.uow,
        demo_app.runtime,
        ticket.id,
        "confirm-delivery",
        {"DynamicField_PurchaseDelivered": "1"},
        caller=MAILROOM,
        now=NOW,
    )

    assert _at(done) == ("end", PositionStatus.COMPLETED)
    assert done.state == "closed successful"
    assert mail_jobs(demo_app, ticket.id)[-1].payload["recipients"] == ["customer"]


def test_rejected_request_is_closed_and_the_customer_told(demo_app: Application) -> None:
    ticket = _decide(demo_app, _request(demo_app), "rejected")

    assert _at(ticket) == ("end", PositionStatus.COMPLETED)
    assert ticket.state == "closed unsuccessful"
    assert service_jobs(demo_app, ticket.id) == []
    last = mail_jobs(demo_app, ticket.id)[-1].payload
    assert last["recipients"] == ["customer"]
    assert "rejected" in last["subject"]


def test_erp_failure_leads_to_a_manual_order(demo_app: Application) -> None:
    ticket = _decide(demo_app, _request(demo_app), "approved")

    failed = fail_service(demo_app, ticket.id, "ERP_FAILED")

    assert _at(failed) == ("manual-order", PositionStatus.ACTIVE)
    assert failed.priority == "4 high"
    assert mail_jobs(demo_app, ticket.id)[-1].payload["recipients"] == ["role:Buyers"]

    ordered = submit_dialog(
        demo_app.uow,
        demo_app.runtime,
        ticket.id,
        "record-order",
        {"DynamicField_PurchaseOrderNumber": "PHONE-0815"},
        caller=BUYER,
        now=NOW,
    )

    assert _at(ordered) == ("delivery", PositionStatus.ACTIVE)
    assert (ordered.queue, ordered.owner, ordered.priority) == ("Post office", "mailroom", "3 normal")
    assert get_ticket(demo_app, ticket.id).dynamic_fields["PurchaseOrderNumber"] == "PHONE-0815"


def test_an_agent_can_start_a_request_for_a_customer(demo_app: Application) -> None:
    ticket = create_ticket(
        demo_app.uow,
        demo_app.runtime,
        TicketInput(values={"CustomerUserID": "alice", "CustomerID": "example-corp"}),
        caller=BUYER,
        now=NOW,
        process_key="purchase-request",
        start_values=REQUEST,
    )

    assert _at(ticket) == ("approval", PositionStatus.ACTIVE)
    assert ticket.customer_id == "example-corp"
