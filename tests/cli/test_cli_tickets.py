"""Ticket commands without a process: create, show, update, list, history; bad input."""

from __future__ import annotations

import json

import pytest
from cli_support import Run, error_lines


@pytest.fixture
def ticket(run: Run) -> str:
    """A ticket in queue Sales with a Text dynamic field set; returns its id."""
    run("queue", "create", "Sales")
    run("dynamic-field", "create", "Item", "--type", "Text")
    result = run(
        "ticket", "create", "--title", "Need a [red] chair", "--queue", "Sales", "--field", "Item=chair",
        "--article-subject", "Hello", "--article-body", "Please",
    )  # fmt: skip
    assert "created (id 1)" in result.stdout
    return "1"


def test_show_prints_attributes_and_dynamic_fields(run: Run, ticket: str) -> None:
    out = run("ticket", "show", ticket).stdout
    assert "Need a [red] chair" in out  # user text is not Rich markup
    assert "Sales" in out
    assert "Item" in out
    assert "chair" in out
    assert "Process: none" in out
    assert "#1" in out
    assert "Hello" in out  # the first article's subject


def test_show_accepts_the_ticket_number_and_prints_json(run: Run, ticket: str) -> None:
    number = json.loads(run("ticket", "show", ticket, "--json").stdout)["number"]
    shown = json.loads(run("ticket", "show", number, "--json").stdout)
    assert shown["id"] == 1
    assert shown["dynamic_fields"] == {"Item": "chair"}
    assert shown["process"] is None


def test_update_writes_attributes_and_fields_with_history(run: Run, ticket: str) -> None:
    # --field as in ticket create, and --set, the option's first name, together
    result = run("ticket", "update", ticket, "--field", "Queue=Misc", "--set", "DynamicField_Item=desk")
    assert "updated" in result.stdout
    shown = json.loads(run("ticket", "show", ticket, "--json").stdout)
    assert shown["attributes"]["Queue"] == "Misc"
    assert shown["dynamic_fields"]["Item"] == "desk"
    history = run("ticket", "history", ticket).stdout
    assert "NewTicket" in history
    assert "Move" in history


def test_list_filters_by_queue(run: Run, ticket: str) -> None:
    run("ticket", "create", "--title", "Other")
    assert "Need a [red] chair" in run("ticket", "list", "--queue", "Sales").stdout
    listed = json.loads(run("ticket", "list", "--queue", "Raw", "--json").stdout)
    assert [t["title"] for t in listed["tickets"]] == ["Other"]
    assert listed["total"] == 1


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["ticket", "create", "--title", "x", "--queue", "Nope"], "error: Queue: 'Nope' does not exist"),
        (["ticket", "create", "--title", "x", "--field", "Item"], "error: --field: 'Item' is not NAME=VALUE"),
        (
            ["ticket", "create", "--title", "x", "--field", "Ghost=1"],
            "error: DynamicField_Ghost: is not a dynamic",
        ),
        (["ticket", "create", "--queue", "Raw"], "error: --title: is required"),
        (["ticket", "show", "99"], "error: ticket: no ticket with id or number '99'"),
        (["ticket", "update", "1", "--field", "State"], "error: --field: 'State' is not NAME=VALUE"),
        (["ticket", "update", "1"], "error: --field: give at least one NAME=VALUE to change"),
        (["ticket", "show", "1", "--as", "robot:x"], "error: as: 'robot' is not agent or customer"),
        # A misspelt filter would otherwise read as "no tickets".
        (["ticket", "list", "--queue", "Sales", "--queue", "Slaes"], "error: queue: 'Slaes' does not exist"),
        (["ticket", "list", "--state", "opne"], "error: state: 'opne' does not exist"),
        (["ticket", "list", "--owner", "nobody"], "error: owner: 'nobody' does not exist"),
        (["ticket", "list", "--process", "nope"], "error: process: process 'nope' does not exist"),
    ],
)
def test_bad_input_is_one_line(run: Run, ticket: str, args: list[str], expected: str) -> None:
    [line] = error_lines(run(*args, ok=False))
    assert line.startswith(expected)


def test_a_customer_sees_only_their_own_tickets(run: Run, ticket: str) -> None:
    run("customer-user", "create", "alice", "--email", "alice@example.com")
    [line] = error_lines(run("ticket", "show", ticket, "--as", "customer:alice", ok=False))
    # As on the web: someone else's ticket answers as a missing one (ids do not tell what exists).
    assert line == f"error: ticket {ticket} does not exist"
