"""``ticketflow process test``: the path, the checks and the would-be effects, and nothing written."""

from __future__ import annotations

import json
from pathlib import Path

from cli_support import APPROVAL, Run


def _scenario(tmp_path: Path, decision: str) -> Path:
    path = tmp_path / "ticket.json"
    path.write_text(
        json.dumps(
            {
                "ticket": {"Title": "A chair", "DynamicField_Item": "chair"},
                "submissions": [{"dialog": "decide", "fields": {"DynamicField_Decision": decision}}],
            }
        )
    )
    return path


def test_a_deployed_process_runs_to_its_end_and_nothing_is_written(deployed: Run, tmp_path: Path) -> None:
    result = deployed("process", "test", "cli-approval", "--ticket", str(_scenario(tmp_path, "approved")))
    assert "path: request → review → done" in result.stdout
    assert "would set State to 'closed successful'" in result.stdout
    assert "final: done (completed)" in result.stdout
    assert json.loads(deployed("ticket", "list", "--json").stdout) in ([], {"tickets": [], "total": 0})


def test_json_report_lists_path_checks_and_effects(deployed: Run, tmp_path: Path) -> None:
    result = deployed(
        "process", "test", "cli-approval", "--ticket", str(_scenario(tmp_path, "rejected")), "--json"
    )
    report = json.loads(result.stdout)
    assert report["path"] == ["request", "review", "rejected"]
    assert report["final"]["status"] == "completed"
    kinds = {entry["kind"] for step in report["steps"] for entry in step["trace"]}
    assert {"transition_checked", "moved"} <= kinds


def test_a_file_can_be_tested_without_deploying_it(fields: Run, tmp_path: Path) -> None:
    result = fields("process", "test", str(APPROVAL), "--ticket", str(_scenario(tmp_path, "approved")))
    assert "final: done (completed)" in result.stdout


def test_a_dialog_not_offered_is_a_one_line_error(deployed: Run, tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"submissions": [{"dialog": "nope", "fields": {}}]}))
    result = deployed("process", "test", "cli-approval", "--ticket", str(path), ok=False)
    assert "dialog 'nope' is not offered" in result.output
    assert "Traceback" not in result.output


def test_a_ticket_file_that_is_not_an_object_is_named_as_the_test_ticket(
    deployed: Run, tmp_path: Path
) -> None:
    path = tmp_path / "list.json"
    path.write_text("[1, 2]")
    result = deployed("process", "test", "cli-approval", "--ticket", str(path), ok=False)
    assert (
        f"{path}: is not a test ticket (expected a JSON object or YAML mapping at the top)" in result.output
    )
    assert "Traceback" not in result.output


def _demo_purchase(tmp_path: Path) -> Path:
    path = tmp_path / "purchase.json"
    ticket = {
        "Title": "New laptop",
        "DynamicField_PurchaseItems": "Laptop",
        "DynamicField_PurchaseCategory": "hardware",
        "DynamicField_PurchaseAmount": "1200",
        "DynamicField_PurchaseJustification": "the old one broke",
        "DynamicField_PurchaseStep": "requested",
    }
    decide = {"dialog": "decide", "fields": {"DynamicField_PurchaseApproval": "approved"}}
    path.write_text(json.dumps({"ticket": ticket, "submissions": [decide]}))
    return path


def test_e_mails_and_service_requests_are_printed_as_they_would_go_out(run: Run, tmp_path: Path) -> None:
    run("demo", "load")
    printed = run("process", "test", "purchase-request", "--ticket", str(_demo_purchase(tmp_path))).stdout
    # The manager's mail, its template filled from the ticket (a ticket given as data is number TEST).
    assert "would send an e-mail to owner: template 'Approval needed'" in printed
    assert "Subject: Please decide on New laptop" in printed
    assert "Ticket TEST waits for your decision." in printed
    # The ERP order as the worker would send it; Test Mode never makes it.
    assert "POST http://127.0.0.1:8089/erp/orders" in printed
    assert '"Reference": "TEST"' in printed
    assert '"Items": "Laptop"' in printed


def test_json_report_holds_the_rendered_e_mails_and_requests(run: Run, tmp_path: Path) -> None:
    run("demo", "load")
    report = json.loads(
        run("process", "test", "purchase-request", "--ticket", str(_demo_purchase(tmp_path)), "--json").stdout
    )
    by_kind = {entry["kind"]: entry for entry in report["outbound"]}
    mail, request = by_kind["email"], by_kind["web_service_request"]
    assert mail["subject"] == "Please decide on New laptop"
    assert report["steps"][mail["step"]]["effects"][mail["effect"]].startswith("send an e-mail")
    assert (request["method"], request["url"]) == ("POST", "http://127.0.0.1:8089/erp/orders")
    assert request["body"]["Reference"] == "TEST"
    assert report["steps"][request["step"]]["effects"][request["effect"]].startswith("call web service ERP")
