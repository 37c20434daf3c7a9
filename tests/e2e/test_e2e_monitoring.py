"""Monitoring in a real browser: purchase requests run through the demo process (started by customers,
decided by the manager, one ERP call given up as an incident), then the manager opens Monitoring from
the navigation and sees the counts on the diagram, the tickets behind a count, the per-day chart; the
buyer retries the incident from the inbox; a ticket's zoom shows the path it took. Screenshots go to
TICKETFLOW_SCREENSHOTS (docs/screenshots/ for the README)."""

from __future__ import annotations

import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from e2e_support import LiveServer, purchase_request, sign_in_demo
from playwright.sync_api import Browser, Page, expect

from ticketflow.domain.definitions import Interface
from ticketflow.usecases import dialog_access, principals
from ticketflow.usecases.callers import Caller
from ticketflow.usecases.job_records import NewIncident

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(os.environ.get("TICKETFLOW_SCREENSHOTS") or tempfile.mkdtemp(prefix="ticketflow-shots-"))
REQUEST = {
    "Title": "Monitors",
    "DynamicField_PurchaseItems": "2 x 27-inch monitor",
    "DynamicField_PurchaseCategory": "hardware",
    "DynamicField_PurchaseAmount": "598.00",
    "DynamicField_PurchaseJustification": "The designers share one screen.",
}


def _start(server: LiveServer, title: str) -> int:
    created = purchase_request(server, {**REQUEST, "Title": title})
    return created.id


def _decide(server: LiveServer, ticket_id: int, decision: str) -> None:
    application = server.application
    manager = principals.load_principal(application.uow, Caller("manager", Interface.AGENT))
    dialog_access.submit_dialog(
        application.uow,
        application.runtime,
        manager,
        ticket_id,
        "decide",
        {"DynamicField_PurchaseApproval": decision},
        now=datetime.now(UTC),
    )


def _give_up_erp_call(server: LiveServer, ticket_id: int) -> None:
    """The worker's ERP call failed for good: its job got an incident."""
    with server.application.uow() as uow:
        [job] = [j for j in uow.jobs.list_jobs(ticket_id) if j.kind == "web_service"]
        uow.incidents.open(
            NewIncident(
                job.id,
                ticket_id,
                job.kind,
                "activity:order",
                "ERP answered 503",
                "Service Unavailable",
                datetime.now(UTC),
            )
        )
        uow.commit()


def _page(browser: Browser, server: LiveServer) -> Page:
    context = browser.new_context(base_url=server.base_url, viewport={"width": 1280, "height": 900})
    return context.new_page()


def _shot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def test_monitoring_shows_where_the_purchase_requests_are(browser: Browser, live_server: LiveServer) -> None:
    waiting = [_start(live_server, f"Request {n}") for n in range(3)]
    approved = _start(live_server, "Approved request")
    rejected = _start(live_server, "Rejected request")
    _decide(live_server, approved, "approved")
    _decide(live_server, rejected, "rejected")
    _give_up_erp_call(live_server, approved)

    manager = _page(browser, live_server)
    sign_in_demo(manager, "manager")
    manager.get_by_role("navigation", name="Agent").get_by_role("link", name="Monitoring").click()
    expect(manager).to_have_title("Process monitoring · ticketflow")
    expect(manager.locator("#all-processes-chart desc")).to_contain_text("5 started, 1 completed, 0 failed")
    _shot(manager, "monitoring-overview")

    manager.get_by_role("link", name="Purchase request").click()
    expect(manager).to_have_title("Monitoring: Purchase request · ticketflow")
    expect(manager.locator('g.activity[data-key="approval"] .badge.info text')).to_have_text("3")
    expect(manager.locator('g.activity[data-key="order"] .badge.info text')).to_have_text("1")
    expect(manager.locator('g.activity[data-key="order"] .badge.incident text')).to_have_text("1")
    expect(manager.locator('tr[data-activity="end"]')).to_contain_text("0 / 0 / 0")
    _shot(manager, "monitoring-process")

    manager.locator('g.activity[data-key="approval"] .badge.info').click()
    expect(manager.locator("table.tickets tbody tr")).to_have_count(3)
    for ticket_id in waiting:
        expect(manager.locator(f'a[href="/agent/tickets/{ticket_id}"]')).to_be_visible()
    _shot(manager, "monitoring-tickets")

    buyer = _page(browser, live_server)
    sign_in_demo(buyer, "buyer")
    buyer.get_by_role("navigation", name="Agent").get_by_role("link", name="Incidents").click()
    expect(buyer.locator("article.incident")).to_have_count(1)
    expect(buyer.locator("article.incident")).to_contain_text("ERP answered 503")
    _shot(buyer, "incidents-inbox")
    buyer.get_by_role("button", name="Retry").click()
    expect(buyer.locator(".notice")).to_contain_text("queued again")
    expect(buyer.locator("article.incident")).to_have_count(0)

    buyer.goto(f"/agent/tickets/{approved}")
    expect(buyer.locator('g.activity.visited[data-key="approval"]')).to_have_count(1)
    expect(buyer.locator('line.transition.visited[data-key="approved"]')).to_have_count(1)
    expect(buyer.locator("g.activity.current")).to_contain_text("Order in the ERP")
    _shot(buyer, "agent-zoom-path")
