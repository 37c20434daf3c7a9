"""Test Mode in a real browser: an administrator opens it from the demo purchase process's page, starts
from a sample ticket, fills the request and the manager's decision in the side panel, answers the ERP
with a canned order number, sees the path lit and the would-be effects listed, saves the run as a
scenario and runs the suite. Screenshots go to TICKETFLOW_SCREENSHOTS (a temporary folder otherwise)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from e2e_support import LiveServer, administrator_page
from playwright.sync_api import Browser, Page, expect

from ticketflow.usecases.records import TicketQuery
from ticketflow.usecases.scenarios import list_scenarios

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(os.environ.get("TICKETFLOW_SCREENSHOTS") or tempfile.mkdtemp(prefix="ticketflow-shots-"))


def _administrator(server: LiveServer, browser: Browser) -> Page:
    return administrator_page(server, browser, width=1400, height=1000)


def _shot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def test_step_through_the_purchase_request_save_it_and_run_the_suite(
    live_server: LiveServer, browser: Browser
) -> None:
    page = _administrator(live_server, browser)
    page.goto("/agent/admin/processes/purchase-request")
    page.get_by_role("link", name="Test", exact=True).click()
    expect(page.get_by_role("heading", name="Test Mode: Purchase request (draft)")).to_be_visible()

    start = page.locator("form[action$='/test/start']").first
    start.locator("[name='Title']").fill("Sample request")
    start.locator("[name='CustomerUserID']").select_option("alice")
    start.get_by_role("button", name="Start the test").click()

    request = page.get_by_role("form", name="Dialog Request a purchase")
    request.locator("[name='Title']").fill("Two monitors")
    request.locator("[name='DynamicField_PurchaseItems']").fill("2 x 27-inch monitor")
    request.locator("[name='DynamicField_PurchaseCategory']").select_option("hardware")
    request.locator("[name='DynamicField_PurchaseAmount']").fill("598.00")
    request.locator("[name='DynamicField_PurchaseJustification']").fill("The designers share one screen.")
    request.get_by_role("button", name="Step: submit 'Request a purchase'").click()

    expect(page.locator("#path")).to_have_text("Path: request → approval")
    expect(page.locator("g.activity.current[data-key='approval']")).to_be_visible()
    expect(page.locator("g.activity.visited[data-key='request']")).to_be_visible()
    expect(page.locator("#steps")).to_contain_text("would set Queue to 'Management'")
    expect(page.locator("#steps")).to_contain_text("rendered, not sent")
    _shot(page, "testmode-stepped")

    decide = page.get_by_role("form", name="Dialog Approve or reject")
    decide.locator("[name='DynamicField_PurchaseApproval']").select_option("approved")
    decide.get_by_role("button", name="Step: submit 'Approve or reject'").click()
    expect(page.locator("#steps")).to_contain_text("call web service ERP invoker CreateOrder")
    expect(page.locator("#steps")).to_contain_text("never called in Test Mode")

    answer = page.get_by_role("form", name="Canned answer")
    answer.locator("[name='values']").fill("DynamicField_PurchaseOrderNumber=PO-4711")
    answer.get_by_role("button", name="Run: answer and continue").click()

    expect(page.locator("#path")).to_have_text("Path: request → approval → prepare-order → order → delivery")
    expect(page.locator("line.transition.visited[data-key='approved']")).to_have_count(1)
    expect(page.locator("#changed")).to_contain_text("PO-4711")
    _shot(page, "testmode-path-and-effects")

    save = page.get_by_role("form", name="Save as scenario")
    save.locator("[name='name']").fill("approved and ordered")
    save.get_by_label("DynamicField_PurchaseOrderNumber = PO-4711").check()
    save.get_by_role("button", name="Save scenario").click()
    expect(page.get_by_role("status").first).to_contain_text("Saved scenario 'approved and ordered'")

    page.get_by_role("button", name="Run all against the draft").click()
    expect(page.locator("#suite-summary")).to_have_text("1 passed, 0 failed.")
    expect(page.locator("#scenarios")).to_contain_text("approved and ordered")
    _shot(page, "testmode-suite")

    uow = live_server.application.uow
    [saved] = list_scenarios(uow, "purchase-request")
    assert saved.expected.values == {"DynamicField_PurchaseOrderNumber": "PO-4711"}
    with uow() as reading:
        assert reading.tickets.count(TicketQuery()) == 0  # the demo creates no tickets; neither did the test
        assert list(reading.jobs.list_jobs()) == []
