"""A ticket through a process from the command line: start, show, dialogs, submit, history."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_support import Run, error_lines


@pytest.fixture
def started(deployed: Run) -> Run:
    """``run`` with ticket 1 started in the approval process (it moves on to 'review' at once)."""
    result = deployed(
        "ticket",
        "create",
        "--process",
        "cli-approval",
        "--field",
        "Title=Need a chair",
        "--field",
        "Item=chair",
    )
    assert "created (id 1)" in result.stdout
    assert "process cli-approval v1: at 'review', active" in result.stdout
    return deployed


def test_show_has_position_dialogs_and_the_reasons_of_the_last_steps(started: Run) -> None:
    out = started("ticket", "show", "1").stdout
    assert "CLI approval (cli-approval, version 1)" in out
    assert "Review (review)" in out
    assert "Dialogs for agent:root@localhost" in out
    assert "decide  Decide" in out
    assert "    3. Moved from 'request' to 'review' by transition 'asked'." in out
    view = json.loads(started("ticket", "show", "1", "--json").stdout)
    assert view["process"]["activity"] == "review"
    assert any("did not match" in line for line in view["recent_steps"][-1]["trace"])


def test_dialog_submit_moves_the_ticket_and_prints_the_steps(started: Run) -> None:
    assert "DynamicField_Decision (mandatory)" in started("dialog", "list", "1").stdout
    out = started("dialog", "submit", "1", "decide", "--field", "DynamicField_Decision=approved").stdout
    assert "now at 'done' (completed)" in out
    assert "Reached end activity 'done': the process is completed." in out
    shown = json.loads(started("ticket", "show", "1", "--json").stdout)
    assert shown["attributes"]["State"] == "closed successful"
    assert "ProcessCompleted" in started("ticket", "history", "1").stdout
    listed = started("ticket", "list", "--process", "cli-approval", "--activity", "done", "--json").stdout
    assert [t["id"] for t in json.loads(listed)["tickets"]] == [1]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--field", "DynamicField_Decision=maybe"], "error: DynamicField_Decision: "),
        (
            ["--field", "DynamicField_Decision=approved", "--field", "Queue=Misc"],
            "error: Queue: is not a field",
        ),
        (["--field", "DynamicField_Decision"], "error: --field: 'DynamicField_Decision' is not NAME=VALUE"),
    ],
)
def test_bad_dialog_input_names_the_field(started: Run, args: list[str], expected: str) -> None:
    [line] = error_lines(started("dialog", "submit", "1", "decide", *args, ok=False))
    assert line.startswith(expected)


def test_several_bad_fields_are_listed_one_per_line(deployed: Run) -> None:
    lines = error_lines(deployed("ticket", "create", "--process", "cli-approval", ok=False))
    assert lines[0] == "error: 2 fields refused"
    assert lines[1:] == ["  Title: is mandatory", "  DynamicField_Item: is mandatory"]


def test_an_option_the_start_dialog_overrules_is_refused_and_no_ticket_is_made(deployed: Run) -> None:
    result = deployed(
        "ticket", "create", "--process", "cli-approval", "--queue", "Misc",
        "--field", "Title=Need a chair", "--field", "Item=chair", ok=False,
    )  # fmt: skip
    [line] = error_lines(result)
    assert line == "error: Queue: process 'cli-approval' sets it to 'Raw' (the default); leave it out"
    assert deployed("ticket", "list").stdout.startswith("Tickets (0 of 0)")


def test_a_dialog_of_another_activity_is_refused(started: Run) -> None:
    [line] = error_lines(started("dialog", "submit", "1", "ask", "--field", "Title=x", ok=False))
    assert "dialog 'ask' does not belong to the ticket's current activity" in line


def test_process_start_enrols_an_existing_ticket(deployed: Run) -> None:
    deployed("ticket", "create", "--title", "Plain", "--field", "Item=lamp")
    assert (
        "started in process cli-approval at 'review'"
        in deployed("process", "start", "cli-approval", "--ticket", "1").stdout
    )
    [line] = error_lines(deployed("process", "start", "cli-approval", "--ticket", "1", ok=False))
    assert "already in process 'cli-approval'" in line


def test_a_customer_cannot_start_an_agent_process(deployed: Run) -> None:
    deployed("customer-user", "create", "alice", "--email", "alice@example.com")
    [line] = error_lines(
        deployed("ticket", "create", "--process", "cli-approval", "--as", "customer:alice", ok=False)
    )
    assert line == "error: process 'cli-approval' cannot be started by a customer"


OTOBO_EXAMPLE = Path("/work/shared/otobo-examples/Office_Materials_Procurement.yml")


@pytest.mark.skipif(not OTOBO_EXAMPLE.exists(), reason="the OTOBO examples are not on this machine")
def test_an_otobo_export_imports_deploys_and_exports_back(run: Run) -> None:
    run("dynamic-field", "create", "PreProcMaterialsProcurementItems", "--type", "TextArea")
    run("dynamic-field", "create", "PreProcMaterialsProcurementstate", "--type", "Text")
    imported = run("process", "import", str(OTOBO_EXAMPLE)).stdout
    assert "(Office Materials Procurement) imported as draft revision 1" in imported
    key = json.loads(run("process", "list", "--json").stdout)[0]["key"]
    assert "deployed as version 1" in run("process", "deploy", key).stdout
    assert "Process:" in run("process", "export", key, "--version", "1", "--format", "otobo").stdout
