"""The process import checklist and the version diff in a real browser, driven by keyboard where a
person would type: a file needing two dynamic fields and a queue is checked, one field's proposed
type changed, all created with the import; two versions compared on one diagram, then rolled back.
Screenshots go to TICKETFLOW_SCREENSHOTS (a temporary directory otherwise)."""

from __future__ import annotations

import json
import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from e2e_support import LiveServer, administrator_page
from playwright.sync_api import Browser, Page, expect

from ticketflow.domain.catalog import DynamicFieldType
from ticketflow.usecases import admin, processes
from ticketflow.usecases.catalog_records import DynamicField, Queue

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(os.environ.get("TICKETFLOW_SCREENSHOTS") or tempfile.mkdtemp(prefix="ticketflow-shots-"))
ESCALATION: dict[str, Any] = {
    "format": "ticketflow.process/1",
    "key": "escalation",
    "name": "Escalation",
    "start_activity": "triage",
    "activities": [
        {
            "key": "triage",
            "name": "Triage",
            "type": "user_task",
            "dialogs": [{"key": "rate", "name": "Rate", "fields": [{"name": "DynamicField_Urgency"}]}],
        },
        {"key": "escalate", "name": "Escalate", "type": "end"},
        {"key": "close", "name": "Close", "type": "end"},
    ],
    "transitions": [
        {
            "key": "high",
            "name": "High",
            "source": "triage",
            "target": "escalate",
            "condition": "DynamicField_Urgency = 'high' and DynamicField_Customer = 'x'",
            "actions": [
                {
                    "key": "q",
                    "name": "To escalations",
                    "module": "TicketQueueSet",
                    "config": {"Queue": "Escalations"},
                }
            ],
        },
        {
            "key": "low",
            "name": "Low",
            "source": "triage",
            "target": "close",
            "condition": "DynamicField_Urgency = 'low'",
        },
    ],
    "layout": {
        "triage": {"x": 100, "y": 100},
        "escalate": {"x": 350, "y": 40},
        "close": {"x": 350, "y": 180},
    },
}


def _administrator(server: LiveServer, browser: Browser) -> Page:
    return administrator_page(server, browser, width=1300, height=900, by_keyboard=True)


def test_import_checklist_creates_the_missing_fields_and_queue_with_the_import(
    live_server: LiveServer, browser: Browser, tmp_path: Path
) -> None:
    page = _administrator(live_server, browser)
    document = tmp_path / "escalation.json"
    document.write_text(json.dumps(ESCALATION))
    page.goto("/agent/admin/processes")
    page.get_by_label("Process file").set_input_files(str(document))
    page.get_by_role("button", name="Check the file").focus()
    page.keyboard.press("Enter")

    checklist = page.locator("#checklist")
    expect(checklist.locator("li.missing")).to_have_count(3)
    expect(checklist).to_contain_text("dynamic field Urgency")
    expect(checklist).to_contain_text("queue Escalations")
    expect(page.get_by_label("Type").first).to_have_value("Dropdown")
    expect(page.get_by_label("Possible values").first).to_have_value("high=high\nlow=low")
    page.screenshot(path=str(SCREENSHOTS / "process-import-checklist.png"), full_page=True)

    customer_type = page.locator("#field-1-type")
    customer_type.focus()
    customer_type.select_option("TextArea")
    page.get_by_label("Label", exact=True).nth(1).fill("Customer name")
    page.get_by_role("button", name="Create the ticked fields and queues and import").click()

    expect(page.locator(".notice")).to_contain_text("created Urgency, Customer, Escalations")
    fields = {f.name: f for f in admin.list_records(live_server.application.uow, DynamicField)}
    assert fields["Urgency"].type is DynamicFieldType.DROPDOWN
    assert (fields["Customer"].type, fields["Customer"].label) == (
        DynamicFieldType.TEXT_AREA,
        "Customer name",
    )
    assert "Escalations" in {q.name for q in admin.list_records(live_server.application.uow, Queue)}
    assert processes.load_process(live_server.application.uow, "escalation").name == "Escalation"


def test_two_versions_compared_on_one_diagram_then_rolled_back(
    live_server: LiveServer, browser: Browser
) -> None:
    page = _administrator(live_server, browser)
    uow, runtime = live_server.application.uow, live_server.application.runtime
    document = processes.export_process(uow, "purchase-request", 1, processes.ProcessFormat.NATIVE)[0]
    document["activities"] = [a for a in document["activities"] if a["key"] != "manual-order"]
    document["transitions"] = [
        t for t in document["transitions"] if "manual-order" not in (t["source"], t["target"])
    ]
    document["activities"][1]["name"] = "Approval by the manager"
    document["activities"].append({"key": "archive", "name": "Archive", "type": "end"})
    document["layout"]["archive"] = {
        "x": document["layout"]["end"]["x"],
        "y": document["layout"]["end"]["y"] + 140,
    }
    document["transitions"].append(
        {
            "key": "to-archive",
            "name": "Archive",
            "source": "delivery",
            "target": "archive",
            "condition": "Title = 'old'",
        }
    )
    processes.save_draft(uow, document, saved_by="ada", expected_revision=None)
    now = datetime.now(UTC)
    processes.deploy_process(
        uow, runtime, "purchase-request", deployed_by="ada", now=now, note="no manual orders"
    )

    page.goto("/agent/admin/processes/purchase-request")
    expect(page.locator("#version-2")).to_contain_text("no manual orders")
    page.get_by_label("Version A (before)").select_option("1")
    page.get_by_label("Version B (after)").select_option("2")
    page.get_by_role("button", name="Compare").first.click()

    expect(page.locator("g.activity.removed[data-key='manual-order']")).to_have_count(1)
    expect(page.locator("g.activity.added[data-key='archive']")).to_have_count(1)
    expect(page.locator("g.activity.changed[data-key='approval']")).to_have_count(1)
    expect(page.locator("line.transition.added[data-key='to-archive']")).to_have_count(1)
    expect(page.locator(".changes")).not_to_have_count(0)
    page.screenshot(path=str(SCREENSHOTS / "process-version-diff.png"), full_page=True)

    page.goto("/agent/admin/processes/purchase-request")
    page.get_by_role("link", name="Roll back to version 1…").click()
    rollback = page.get_by_role("button", name="Roll back to version 1")
    rollback.focus()
    page.keyboard.press("Enter")

    expect(page.locator(".notice")).to_contain_text("Rolled back to version 1 as version 3")
    expect(page.locator("#version-3")).to_contain_text("rollback to version 1")
    assert processes.load_process(uow, "purchase-request", 3) == processes.load_process(
        uow, "purchase-request", 1
    )
    page.screenshot(path=str(SCREENSHOTS / "process-versions-after-rollback.png"), full_page=True)
