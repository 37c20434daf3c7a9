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
