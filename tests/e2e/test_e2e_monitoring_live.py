"""The monitoring page's live counts in a real browser: with JavaScript, htmx's poll (every 10 s)
replaces the diagram and table when a ticket arrives, and the page stays usable; without JavaScript
the page shows the counts of each load, as before."""

from __future__ import annotations

import pytest
from e2e_support import LiveServer, purchase_request, sign_in_demo
from playwright.sync_api import Browser, Page, expect

pytestmark = pytest.mark.browser

REQUEST = {
    "Title": "Chairs",
    "DynamicField_PurchaseItems": "4 x office chair",
    "DynamicField_PurchaseCategory": "hardware",
    "DynamicField_PurchaseAmount": "800.00",
    "DynamicField_PurchaseJustification": "The old ones broke.",
}
APPROVAL_BADGE = 'g.activity[data-key="approval"] .badge.info text'
# One poll comes 10 s after the page loaded; this leaves room for a slow, shared machine.
POLL_WAIT_MS = 25_000


def _start(server: LiveServer) -> None:
    purchase_request(server, REQUEST)


def _manager(browser: Browser, server: LiveServer, *, javascript: bool) -> Page:
    context = browser.new_context(base_url=server.base_url, java_script_enabled=javascript)
    page = context.new_page()
    sign_in_demo(page, "manager")
    page.goto("/agent/monitoring/purchase-request")
    return page


def test_a_new_ticket_shows_up_without_reloading(browser: Browser, live_server: LiveServer) -> None:
    _start(live_server)
    page = _manager(browser, live_server, javascript=True)
    expect(page.locator(APPROVAL_BADGE)).to_have_text("1")
    page.evaluate("window.loadedOnce = true")  # gone if the page were loaded again

    _start(live_server)

    expect(page.locator(APPROVAL_BADGE)).to_have_text("2", timeout=POLL_WAIT_MS)
    expect(page.locator('tr[data-activity="approval"]')).to_contain_text("2 / 0 / 0")
    assert page.evaluate("window.loadedOnce === true")
    # The replaced part polls again: it carries its own trigger.
    expect(page.locator("#monitoring-live")).to_have_attribute("hx-trigger", "every 10s")
    expect(page.locator("#process-chart")).to_have_count(1)  # the chart stays where it was


def test_without_javascript_the_page_shows_the_counts_of_its_load(
    browser: Browser, live_server: LiveServer
) -> None:
    _start(live_server)
    page = _manager(browser, live_server, javascript=False)
    expect(page.locator(APPROVAL_BADGE)).to_have_text("1")
    _start(live_server)
    page.reload()
    expect(page.locator(APPROVAL_BADGE)).to_have_text("2")
    expect(page.locator('tr[data-activity="approval"]')).to_contain_text("2 / 0 / 0")
