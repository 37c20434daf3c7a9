"""The htmx live parts in a real browser — and the same pages without JavaScript.

With JavaScript: the queue view filters (by a dynamic field) and sorts without reloading the page; a
dialog field is checked when left; a dialog opened in the ticket zoom shows its errors in place and,
once submitted, refreshes the process widget — all without a page load (a marker set on the window
survives). Without JavaScript the same filters and the same dialog work as plain GET and POST."""

from __future__ import annotations

import re

import pytest
from e2e_support import LiveServer, purchase_request, sign_in_demo
from playwright.sync_api import Browser, Page, expect

pytestmark = pytest.mark.browser

REQUEST = {
    "DynamicField_PurchaseItems": "2 x 27-inch monitor",
    "DynamicField_PurchaseAmount": "598.00",
    "DynamicField_PurchaseJustification": "The designers share one screen.",
}


def start_purchase(server: LiveServer, title: str, category: str) -> int:
    values = {**REQUEST, "Title": title, "DynamicField_PurchaseCategory": category}
    ticket = purchase_request(server, values)
    return ticket.id


def signed_in(browser: Browser, server: LiveServer, *, javascript: bool = True) -> Page:
    context = browser.new_context(base_url=server.base_url, java_script_enabled=javascript)
    page = context.new_page()
    sign_in_demo(page, "manager")
    expect(page).to_have_title("Dashboard · ticketflow")
    return page


def settled(page: Page) -> None:
    """Wait until htmx has put the last answer in place and bound its new content (a person never
    changes a field within the few milliseconds that takes; a test does)."""
    page.wait_for_function("!document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')")


def mark(page: Page) -> None:
    """A value on the window: it survives htmx swaps and is gone after a page load."""
    page.evaluate("window.liveMarker = 'still here'")


def still_marked(page: Page) -> bool:
    return bool(page.evaluate("window.liveMarker === 'still here'"))


def test_the_queue_view_filters_and_sorts_without_a_page_load(
    browser: Browser, live_server: LiveServer
) -> None:
    start_purchase(live_server, "Monitors", "hardware")
    start_purchase(live_server, "Licences", "software")
    page = signed_in(browser, live_server)
    page.goto("/agent/queue")
    mark(page)
    results = page.locator("#queue-results")
    expect(results).to_contain_text("Monitors")

    page.get_by_text("More filters").click()
    page.get_by_label("Category").select_option("software")

    expect(results).not_to_contain_text("Monitors")
    expect(results).to_contain_text("Licences")
    assert "DynamicField_PurchaseCategory=software" in page.url  # the filtered view can be bookmarked
    page.get_by_label("Category").select_option("")
    expect(results).to_contain_text("Monitors")
    page.get_by_role("link", name="Title").click()
    expect(page).to_have_url(re.compile(r"sort=title&order=asc"))
    page.get_by_role("link", name="Title ▲").click()
    expect(page).to_have_url(re.compile(r"sort=title&order=desc"))
    expect(results.locator("tbody tr").first).to_contain_text("Monitors")
    assert "DynamicField_" not in page.url  # only the filters that are set
    assert still_marked(page)


def test_a_dialog_field_is_checked_when_left(browser: Browser, live_server: LiveServer) -> None:
    ticket_id = start_purchase(live_server, "Monitors", "hardware")
    page = signed_in(browser, live_server)
    page.goto(f"/agent/tickets/{ticket_id}/dialogs/decide")
    mark(page)
    decision = page.get_by_label("Manager decision")

    decision.select_option("approved")
    decision.select_option("")

    expect(page.locator("#f-DynamicField_PurchaseApproval-error")).to_have_text(
        "Manager decision: is mandatory"
    )
    page.get_by_label("Manager decision").select_option("rejected")
    expect(page.locator("#f-DynamicField_PurchaseApproval-error")).to_have_count(0)
    assert still_marked(page)


def test_a_dialog_submitted_in_the_zoom_refreshes_the_process_widget(
    browser: Browser, live_server: LiveServer
) -> None:
    ticket_id = start_purchase(live_server, "Monitors", "hardware")
    page = signed_in(browser, live_server)
    page.goto(f"/agent/tickets/{ticket_id}")
    mark(page)
    widget = page.locator("#process-widget")
    expect(widget.locator(".activity-name").first).to_have_text("Manager approval")

    page.get_by_role("link", name="Approve or reject").click()
    panel = page.locator("#dialog-panel")
    expect(panel.get_by_role("button", name="Record decision")).to_be_visible()
    settled(page)
    panel.get_by_role("button", name="Record decision").click()
    expect(panel.locator(".field-error")).to_contain_text("is mandatory")
    settled(page)
    panel.get_by_label("Manager decision").select_option("rejected")
    panel.get_by_role("button", name="Record decision").click()

    expect(widget.locator(".activity-name").first).not_to_have_text("Manager approval")
    assert page.url.endswith(f"/agent/tickets/{ticket_id}")
    assert still_marked(page)


def test_without_javascript_filters_and_dialogs_are_plain_requests(
    browser: Browser, live_server: LiveServer
) -> None:
    start_purchase(live_server, "Monitors", "hardware")
    ticket_id = start_purchase(live_server, "Licences", "software")
    page = signed_in(browser, live_server, javascript=False)

    page.goto("/agent/queue")
    page.get_by_text("More filters").click()
    page.get_by_label("Category").select_option("software")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("#queue-results")).not_to_contain_text("Monitors")
    expect(page.locator("#queue-results")).to_contain_text("Licences")

    page.goto(f"/agent/tickets/{ticket_id}")
    page.get_by_role("link", name="Approve or reject").click()
    expect(page).to_have_url(f"{live_server.base_url}/agent/tickets/{ticket_id}/dialogs/decide")
    page.get_by_role("button", name="Record decision").click()
    expect(page.locator("#f-DynamicField_PurchaseApproval-error")).to_have_text(
        "Manager decision: is mandatory"
    )
    page.get_by_label("Manager decision").select_option("rejected")
    page.get_by_role("button", name="Record decision").click()
    expect(page).to_have_url(f"{live_server.base_url}/agent/tickets/{ticket_id}")
    expect(page.locator("#process-widget .activity-name").first).not_to_have_text("Manager approval")
