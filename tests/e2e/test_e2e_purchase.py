"""The demo purchase request from start to end in a real browser, across both interfaces: Alice asks in
the customer portal, Maria (manager) approves, the ERP takes the order (the worker's handler, run here
in-process against the demo's stand-in ERP), Bob (buyer) sees it in his queue, Mike (mail room)
confirms the delivery, and Alice reads the outcome. Screenshots go to docs/screenshots/ for the README."""

from __future__ import annotations

import os
import tempfile
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from e2e_support import LiveServer
from playwright.sync_api import Browser, Page, expect

from ticketflow.bootstrap import job_handlers
from ticketflow.demo.catalog import DEMO_PASSWORDS
from ticketflow.demo.services import DemoServices
from ticketflow.domain.positions import PositionStatus

pytestmark = pytest.mark.browser

# The README's pictures are refreshed by `make screenshots` (TICKETFLOW_SCREENSHOTS=docs/screenshots);
# a plain test run still takes every screenshot (each must render) but keeps them out of the tree.
SCREENSHOTS = Path(os.environ.get("TICKETFLOW_SCREENSHOTS") or tempfile.mkdtemp(prefix="ticketflow-shots-"))


@pytest.fixture
def demo_erp() -> Iterator[None]:
    """The stand-in ERP on its fixed demo port; when `make run` already serves it there, that one answers."""
    try:
        services = DemoServices()
    except OSError:
        yield
        return
    thread = threading.Thread(target=services.serve_forever, daemon=True)
    thread.start()
    try:
        yield
    finally:
        services.close()
        thread.join(timeout=5)


def _page(browser: Browser, server: LiveServer) -> Page:
    context = browser.new_context(base_url=server.base_url, viewport={"width": 1280, "height": 860})
    return context.new_page()


def _sign_in(page: Page, login: str, *, customer: bool = False) -> None:
    page.goto("/customer/sign-in" if customer else "/sign-in")
    page.get_by_label("Login").fill(login)
    page.get_by_label("Password").fill(DEMO_PASSWORDS[login])
    page.get_by_role("button", name="Sign in").click()


def _shot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def _complete_service_task(server: LiveServer, ticket_id: int) -> None:
    """What the worker does with the ERP job: call the web service and move the ticket on."""
    application = server.application
    with application.uow() as uow:
        [job] = [j for j in uow.jobs.list_jobs(ticket_id) if j.kind == "web_service"]
    job_handlers(application)["web_service"].run(job, datetime.now(UTC))
    with application.uow() as uow:
        ticket = uow.tickets.get(ticket_id)
    assert ticket.process is not None
    assert (ticket.process.activity_key, ticket.process.status) == ("delivery", PositionStatus.ACTIVE)


def test_a_purchase_request_goes_from_the_portal_through_three_agents(
    browser: Browser, live_server: LiveServer, demo_erp: None
) -> None:
    # Alice asks for monitors in the customer portal; a forgotten field is pointed out beside it.
    alice = _page(browser, live_server)
    _sign_in(alice, "alice", customer=True)
    expect(alice).to_have_title("My tickets · ticketflow")
    alice.get_by_role("link", name="Start a new request").click()
    alice.get_by_role("link", name="Purchase request").click()
    alice.get_by_label("Title").fill("Two monitors for the design team")
    alice.get_by_label("Items").fill("2 x 27-inch monitor")
    alice.get_by_label("Category").select_option("hardware")
    alice.get_by_label("Amount (EUR)").fill("598.00")
    alice.get_by_role("button", name="Send to my manager").click()
    expect(alice.locator("#f-DynamicField_PurchaseJustification-error")).to_have_text(
        "Justification: is mandatory"
    )
    _shot(alice, "customer-start-with-error")
    alice.get_by_label("Justification").fill("The designers share one screen.")
    alice.get_by_role("button", name="Send to my manager").click()
    expect(alice.locator(".activity-name")).to_have_text("Manager approval")
    ticket_id = int(alice.url.rsplit("/", 1)[1])
    _shot(alice, "customer-ticket")

    # Maria sees it waiting for her, opens the ticket and approves it.
    manager = _page(browser, live_server)
    _sign_in(manager, "manager")
    expect(manager).to_have_title("Dashboard · ticketflow")
    _shot(manager, "agent-dashboard")
    manager.get_by_role("link", name="Two monitors for the design team").first.click()
    expect(manager.locator("g.activity.current")).to_contain_text("Manager approval")
    _shot(manager, "agent-ticket-zoom")
    # The dialog opens inside the zoom's process widget (htmx); its submit refreshes the widget.
    manager.get_by_role("link", name="Approve or reject").click()
    dialog = manager.locator("#dialog-panel")
    dialog.get_by_label("Manager decision").select_option("approved")
    dialog.get_by_label("Subject").fill("Approved")
    dialog.get_by_label("Text").fill("Go ahead, the budget allows it.")
    _shot(manager, "agent-dialog")
    dialog.get_by_role("button", name="Record decision").click()
    expect(manager.locator(".process-widget .activity-name")).to_have_text("Order in the ERP")

    # Bob finds the approved request in the Purchasing queue while the ERP order is on its way.
    buyer = _page(browser, live_server)
    _sign_in(buyer, "buyer")
    buyer.get_by_role("link", name="Queue view").click()
    buyer.get_by_label("Queue", exact=True).select_option("Purchasing")
    buyer.get_by_role("button", name="Filter").click()
    expect(buyer.locator("table.tickets")).to_contain_text("Two monitors for the design team")
    _shot(buyer, "agent-queue")

    _complete_service_task(live_server, ticket_id)

    # Mike confirms the delivery; the ticket's history tells the story in words.
    mailroom = _page(browser, live_server)
    _sign_in(mailroom, "mailroom")
    mailroom.goto(f"/agent/tickets/{ticket_id}")
    expect(mailroom.locator(".process-widget .activity-name")).to_have_text("Delivery")
    mailroom.get_by_role("link", name="Confirm delivery").click()
    mailroom.locator("#dialog-panel").get_by_label("Delivery received").check()
    mailroom.locator("#dialog-panel").get_by_role("button", name="Confirm delivery").click()
    expect(mailroom.locator(".process-widget .activity-name")).to_have_text("Done")
    mailroom.get_by_role("link", name="History").click()
    expect(mailroom.locator(".history")).to_contain_text("Moved from")
    _shot(mailroom, "agent-history")

    # Alice reads the articles meant for her: the approval and the order number.
    alice.reload()
    expect(alice.locator(".activity-name")).to_have_text("Done")
    expect(alice.locator(".timeline")).to_contain_text("Your purchase was ordered (order PO-")
    _shot(alice, "customer-ticket-done")
    for page in (alice, manager, buyer, mailroom):
        page.context.close()
