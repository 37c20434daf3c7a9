"""``process rollback KEY --to K`` reruns the saved test scenarios as ``process deploy`` does: refused,
naming the failing scenario and deploying nothing, unless ``--force``, whose version note says so."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_support import APPROVAL, Run, error_lines

from ticketflow.bootstrap import build_application
from ticketflow.config import Settings
from ticketflow.usecases.processes import list_versions

KEY = "cli-approval"


@pytest.fixture
def two_versions(deployed: Run, tmp_path: Path) -> Run:
    """Version 2 swaps the end activities (a refusal ends in 'done'); a saved scenario expects that,
    so it passes on version 2 and fails on version 1."""
    document = json.loads(APPROVAL.read_text())
    targets = {"refused": "done", "approved": "rejected"}
    for transition in document["transitions"]:
        transition["target"] = targets.get(transition["key"], transition["target"])
    changed = tmp_path / "swapped.json"
    changed.write_text(json.dumps(document))
    deployed("process", "import", str(changed))
    deployed("process", "deploy", KEY)
    scenario = {
        "name": "refusal closes",
        "ticket": {"Title": "A chair", "DynamicField_Item": "chair"},
        "submissions": [{"dialog": "decide", "fields": {"DynamicField_Decision": "rejected"}}],
        "expect": {"activity": "done"},
    }
    suite = tmp_path / "scenarios.json"
    suite.write_text(
        json.dumps({"format": "ticketflow.scenarios/1", "process": KEY, "scenarios": [scenario]})
    )
    deployed("process", "scenarios", KEY, "--import", str(suite))
    return deployed


def _notes(tmp_path: Path) -> list[tuple[int, str]]:
    # The ``run`` fixture's database file (tests/cli/conftest.py).
    application = build_application(Settings(database_url=f"sqlite:///{tmp_path / 'ticketflow.db'}"))
    try:
        return [(v.version, v.note) for v in list_versions(application.uow, KEY)]
    finally:
        application.close()


def test_rollback_is_refused_while_a_scenario_fails_on_the_earlier_version(
    two_versions: Run, tmp_path: Path
) -> None:
    lines = error_lines(two_versions("process", "rollback", KEY, "--to", "1", ok=False))

    assert lines[0] == (
        f"error: process '{KEY}' cannot be rolled back to version 1: test scenario(s) refusal closes "
        "fail (roll back with force to do it anyway)"
    )
    assert any("scenario:refusal closes" in line for line in lines[1:])
    assert [version for version, _ in _notes(tmp_path)] == [1, 2]


def test_a_forced_rollback_deploys_and_its_note_names_the_failing_scenario(
    two_versions: Run, tmp_path: Path
) -> None:
    out = two_versions("process", "rollback", KEY, "--to", "1", "--force").stdout

    assert "rolled back to version 1 as version 3" in out
    assert _notes(tmp_path)[-1] == (
        3,
        "rollback to version 1 (deployed despite failing test scenarios: refusal closes)",
    )
