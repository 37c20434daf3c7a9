"""Test Mode sends nothing: with the ERP and the SMTP server real and listening, a Test Mode run of the
whole purchase request (e-mails rendered, the ERP call answered from the scenario) and a run of its
saved scenarios leave every table as it was, so the worker run afterwards finds nothing to send —
while the same path taken by a real ticket reaches both servers (the control that the check can fail)."""

from __future__ import annotations

from typing import Any

from fake_servers import FakeService, MailBox
from outbound_support import NOW
from sqlalchemy import select

from ticketflow.bootstrap import Application, job_handlers
from ticketflow.db.tables import metadata
from ticketflow.domain.definitions import Interface
from ticketflow.domain.notifications import RenderedMail
from ticketflow.domain.webservice_mapping import ServiceRequest
from ticketflow.usecases.callers import Caller
from ticketflow.usecases.dialogs import submit_dialog
from ticketflow.usecases.scenarios import save_scenario
from ticketflow.usecases.testmode import ProcessSource, parse_test_input, run_saved_scenarios, run_test_mode
from ticketflow.usecases.testmode_outbound import render_run_outbound
from ticketflow.usecases.tickets import TicketInput, create_ticket
from ticketflow.worker.app import build_worker
from ticketflow.worker.loop import WorkerOptions

REQUEST = {
    "Title": "Two monitors",
    "DynamicField_PurchaseItems": "2 x 27-inch monitor",
    "DynamicField_PurchaseCategory": "hardware",
    "DynamicField_PurchaseAmount": "598.00",
    "DynamicField_PurchaseJustification": "The designers share one screen.",
}
SCENARIO: dict[str, Any] = {
    "ticket": {"CustomerUserID": "alice"},
    "submissions": [
        {"dialog": "request-form", "as": "customer", "fields": REQUEST},
        {"dialog": "decide", "fields": {"DynamicField_PurchaseApproval": "approved"}},
        {"dialog": "confirm-delivery", "fields": {"DynamicField_PurchaseDelivered": "1"}},
    ],
    "service_results": {"order": {"values": {"DynamicField_PurchaseOrderNumber": "PO-1"}}},
    "expect": {"activity": "end"},
}


def _every_row(app: Application) -> dict[str, list[tuple[Any, ...]]]:
    with app.engine.connect() as connection:
        return {
            table.name: sorted((tuple(row) for row in connection.execute(select(table))), key=repr)
            for table in metadata.sorted_tables
        }


def _run_worker(app: Application) -> int:
    """Every due job through the real handlers (web service over HTTP, e-mail over SMTP)."""
    return build_worker(app, job_handlers(app), WorkerOptions(once=True)).run()


def test_a_test_run_and_the_saved_suite_send_nothing(
    demo_app: Application, http_service: FakeService, mailbox: MailBox, service_url: str
) -> None:
    save_scenario(demo_app.uow, "purchase-request", "delivered", SCENARIO, saved_by="admin", now=NOW)
    before = _every_row(demo_app)

    report = run_test_mode(
        demo_app.uow,
        demo_app.runtime,
        ProcessSource(key="purchase-request"),
        parse_test_input(SCENARIO),
        now=NOW,
    )
    outbound = render_run_outbound(demo_app.uow, demo_app.runtime, report, NOW)
    [result] = run_saved_scenarios(
        demo_app.uow, demo_app.runtime, ProcessSource(key="purchase-request"), now=NOW
    )
    attempts = _run_worker(demo_app)

    assert report.path[-1] == "end"
    assert result.passed
    mails = [m for m in outbound.values() if isinstance(m, RenderedMail)]
    assert "Please decide on Two monitors" in [m.subject for m in mails]
    [request] = [r for r in outbound.values() if isinstance(r, ServiceRequest)]
    assert (request.method, request.url) == ("POST", f"{service_url}/erp/orders")
    assert request.body["items"] == "2 x 27-inch monitor"
    assert request.body["requester"] == "alice@example.com"  # the customer's data, as the worker reads it
    assert attempts == 0
    assert http_service.requests == []
    assert mailbox.envelopes == []
    assert _every_row(demo_app) == before


def test_the_same_path_taken_for_real_reaches_both_servers(
    demo_app: Application, http_service: FakeService, mailbox: MailBox
) -> None:
    ticket = create_ticket(
        demo_app.uow,
        demo_app.runtime,
        TicketInput(),
        caller=Caller("alice", Interface.CUSTOMER),
        now=NOW,
        process_key="purchase-request",
        start_values=REQUEST,
    )
    fields = {"DynamicField_PurchaseApproval": "approved"}
    submit_dialog(
        demo_app.uow, demo_app.runtime, ticket.id, "decide", fields, caller=Caller("manager"), now=NOW
    )

    attempts = _run_worker(demo_app)

    assert attempts >= 2
    assert [(seen.method, seen.path) for seen in http_service.requests] == [("POST", "/erp/orders")]
    assert mailbox.envelopes != []
