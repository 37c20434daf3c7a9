"""Process work with ``--as``: changing definitions and scenarios needs an administrator (rw on group
'admin'), reading scenarios an agent — as on the web; a refusal is one line and deploys nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_support import APPROVAL, Run, error_lines

KEY = "cli-approval"
NOT_ADMIN = "error: agent:reader is not an administrator (rw on group 'admin')"


@pytest.fixture
def staff(deployed: Run, tmp_path: Path) -> Run:
    """``deployed`` with a changed draft to deploy, an agent 'reader' (ro on users) and a customer."""
    deployed("role", "create", "Reader", "--grant", "users:ro")
    deployed("agent", "create", "reader", "--email", "reader@example.com", "--role", "Reader")
    deployed("customer-user", "create", "alice", "--email", "alice@example.com")
    document = json.loads(APPROVAL.read_text())
    document["activities"][1]["name"] = "Careful review"
    changed = tmp_path / "changed.json"
    changed.write_text(json.dumps(document))
    deployed("process", "import", str(changed))
    return deployed


def _versions(run: Run) -> str:
    return str(run("process", "versions", KEY).stdout)


@pytest.mark.parametrize(
    "command",
    [
        ["process", "deploy", KEY],
        ["process", "state", KEY, "FadeAway"],
        ["process", "rollback", KEY, "--to", "1"],
        ["process", "import", str(APPROVAL)],
    ],
)
def test_changing_a_process_needs_an_administrator(staff: Run, command: list[str]) -> None:
    before = _versions(staff), staff("process", "show", KEY).stdout

    lines = error_lines(staff(*command, "--as", "agent:reader", ok=False))

    assert lines == [NOT_ADMIN]
    assert (_versions(staff), staff("process", "show", KEY).stdout) == before


def test_scenarios_are_read_by_agents_and_changed_by_administrators(staff: Run, tmp_path: Path) -> None:
    suite = tmp_path / "scenarios.json"
    suite.write_text(json.dumps({"format": "ticketflow.scenarios/1", "process": KEY, "scenarios": []}))

    assert error_lines(
        staff("process", "scenarios", KEY, "--import", str(suite), "--as", "agent:reader", ok=False)
    ) == [NOT_ADMIN]
    assert error_lines(staff("process", "scenarios", KEY, "--as", "customer:alice", ok=False)) == [
        "error: only agents may do this"
    ]
    assert (
        f"Test scenarios of {KEY}: none" in staff("process", "scenarios", KEY, "--as", "agent:reader").stdout
    )


def test_an_administrator_named_with_as_deploys_under_their_name(staff: Run) -> None:
    out = staff("process", "deploy", KEY, "--as", "agent:root@localhost").stdout

    assert "deployed as version 2" in out
    assert "root@localhost" in _versions(staff)
