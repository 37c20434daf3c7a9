"""Saved scenarios from the command line: imported, listed, exported, run as a suite for CI (exit
status 1 when any fails), and rerun by ``process deploy`` (refused, or forced with a note)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from cli_support import APPROVAL, Run, error_lines


def _scenario(name: str, decision: str, expected: str) -> dict[str, Any]:
    return {
        "name": name,
        "ticket": {"Title": "A chair", "DynamicField_Item": "chair"},
        "submissions": [{"dialog": "decide", "fields": {"DynamicField_Decision": decision}}],
        "expect": {"activity": expected},
    }


def _export(tmp_path: Path, *scenarios: dict[str, Any]) -> str:
    path = tmp_path / "scenarios.json"
    document = {"format": "ticketflow.scenarios/1", "process": "cli-approval", "scenarios": list(scenarios)}
    path.write_text(json.dumps(document))
    return str(path)


def _with_suite(run: Run, tmp_path: Path) -> Run:
    suite = _export(
        tmp_path, _scenario("approve", "approved", "done"), _scenario("refuse", "rejected", "rejected")
    )
    assert "2 scenario(s) saved" in run("process", "scenarios", "cli-approval", "--import", suite).stdout
    return run


def test_imported_scenarios_are_listed_and_exported_unchanged(deployed: Run, tmp_path: Path) -> None:
    run = _with_suite(deployed, tmp_path)

    listing = run("process", "scenarios", "cli-approval").stdout
    exported = json.loads(run("process", "scenarios", "cli-approval", "--json").stdout)

    assert "approve" in listing
    assert "refuse" in listing
    assert exported["format"] == "ticketflow.scenarios/1"
    assert [(s["name"], s["expect"]["activity"]) for s in exported["scenarios"]] == [
        ("approve", "done"),
        ("refuse", "rejected"),
    ]
    assert exported["scenarios"][0]["submissions"][0]["fields"] == {"DynamicField_Decision": "approved"}


def test_a_bad_import_names_the_entry_and_saves_none(deployed: Run, tmp_path: Path) -> None:
    broken = _scenario("broken", "approved", "done") | {"expect": {}}
    path = _export(tmp_path, _scenario("fine", "approved", "done"), broken)

    result = deployed("process", "scenarios", "cli-approval", "--import", path, ok=False)

    assert error_lines(result) == [
        "error: scenarios[1].expect.activity: names the activity the run must end in"
    ]
    assert json.loads(deployed("process", "scenarios", "cli-approval", "--json").stdout)["scenarios"] == []


def test_the_suite_passes_with_exit_status_0(deployed: Run, tmp_path: Path) -> None:
    run = _with_suite(deployed, tmp_path)

    result = run("process", "test", "cli-approval", "--scenarios")

    assert "2 passed, 0 failed" in result.stdout


def test_a_failing_scenario_fails_the_run_and_says_what_differed(deployed: Run, tmp_path: Path) -> None:
    path = _export(tmp_path, _scenario("wrong", "approved", "rejected"))
    deployed("process", "scenarios", "cli-approval", "--import", path)

    text = deployed("process", "test", "cli-approval", "--scenarios", ok=False).stdout
    report = json.loads(deployed("process", "test", "cli-approval", "--scenarios", "--json", ok=False).stdout)

    assert "FAIL" in text
    assert "0 passed, 1 failed" in text
    assert (report["passed"], report["failed"]) == (0, 1)
    [wrong] = report["scenarios"]
    assert wrong["differences"] == [
        "ended at 'done' (completed: the process is completed), expected 'rejected'"
    ]
    assert wrong["final"]["ticket"]["State"] == "closed successful"


def test_deploy_reruns_the_suite_and_refuses_without_force(deployed: Run, tmp_path: Path) -> None:
    run = _with_suite(deployed, tmp_path)
    changed = json.loads(APPROVAL.read_text())
    for transition in changed["transitions"]:
        if transition["key"] == "approved":
            transition["condition"] = "DynamicField_Decision = 'rejected'"
    path = tmp_path / "changed.json"
    path.write_text(json.dumps(changed))
    run("process", "import", str(path))

    refused = run("process", "deploy", "cli-approval", ok=False)
    forced = run("process", "deploy", "cli-approval", "--force", "--note", "on purpose")
    versions = run("process", "versions", "cli-approval").stdout

    assert error_lines(refused) == [
        "error: process 'cli-approval' cannot be deployed: test scenario(s) approve, refuse fail "
        "(deploy with force to deploy anyway)",
        "  scenario:approve: ended at 'review' (active: no more dialog submissions in the scenario), "
        "expected 'done'",
        "  scenario:refuse: ended at 'done' (completed: the process is completed), expected 'rejected'",
    ]
    assert "deployed as version 2" in forced.stdout
    assert "deployed despite failing test scenarios: approve, refuse" in versions


def test_scenarios_need_a_process_key_not_a_file(fields: Run) -> None:
    result = fields("process", "test", str(APPROVAL), "--scenarios", ok=False)

    assert error_lines(result) == [
        "error: --scenarios: needs a process key: scenarios are saved with a process"
    ]


def test_an_unknown_process_is_named(deployed: Run) -> None:
    result = deployed("process", "scenarios", "nope", ok=False)

    assert error_lines(result) == ["error: process 'nope' does not exist"]
