"""In a real browser: opening the demo's lock-requiring dialog in the zoom's panel locks the ticket to
the agent, and the panel (which takes only the form from the page) shows the notice above the form."""

from __future__ import annotations

import pytest
from e2e_support import LiveServer, purchase_request, sign_in_demo
from playwright.sync_api import Browser, expect

pytestmark = pytest.mark.browser

REQUEST = {
    "Title": "A standing desk",
    "DynamicField_PurchaseItems": "1 x standing desk",
    "DynamicField_PurchaseCategory": "hardware",
    "DynamicField_PurchaseAmount": "450.00",
    "DynamicField_PurchaseJustification": "Back trouble.",
}


def test_the_zoom_panel_says_the_ticket_is_now_locked(browser: Browser, live_server: LiveServer) -> None:
    ticket = purchase_request(live_server, REQUEST)
    assert ticket.lock == "unlock"
    page = browser.new_context(base_url=live_server.base_url).new_page()
    sign_in_demo(page, "manager")
    expect(page).to_have_title("Dashboard · ticketflow")

    page.goto(f"/agent/tickets/{ticket.id}")
    page.get_by_role("link", name="Approve or reject").click()

    panel = page.locator("#dialog-panel")
    expect(panel.locator(".lock-notice")).to_contain_text("The ticket is now locked to you")
    expect(panel.get_by_label("Manager decision")).to_be_visible()
    with live_server.application.uow() as uow:
        stored = uow.tickets.get(ticket.id)
    assert (stored.lock, stored.owner) == ("lock", "manager")
