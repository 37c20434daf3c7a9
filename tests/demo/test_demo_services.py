"""The demo's stand-in systems: the purchase request runs through the real web-service handler to the
mail room, and a repeated call (same Idempotency-Key) creates nothing twice."""

from __future__ import annotations

import smtplib
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from demo_support import NOW, get_ticket, service_jobs
from test_demo_purchase_request import _decide, _request

from ticketflow.bootstrap import Application, job_handlers
from ticketflow.demo.services import DEMO_SERVICES_PORT, DemoMailbox, DemoServices
from ticketflow.domain.positions import PositionStatus


@pytest.fixture
def stand_ins() -> Iterator[DemoServices]:
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", DEMO_SERVICES_PORT)) == 0:
            pytest.skip(
                f"port {DEMO_SERVICES_PORT} is taken (a running `make run`?); stop it to run this test"
            )
    services = DemoServices(port=DEMO_SERVICES_PORT)
    thread = threading.Thread(target=services.serve_forever, daemon=True)
    thread.start()
    yield services
    services.close()
    thread.join(timeout=5)


def test_the_erp_stand_in_answers_a_repeated_key_with_the_first_answer(stand_ins: DemoServices) -> None:
    url = f"http://127.0.0.1:{DEMO_SERVICES_PORT}/erp/orders"
    first = httpx.post(url, json={"Items": "chair"}, headers={"Idempotency-Key": "job-1"})
    again = httpx.post(url, json={"Items": "chair"}, headers={"Idempotency-Key": "job-1"})
    other = httpx.post(url, json={"Items": "desk"}, headers={"Idempotency-Key": "job-2"})
    assert first.status_code == 201
    assert again.json() == first.json()
    assert other.json()["order"]["id"] != first.json()["order"]["id"]
    assert stand_ins.calls == 2


def test_an_approved_purchase_is_ordered_in_the_erp_by_the_worker(
    demo_app: Application, stand_ins: DemoServices
) -> None:
    ticket = _decide(demo_app, _request(demo_app), "approved")
    [job] = service_jobs(demo_app, ticket.id)
    job_handlers(demo_app)["web_service"].run(job, NOW)
    ordered = get_ticket(demo_app, ticket.id)
    assert ordered.process is not None
    assert (ordered.process.activity_key, ordered.process.status) == ("delivery", PositionStatus.ACTIVE)
    assert str(ordered.dynamic_fields["PurchaseOrderNumber"]).startswith("PO-")
    assert ordered.queue == "Post office"


def test_the_demo_mailbox_keeps_each_mail_as_a_file(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    mailbox = DemoMailbox(tmp_path / "mail", port=port)
    mailbox.start()
    try:
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
            smtp.sendmail("ticketflow@localhost", ["alice@example.com"], b"Subject: Approved\r\n\r\nYes.\r\n")
    finally:
        mailbox.close()
    [kept] = (tmp_path / "mail").glob("*.eml")
    assert b"Subject: Approved" in kept.read_bytes()
