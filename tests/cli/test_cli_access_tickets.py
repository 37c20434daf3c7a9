"""``--as agent:LOGIN|customer:LOGIN`` goes through the web's permission model (usecases.principals,
access and dialog_access): what the web refuses a user, the CLI refuses too — one line, exit status 1,
and the ticket unchanged.
Without ``--as`` the CLI is the local administrator (root), unchecked."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_support import APPROVAL, Run, error_lines

# Queue Sales belongs to group sales; 'reader' holds ro there, 'worker' rw, 'outsider' nothing.
# Misc stays in group users, where only root (role Admin) may move tickets into.


@pytest.fixture
def desk(deployed: Run) -> Run:
    """``deployed`` with the agents above, customer users alice and bob, and ticket 1 of alice's in
    Sales, waiting at 'review' for the dialog 'decide'."""
    deployed("group", "create", "sales")
    deployed("queue", "create", "Sales", "--group", "sales")
    deployed("role", "create", "Reader", "--grant", "sales:ro")
    deployed("role", "create", "Worker", "--grant", "sales:rw")
    for login, roles in (
        ("reader", ["--role", "Reader"]),
        ("worker", ["--role", "Worker"]),
        ("outsider", []),
    ):
        deployed("agent", "create", login, "--email", f"{login}@example.com", *roles)
    for login in ("alice", "bob"):
        deployed("customer-user", "create", login, "--email", f"{login}@example.com")
    deployed(
        "ticket", "create", "--process", "cli-approval", "--customer-user", "alice",
        "--field", "Title=A chair", "--field", "Item=chair",
    )  # fmt: skip
    deployed("ticket", "update", "1", "--set", "Queue=Sales")
    return deployed


def _state(run: Run) -> tuple[dict[str, object], str]:
    """Ticket 1 as root sees it: its JSON view and its whole history."""
    return json.loads(run("ticket", "show", "1", "--json").stdout), run("ticket", "history", "1").stdout


def _refused(run: Run, *args: str) -> str:
    """Run a command expected to be refused; its one error line, after checking nothing changed."""
    before = _state(run)
    lines = error_lines(run(*args, ok=False))
    assert _state(run) == before
    assert len(lines) == 1, lines
    return lines[0]


def test_dialog_submit_needs_the_dialogs_permission(desk: Run) -> None:
    line = _refused(
        desk, "dialog", "submit", "1", "decide", "--field", "Decision=approved", "--as", "agent:reader"
    )

    assert line == "error: the dialog 'Decide' needs the 'rw' permission on the ticket"
    moved = desk("dialog", "submit", "1", "decide", "--field", "Decision=approved", "--as", "agent:worker")
    assert "now at 'done'" in moved.stdout


def test_dialog_submit_on_an_invisible_ticket_answers_as_if_it_did_not_exist(desk: Run) -> None:
    line = _refused(
        desk, "dialog", "submit", "1", "decide", "--field", "Decision=approved", "--as", "agent:outsider"
    )

    assert line == "error: ticket 1 does not exist"


def test_ticket_update_needs_rw_and_move_into_the_target_queue(desk: Run) -> None:
    number = json.loads(desk("ticket", "show", "1", "--json").stdout)["number"]

    no_rw = _refused(desk, "ticket", "update", "1", "--set", "Title=Renamed", "--as", "agent:reader")
    no_move_into = _refused(desk, "ticket", "update", "1", "--set", "Queue=Misc", "--as", "agent:worker")
    customer = _refused(desk, "ticket", "update", "1", "--set", "Title=Renamed", "--as", "customer:alice")

    assert no_rw == f"error: agent:reader lacks rw permission on ticket {number}"
    assert no_move_into == "error: agent:worker may not move tickets into queue 'Misc'"
    assert customer == "error: customers may only add articles to their tickets"
    assert "updated" in desk("ticket", "update", "1", "--set", "Title=Renamed", "--as", "agent:worker").stdout


def test_ticket_show_answers_only_those_who_may_see_the_ticket(desk: Run) -> None:
    for who in ("agent:outsider", "customer:bob"):
        assert _refused(desk, "ticket", "show", "1", "--as", who) == "error: ticket 1 does not exist"

    as_reader = json.loads(desk("ticket", "show", "1", "--json", "--as", "agent:reader").stdout)
    as_worker = json.loads(desk("ticket", "show", "1", "--json", "--as", "agent:worker").stdout)
    as_alice = json.loads(desk("ticket", "show", "1", "--json", "--as", "customer:alice").stdout)
    assert as_reader["dialogs"] == []  # 'decide' needs rw
    assert [d["key"] for d in as_worker["dialogs"]] == ["decide"]
    assert as_alice["recent_steps"] == []  # the history is for agents, as on the web
    assert as_reader["recent_steps"]


def test_ticket_history_is_for_agents_who_may_see_the_ticket(desk: Run) -> None:
    assert (
        _refused(desk, "ticket", "history", "1", "--as", "customer:alice") == "error: only agents may do this"
    )
    assert (
        _refused(desk, "ticket", "history", "1", "--as", "agent:outsider") == "error: ticket 1 does not exist"
    )
    assert "NewTicket" in desk("ticket", "history", "1", "--as", "agent:reader").stdout


def test_ticket_list_shows_only_the_tickets_the_caller_may_see(desk: Run) -> None:
    desk("ticket", "create", "--title", "In Raw")

    def titles(*who: str) -> list[str]:
        listed = json.loads(desk("ticket", "list", "--json", *who).stdout)
        return [t["title"] for t in listed["tickets"]]

    assert titles() == ["In Raw", "A chair"]  # root
    assert titles("--as", "agent:reader") == ["A chair"]
    assert titles("--as", "agent:outsider") == []
    assert titles("--as", "customer:alice") == ["A chair"]
    assert titles("--as", "customer:bob") == []


def test_process_start_needs_rw_on_the_ticket(desk: Run) -> None:
    desk("ticket", "create", "--title", "Plain", "--queue", "Sales")

    line = _refused_on(desk, "2", "process", "start", "cli-approval", "--ticket", "2", "--as", "agent:reader")

    assert line.startswith("error: agent:reader lacks the 'rw' permission on ticket ")
    assert (
        "started in process"
        in desk("process", "start", "cli-approval", "--ticket", "2", "--as", "agent:worker").stdout
    )


def _refused_on(run: Run, ticket: str, *args: str) -> str:
    before = run("ticket", "show", ticket, "--json").stdout
    [line] = error_lines(run(*args, ok=False))
    assert run("ticket", "show", ticket, "--json").stdout == before
    return line


def test_an_unknown_caller_is_refused_before_anything_runs(desk: Run) -> None:
    assert (
        _refused(desk, "ticket", "show", "1", "--as", "agent:ghost")
        == "error: agent 'ghost' is unknown or invalid"
    )
    assert (
        _refused(
            desk, "dialog", "submit", "1", "decide", "--field", "Decision=approved", "--as", "customer:ghost"
        )
        == "error: customer user 'ghost' is unknown or invalid"
    )


def test_a_customer_submits_a_customer_dialog_on_their_own_ticket_only(desk: Run, tmp_path: Path) -> None:
    document = json.loads(APPROVAL.read_text())
    document["activities"][1]["dialogs"][0]["interface"] = "both"
    both = tmp_path / "both.json"
    both.write_text(json.dumps(document))
    desk("process", "import", str(both))
    desk("process", "deploy", "cli-approval")
    desk(
        "ticket", "create", "--process", "cli-approval", "--customer-user", "alice",
        "--field", "Title=A desk", "--field", "Item=desk",
    )  # fmt: skip
    submit = ("dialog", "submit", "2", "decide", "--field", "Decision=rejected")

    refused = _refused_on(desk, "2", *submit, "--as", "customer:bob")
    out = desk(*submit, "--as", "customer:alice").stdout

    assert refused == "error: ticket 2 does not exist"
    assert "now at 'rejected'" in out
    assert "Steps" not in out  # the history is for agents
