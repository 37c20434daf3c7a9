"""The demo purchase process built from an empty canvas with the mouse in headless Chromium: activities
dropped from the palette and named on the canvas, connected by dragging the context pad's connect
handle, every property filled in the side panel's forms by typing and clicking (dialogs and their
fields, the script and the web-service call, conditions checked while typed, transition actions),
saved by autosave, refused by Save & Deploy while incomplete (problems marked on the elements) and
deployed once clean. Then a ticket runs through the drawn process, Test Mode steps a sample request
through it with the path lit, and monitoring counts the ticket. Screenshots for the README."""

from __future__ import annotations

import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from e2e_support import LiveServer, administrator_page
from modeler_canvas_support import (
    MODELER,
    add_action,
    add_dialog,
    add_parameters,
    apply_panel,
    click_empty,
    connect,
    create,
    open_panel,
    shape,
    type_into,
)
from playwright.sync_api import Browser, Page, expect

from ticketflow.domain.definitions import ActivityType, Interface
from ticketflow.domain.formats.native_json import process_from_dict
from ticketflow.usecases import access, dialog_access, principals, processes
from ticketflow.usecases.callers import Caller
from ticketflow.usecases.tickets import TicketInput
from ticketflow.web.ui.modeler import bundle_built

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(os.environ.get("TICKETFLOW_SCREENSHOTS") or tempfile.mkdtemp(prefix="ticketflow-shots-"))
KEY = "purchase-drawn"
REQUEST = {
    "Title": "Monitors",
    "DynamicField_PurchaseItems": "2 x 27-inch monitor",
    "DynamicField_PurchaseCategory": "hardware",
    "DynamicField_PurchaseAmount": "598.00",
    "DynamicField_PurchaseJustification": "The designers share one screen.",
}
SAVED = "All changes saved"


@pytest.fixture
def browser(browser: Browser) -> Browser:
    """The modeler needs its bundle (built by make setup) besides Chromium."""
    if not bundle_built():
        pytest.skip("the modeler bundle is not built: run 'make setup' (npm ci + npm run build in frontend/)")
    return browser


def _status(page: Page) -> None:
    expect(page.locator("#modeler-status")).to_have_text(SAVED, timeout=10_000)


def _draw(page: Page) -> dict[str, str]:
    """The purchase process's shapes and arrows; returns name → element id."""
    start = page.evaluate(
        f"{MODELER}.get('elementRegistry').filter((e) => e.type === 'bpmn:StartEvent')[0].id"
    )
    ids = {"start": start}
    row = 200
    for key, kind, x, y, name in (
        ("request", "user-task", 260, row, "Request"),
        ("approval", "user-task", 460, row, "Manager approval"),
        ("prepare", "script-task", 660, row, "Prepare order"),
        ("order", "service-task", 860, row, "Order in the ERP"),
        ("delivery", "user-task", 1060, row, "Delivery"),
        ("manual", "user-task", 860, 380, "Order by hand"),
    ):
        ids[key] = create(page, kind, x, y, name)
    ids["end"] = create(page, "end-event", 1240, 60)
    for source, target in (
        ("start", "request"),
        ("request", "approval"),
        ("approval", "prepare"),
        ("prepare", "order"),
        ("order", "delivery"),
        ("order", "manual"),
        ("manual", "delivery"),
        ("delivery", "end"),
        ("approval", "end"),
    ):
        ids[f"{source}>{target}"] = connect(page, ids[source], ids[target])
    return ids


def _fill_activities(page: Page, ids: dict[str, str]) -> None:
    open_panel(page, ids["request"])
    add_dialog(
        page,
        "Request a purchase",
        "both",
        "Send to my manager",
        [
            ("Title", "mandatory", ""),
            ("DynamicField_PurchaseItems", "mandatory", ""),
            ("DynamicField_PurchaseCategory", "mandatory", ""),
            ("DynamicField_PurchaseAmount", "mandatory", ""),
            ("DynamicField_PurchaseJustification", "mandatory", ""),
            ("Queue", "hidden", "Purchasing"),
            ("DynamicField_PurchaseStep", "hidden", "requested"),
        ],
    )
    page.screenshot(path=str(SCREENSHOTS / "modeler-dialog-panel.png"), full_page=True)
    open_panel(page, ids["approval"])
    add_dialog(
        page,
        "Approve or reject",
        "agent",
        "Record decision",
        [("DynamicField_PurchaseApproval", "mandatory", ""), ("Article", "optional", "")],
    )
    open_panel(page, ids["prepare"])
    page.locator("#panel-script").select_option("compute_date")  # the form redraws with its parameters
    expect(page.locator("#panel .panel-declared")).to_contain_text("BusinessHours")
    add_parameters(page, {"Field": "DynamicField_PurchaseOrderDue", "Offset": "+3d"})
    apply_panel(page)
    open_panel(page, ids["order"])
    page.locator("#panel-web_service").select_option("ERP")
    expect(page.locator("#panel-invoker option[value='CreateOrder']")).to_be_attached()
    page.locator("#panel-invoker").select_option("CreateOrder")
    type_into(page, "#panel-timeout", "20")
    type_into(page, "#panel-error_code", "ERP_FAILED")
    add_parameters(
        page,
        {
            "Reference": "<OTOBO_TICKET_TicketNumber>",
            "Items": "<OTOBO_TICKET_DynamicField_PurchaseItems>",
            "Amount": "<OTOBO_TICKET_DynamicField_PurchaseAmount>",
        },
    )
    apply_panel(page)
    open_panel(page, ids["manual"])
    add_dialog(
        page,
        "Record manual order",
        "agent",
        "Order placed",
        [
            ("DynamicField_PurchaseOrderNumber", "mandatory", ""),
            ("DynamicField_PurchaseStep", "hidden", "ordered"),
        ],
    )
    open_panel(page, ids["delivery"])
    add_dialog(
        page,
        "Confirm delivery",
        "agent",
        "Confirm delivery",
        [("DynamicField_PurchaseDelivered", "mandatory", "")],
    )
    open_panel(page, ids["end"])
    type_into(page, "#panel-name", "Done")
    apply_panel(page)


def _transition(page: Page, flow: str, name: str, condition: str = "", error_code: str = "") -> None:
    open_panel(page, flow)
    type_into(page, "#panel-name", name)
    if condition:
        type_into(page, "#panel-condition", condition)
        expect(page.locator("#panel-condition-check [data-condition='ok']")).to_be_visible()
    if error_code:
        type_into(page, "#panel-error_code", error_code)


def _fill_transitions(page: Page, ids: dict[str, str]) -> None:
    # The condition is checked while it is typed: half a condition shows its error inline.
    open_panel(page, ids["request>approval"])
    type_into(page, "#panel-condition", "DynamicField_PurchaseStep =")
    expect(page.locator("#panel-condition-check .field-error")).to_be_visible()
    expect(page.locator("#panel-condition")).to_have_attribute("aria-invalid", "true")
    page.screenshot(path=str(SCREENSHOTS / "modeler-condition-error.png"), full_page=True)
    # A field from the list of usable ones is inserted where the cursor is.
    type_into(page, "#panel-condition", "")
    page.locator("#panel details.condition-fields summary").click()
    page.locator("#panel button[data-insert='DynamicField_PurchaseStep']").click()
    page.keyboard.type(" = 'requested'")
    expect(page.locator("#panel-condition")).to_have_value("DynamicField_PurchaseStep = 'requested'")
    expect(page.locator("#panel-condition-check [data-condition='ok']")).to_be_visible()
    type_into(page, "#panel-name", "Request submitted")
    add_action(page, "TicketQueueSet", {"Queue": "Management"})
    add_action(page, "TicketOwnerSet", {"Owner": "manager"})
    page.screenshot(path=str(SCREENSHOTS / "modeler-transition-panel.png"), full_page=True)
    apply_panel(page)
    # The canvas shows the name the panel saved (a flow's label is its own element).
    expect(page.locator(f"{shape(ids['request>approval'] + '_label')}")).to_contain_text("Request submitted")

    _transition(page, ids["approval>prepare"], "Approved", "DynamicField_PurchaseApproval = 'approved'")
    add_action(page, "TicketQueueSet", {"Queue": "Purchasing"})
    add_action(page, "TicketLockSet", {"Lock": "unlock"})
    apply_panel(page)
    _transition(page, ids["approval>end"], "Rejected", "DynamicField_PurchaseApproval = 'rejected'")
    add_action(page, "TicketStateSet", {"State": "closed unsuccessful"})
    apply_panel(page)
    _transition(page, ids["order>manual"], "ERP failed", error_code="ERP_FAILED")
    add_action(page, "TicketPrioritySet", {"Priority": "4 high"})
    apply_panel(page)
    _transition(page, ids["manual>delivery"], "Ordered by hand", "DynamicField_PurchaseStep = 'ordered'")
    apply_panel(page)
    _transition(page, ids["delivery>end"], "Delivered", "DynamicField_PurchaseDelivered = '1'")
    add_action(page, "TicketStateSet", {"State": "closed successful"})
    apply_panel(page)
    for flow, name in (("prepare>order", "Order prepared"), ("order>delivery", "Ordered")):
        _transition(page, ids[flow], name)
        apply_panel(page)


def test_build_the_purchase_process_with_the_mouse_deploy_test_and_monitor_it(
    live_server: LiveServer, browser: Browser
) -> None:
    errors: list[str] = []
    page = administrator_page(live_server, browser, width=1800, height=1000)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto("/agent/admin/modeler")
    page.wait_for_selector("body[data-ready='1']")
    # Only what the engine runs is on the palette.
    actions = page.locator(".djs-palette .entry").evaluate_all(
        "(entries) => entries.map((e) => e.dataset.action)"
    )
    assert sorted(actions) == sorted(
        [
            "create.start-event",
            "create.end-event",
            "create.user-task",
            "create.script-task",
            "create.service-task",
            "create.call-activity",
            "global-connect-tool",
        ]
    )
    type_into(page, "#new-key", KEY)
    type_into(page, "#new-name", "Purchase request (drawn)")
    # The layout below spans 1300 diagram units from the origin: make it fit the canvas.
    page.evaluate(
        """() => { const canvas = window.ticketflowModeler.modeler.get('canvas');
                   const box = canvas.getContainer().getBoundingClientRect();
                   const scale = Math.min(1, box.width / 1300);
                   canvas.viewbox({ x: 0, y: 0, width: box.width / scale, height: box.height / scale }); }"""
    )
    ids = _draw(page)
    _status(page)
    expect(page).to_have_url(f"{live_server.base_url}/agent/admin/modeler/{KEY}")
    page.screenshot(path=str(SCREENSHOTS / "modeler-drawn.png"), full_page=True)

    # Save & Deploy refuses the half-built process and marks the elements that are not ready.
    page.get_by_role("button", name="Save & Deploy").click()
    expect(page.locator("#modeler-problems")).to_contain_text("a user task needs at least one dialog")
    expect(page.locator(f"{shape(ids['request'])}.tf-problem")).to_be_attached()
    expect(page.locator(f"{shape(ids['prepare'])}.tf-problem")).to_be_attached()
    page.screenshot(path=str(SCREENSHOTS / "modeler-problems.png"), full_page=True)
    # A listed problem leads to its element and its form.
    problem = page.locator(f"#modeler-problems li[data-element='{ids['prepare']}']")
    problem.get_by_role("button", name="Show").click()
    expect(page.locator(f"#panel-form[action$='/panel/{ids['prepare']}']")).to_be_visible()

    _fill_activities(page, ids)
    _fill_transitions(page, ids)
    click_empty(page)
    page.get_by_role("button", name="Save & Deploy").click()
    expect(page.locator("#modeler-status")).to_have_text("Deployed as version 1", timeout=10_000)
    expect(page.locator(".tf-problem")).to_have_count(0)
    page.screenshot(path=str(SCREENSHOTS / "modeler-deployed.png"), full_page=True)
    assert errors == []

    _check_deployed(live_server, ids)
    _run_a_ticket(live_server, ids)
    _test_mode_lights_the_path(page, ids)
    _monitoring_counts_the_ticket(page, ids)


def _test_mode_lights_the_path(page: Page, ids: dict[str, str]) -> None:
    """Test Mode on the drawn process: a sample request stepped to the manager, the path lit."""
    page.goto(f"/agent/admin/processes/{KEY}/test")
    start = page.locator("form[action$='/test/start']").first
    start.locator("[name='Title']").fill("Sample request")
    start.locator("[name='CustomerUserID']").select_option("alice")
    start.get_by_role("button", name="Start the test").click()
    request = page.get_by_role("form", name="Dialog Request a purchase")
    for name, value in REQUEST.items():
        field = request.locator(f"[name='{name}']")
        if name == "DynamicField_PurchaseCategory":
            field.select_option(value)
        else:
            field.fill(value)
    request.get_by_role("button", name="Step: submit 'Request a purchase'").click()
    expect(page.locator(f"g.activity.current[data-key='{ids['approval']}']")).to_be_visible()
    expect(page.locator(f"g.activity.visited[data-key='{ids['request']}']")).to_be_visible()
    expect(page.locator("#steps")).to_contain_text("would set Queue to 'Management'")


def _monitoring_counts_the_ticket(page: Page, ids: dict[str, str]) -> None:
    """Monitoring of the drawn process counts the ticket that waits for the ERP."""
    page.goto(f"/agent/monitoring/{KEY}")
    expect(page.locator(f'g.activity[data-key="{ids["order"]}"] .badge.info text')).to_have_text("1")
    expect(page.locator(f'g.activity[data-key="{ids["approval"]}"] .badge.info')).to_have_count(0)


def _check_deployed(server: LiveServer, ids: dict[str, str]) -> None:
    with server.application.uow() as uow:
        stored = uow.processes.get_version(KEY, 1)
    drawn = process_from_dict(stored.document)
    demo = processes.load_process(server.application.uow, "purchase-request")
    assert drawn.start_activity == ids["request"]
    kinds = sorted(a.type.value for a in drawn.activities)
    assert kinds == sorted(a.type.value for a in demo.activities)
    by_id = {a.key: a for a in drawn.activities}
    request = by_id[ids["request"]]
    assert [f.name for f in request.dialogs[0].fields] == [
        "Title",
        "DynamicField_PurchaseItems",
        "DynamicField_PurchaseCategory",
        "DynamicField_PurchaseAmount",
        "DynamicField_PurchaseJustification",
        "Queue",
        "DynamicField_PurchaseStep",
    ]
    assert request.dialogs[0].fields[5].default == "Purchasing"
    order = by_id[ids["order"]]
    assert order.type is ActivityType.SERVICE_TASK
    assert order.service is not None
    assert (order.service.web_service, order.service.invoker, order.error_code) == (
        "ERP",
        "CreateOrder",
        "ERP_FAILED",
    )
    assert by_id[ids["prepare"]].script is not None
    transitions = {t.key: t for t in drawn.transitions}
    submitted = transitions[ids["request>approval"]]
    assert submitted.name == "Request submitted"
    assert [a.module for a in submitted.actions] == ["TicketQueueSet", "TicketOwnerSet"]
    assert transitions[ids["order>manual"]].error_code == "ERP_FAILED"
    assert len(drawn.transitions) == len(demo.transitions)
    assert by_id[ids["end"]].name == "Done"


def _run_a_ticket(server: LiveServer, ids: dict[str, str]) -> None:
    """A purchase request through the drawn process: the buyer starts it, the manager approves, the
    script sets the order date and the ticket waits for the ERP at the service task."""
    application = server.application
    buyer = principals.load_principal(application.uow, Caller("buyer", Interface.AGENT))
    created = access.create_ticket(
        application.uow,
        application.runtime,
        buyer,
        TicketInput(),
        now=datetime.now(UTC),
        process_key=KEY,
        start_values=dict(REQUEST),
    )
    assert created.process is not None
    assert created.process.activity_key == ids["approval"]
    assert created.queue == "Management"  # the first transition's action ran
    manager = principals.load_principal(application.uow, Caller("manager", Interface.AGENT))
    decided = dialog_access.submit_dialog(
        application.uow,
        application.runtime,
        manager,
        created.id,
        "dialog-1",
        {"DynamicField_PurchaseApproval": "approved"},
        now=datetime.now(UTC),
    )
    assert decided.process is not None
    assert decided.process.activity_key == ids["order"]
    assert decided.queue == "Purchasing"
    assert decided.dynamic_fields.get("PurchaseOrderDue")  # set by the drawn script task
