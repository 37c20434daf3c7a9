"""The modeler in a real browser: the demo purchase process opens on the bpmn-js canvas with its
activities, one is renamed through the server-rendered side panel, saved, and still renamed after a
reload. Needs Chromium and the built bundle (`make setup`); skipped with the reason otherwise."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from e2e_support import LiveServer, administrator_page
from modeler_canvas_support import MODELER, click_empty, create, select
from playwright.sync_api import Browser, Page, expect

from ticketflow.usecases import modeler, processes
from ticketflow.web.ui.modeler import bundle_built

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(os.environ.get("TICKETFLOW_SCREENSHOTS") or tempfile.mkdtemp(prefix="ticketflow-shots-"))


@pytest.fixture
def browser(browser: Browser) -> Browser:
    """The modeler needs its bundle (built by make setup) besides Chromium."""
    if not bundle_built():
        pytest.skip("the modeler bundle is not built: run 'make setup' (npm ci + npm run build in frontend/)")
    return browser


def _administrator(server: LiveServer, browser: Browser) -> Page:
    return administrator_page(server, browser, width=1400, height=900)


def _open(page: Page) -> None:
    page.goto("/agent/admin/modeler/purchase-request")
    page.wait_for_selector("body[data-ready='1']", timeout=10_000)


def _shape(page: Page, element_id: str) -> str:
    return f".djs-element[data-element-id='{element_id}']"


def test_rename_an_activity_in_the_side_panel_and_see_it_after_reload(
    live_server: LiveServer, browser: Browser
) -> None:
    errors: list[str] = []
    page = _administrator(live_server, browser)
    page.on("pageerror", lambda error: errors.append(str(error)))
    _open(page)
    for key in ("request", "approval", "prepare-order", "order", "manual-order", "delivery", "end"):
        expect(page.locator(_shape(page, key))).to_be_visible()
    expect(page.locator(".bjs-powered-by")).to_be_visible()  # the bpmn.io watermark stays (licence)
    expect(page.locator(".djs-palette .entry[data-action='create.script-task']")).to_be_visible()
    expect(page.locator(".djs-palette .entry[data-action='create.exclusive-gateway']")).to_have_count(0)

    page.locator(_shape(page, "approval")).click()
    name = page.locator("#panel-name")
    expect(name).to_have_value("Manager approval")
    name.fill("Approval by the line manager")
    page.get_by_role("button", name="Apply").click()
    expect(page.locator("#panel .notice")).to_have_text("Saved.")
    label = page.locator(f"{_shape(page, 'approval')} text")
    expect(label).to_contain_text("line manager")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator("#modeler-status")).to_have_text("All changes saved")
    page.screenshot(path=str(SCREENSHOTS / "modeler-purchase.png"), full_page=True)

    page.reload()
    page.wait_for_selector("body[data-ready='1']", timeout=10_000)
    expect(page.locator(f"{_shape(page, 'approval')} text")).to_contain_text("line manager")
    draft = processes.load_process(live_server.application.uow, "purchase-request")
    approval = draft.find_activity("approval")
    assert approval is not None
    assert approval.name == "Approval by the line manager"
    assert approval.dialogs  # the dialogs survived the canvas round trip
    assert errors == []


def _fit_from_origin(page: Page) -> None:
    page.evaluate(
        """() => { const canvas = window.ticketflowModeler.modeler.get('canvas');
                   const box = canvas.getContainer().getBoundingClientRect();
                   const scale = Math.min(1, box.width / 1250);
                   canvas.viewbox({ x: 0, y: 0, width: box.width / scale, height: box.height / scale }); }"""
    )


def _exists(page: Page, element_id: str) -> bool:
    found: bool = page.evaluate(f"(id) => !!{MODELER}.get('elementRegistry').get(id)", element_id)
    return found


def test_keyboard_shortcuts_undo_redo_and_autosave_survive_a_reload(
    live_server: LiveServer, browser: Browser
) -> None:
    page = administrator_page(live_server, browser, width=1700, height=1000)
    _open(page)
    _fit_from_origin(page)
    extra = create(page, "script-task", 480, 480, "Extra step")
    expect(page.locator("#modeler-status")).to_have_text("All changes saved", timeout=10_000)
    # Delete from the keyboard, then undo and redo it.
    select(page, extra)
    page.keyboard.press("Delete")
    assert not _exists(page, extra)
    click_empty(page, 60, 600)
    page.keyboard.press("Control+z")
    assert _exists(page, extra)
    page.keyboard.press("Control+y")
    assert not _exists(page, extra)
    page.keyboard.press("Control+z")
    assert _exists(page, extra)
    expect(page.locator("#modeler-status")).to_have_text("All changes saved", timeout=10_000)
    page.reload()
    page.wait_for_selector("body[data-ready='1']", timeout=10_000)
    expect(page.locator(f"{_shape(page, extra)} text")).to_contain_text("Extra step")
    draft = processes.load_process(live_server.application.uow, "purchase-request")
    added = draft.find_activity(extra)
    assert added is not None
    assert added.name == "Extra step"


def test_a_save_after_another_admin_saved_is_a_conflict_with_a_reload(
    live_server: LiveServer, browser: Browser
) -> None:
    page = administrator_page(live_server, browser, width=1700, height=1000)
    _open(page)
    # Another administrator renames an activity meanwhile.
    uow = live_server.application.uow
    theirs = modeler.open_diagram(uow, "purchase-request")
    renamed = theirs.xml.replace('name="Delivery"', 'name="Goods received"')
    modeler.save_diagram(uow, "purchase-request", renamed, expected_revision=theirs.revision, saved_by="bob")
    _fit_from_origin(page)
    create(page, "user-task", 480, 480, "Mine")
    expect(page.locator("#modeler-status")).to_contain_text("saved by someone else meanwhile", timeout=10_000)
    reload = page.get_by_role("button", name="Reload the saved draft")
    page.screenshot(path=str(SCREENSHOTS / "modeler-conflict.png"), full_page=True)
    reload.click()
    expect(page.locator(f"{_shape(page, 'delivery')} text")).to_contain_text("Goods received")
    expect(page.locator("#modeler-status")).to_have_text("All changes saved")
    draft = processes.load_process(uow, "purchase-request")
    assert draft.find_activity("delivery").name == "Goods received"  # type: ignore[union-attr]
    assert all(a.name != "Mine" for a in draft.activities)
