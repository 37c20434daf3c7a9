"""Catalog commands: create then list each kind; duplicates and bad input give one error line."""

from __future__ import annotations

import pytest
from cli_support import Run, error_lines

CREATE_AND_LIST = [
    (["queue", "create", "Sales", "--comment", "leads"], "queue", "Sales"),
    (["state", "create", "waiting", "--type", "pending reminder"], "state", "waiting"),
    (["priority", "create", "6 urgent"], "priority", "6 urgent"),
    (["type", "create", "Incident"], "type", "Incident"),
    (["group", "create", "sales"], "group", "sales"),
    (
        ["dynamic-field", "create", "Note", "--type", "TextArea", "--label", "A note"],
        "dynamic-field",
        "A note",
    ),
    (
        ["agent", "create", "jdoe", "--email", "jane@example.com", "--first", "Jane"],
        "agent",
        "jane@example.com",
    ),
    (["customer-company", "create", "ACME", "--name", "Acme Inc."], "customer-company", "Acme Inc."),
    (["customer-user", "create", "alice", "--email", "alice@acme.test"], "customer-user", "alice@acme.test"),
    (["role", "create", "readers", "--grant", "users:ro,note"], "role", "users:note,ro"),
]


@pytest.mark.parametrize(("create", "kind", "shown"), CREATE_AND_LIST)
def test_create_then_list(run: Run, create: list[str], kind: str, shown: str) -> None:
    assert "created" in run(*create).stdout
    assert shown in run(kind, "list").stdout


@pytest.mark.parametrize(("create", "kind", "shown"), CREATE_AND_LIST)
def test_a_duplicate_is_one_line_naming_the_key(run: Run, create: list[str], kind: str, shown: str) -> None:
    run(*create)
    result = run(*create, ok=False)
    [line] = error_lines(result)
    assert line.startswith(("error: name: ", "error: login: ", "error: customer_id: "))
    assert "already exists" in line


def test_dynamic_field_with_possible_values(run: Run) -> None:
    run(
        "dynamic-field",
        "create",
        "Status",
        "--type",
        "Dropdown",
        "--value",
        "ok=Approved",
        "--value",
        "no=Rejected",
    )
    assert "ok=Approved, no=Rejected" in run("dynamic-field", "list").stdout


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            ["dynamic-field", "create", "Status", "--type", "Dropdown"],
            "error: --value: a Dropdown field needs at least one possible value",
        ),
        (
            ["dynamic-field", "create", "Note", "--type", "Text", "--value", "a=b"],
            "error: --value: a Text field",
        ),
        (
            ["dynamic-field", "create", "Status", "--type", "Dropdown", "--value", "ok"],
            "error: --value: 'ok'",
        ),
        (["dynamic-field", "create", "Bad_Name", "--type", "Text"], "error: name: 'Bad_Name'"),
        (["state", "create", "odd", "--type", "halfway"], "error: type: 'halfway' is not a state type"),
        (["queue", "create", "Sales", "--group", "nobody"], "error: group: group 'nobody' does not exist"),
        (["agent", "create", "max", "--email", "max@x.test", "--role", "boss"], "error: roles: role 'boss'"),
        (["role", "create", "odd", "--grant", "users"], "error: --grant: 'users' is not GROUP:PERM"),
        (["role", "create", "odd", "--grant", "users:fly"], "error: permissions: 'fly' is not a permission"),
    ],
)
def test_bad_input_is_one_line_naming_the_field(run: Run, args: list[str], expected: str) -> None:
    [line] = error_lines(run(*args, ok=False))
    assert line.startswith(expected)
