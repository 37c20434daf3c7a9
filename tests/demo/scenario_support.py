"""Test Mode scenarios of the demo purchase request, shared by the scenario, CLI and page tests."""

from __future__ import annotations

from typing import Any

from ticketflow.bootstrap import Application
from ticketflow.domain.formats.native_json import process_from_dict, process_to_dict
from ticketflow.usecases.processes import load_process, save_draft

REQUEST_FORM = {
    "Title": "Two monitors",
    "DynamicField_PurchaseItems": "2 x 27-inch monitor",
    "DynamicField_PurchaseCategory": "hardware",
    "DynamicField_PurchaseAmount": "598.00",
    "DynamicField_PurchaseJustification": "The designers share one screen.",
    "DynamicField_PurchaseNeededBy": "2025-03-31",
    "Subject": "Monitors",
    "Body": "Please order two monitors.",
}


def approved_scenario(expected: str = "delivery") -> dict[str, Any]:
    """Alice asks, Maria approves, the ERP answers with an order number: the ticket waits for delivery."""
    return {
        "ticket": {"CustomerUserID": "alice"},
        "submissions": [
            {"dialog": "request-form", "as": "customer", "fields": REQUEST_FORM},
            {
                "dialog": "decide",
                "fields": {"DynamicField_PurchaseApproval": "approved", "Subject": "ok", "Body": "ok"},
            },
        ],
        "service_results": {"order": {"values": {"DynamicField_PurchaseOrderNumber": "PO-4711"}}},
        "expect": {
            "activity": expected,
            "values": {"Queue": "Post office", "DynamicField_PurchaseOrderNumber": "PO-4711"},
        },
    }


def rejected_scenario() -> dict[str, Any]:
    return {
        "ticket": {"CustomerUserID": "alice"},
        "submissions": [
            {"dialog": "request-form", "as": "customer", "fields": REQUEST_FORM},
            {
                "dialog": "decide",
                "fields": {"DynamicField_PurchaseApproval": "rejected", "Subject": "no", "Body": "no"},
            },
        ],
        "expect": {"activity": "end", "values": {"State": "closed unsuccessful"}},
    }


def break_approval_in_draft(app: Application) -> None:
    """Save a draft whose 'approved' transition only takes software: approving hardware stalls."""
    document = process_to_dict(load_process(app.uow, "purchase-request"))
    for transition in document["transitions"]:
        if transition["key"] == "approved":
            transition["condition"] = "DynamicField_PurchaseCategory = 'software'"
    save_draft(
        app.uow, process_to_dict(process_from_dict(document)), saved_by="admin", expected_revision=None
    )
