"""Process commands: validate, import, deploy, list, show, versions, diff, export; file errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from cli_support import APPROVAL, PROCESSES, Run, error_lines


def test_validate_lists_every_problem_and_fails(run: Run) -> None:
    result = run("process", "validate", str(PROCESSES / "cli_broken.json"), ok=False)
    lines = error_lines(result)
    assert lines[0].endswith("4 error(s), 0 warning(s)")
    assert "  error: process.start_activity: start activity 'nowhere' does not exist" in lines
    assert "  error: transition:lost.target: target activity 'ghost' does not exist" in lines
    assert any("NoSuchQueue" in line for line in lines)


def test_validate_a_good_file_against_the_catalog(fields: Run) -> None:
    assert "0 error(s), 0 warning(s): ready to deploy" in fields("process", "validate", str(APPROVAL)).stdout


def test_import_refuses_missing_references_listing_them(run: Run) -> None:
    lines = error_lines(run("process", "import", str(APPROVAL), ok=False))
    assert lines[0].startswith("error: process 'CLI approval' cannot be imported")
    assert len(lines) >= 3  # one line per missing dynamic field
    assert any("Decision" in line for line in lines[1:])


def test_deployed_process_is_listed_shown_and_versioned(deployed: Run) -> None:
    [listed] = json.loads(deployed("process", "list", "--json").stdout)
    assert (listed["key"], listed["latest_version"]) == ("cli-approval", 1)
    shown = deployed("process", "show", "cli-approval", "--version", "1").stdout
    assert "DynamicField_Decision = 'approved'" in shown
    assert "close: TicketStateSet" in shown
    assert "user_task" in shown
    assert "the draft equals version 1" in deployed("process", "deploy", "cli-approval").stdout
    assert "Versions of cli-approval" in deployed("process", "versions", "cli-approval").stdout


def test_diff_names_changed_elements(deployed: Run, tmp_path: Path) -> None:
    document = json.loads(APPROVAL.read_text())
    document["activities"][1]["name"] = "Careful review"
    changed = tmp_path / "changed.json"
    changed.write_text(json.dumps(document))
    deployed("process", "import", str(changed))
    assert "version 2" in deployed("process", "deploy", "cli-approval").stdout
    assert "activity:review changed: name" in deployed("process", "diff", "cli-approval", "1", "2").stdout


def test_export_as_json_and_as_otobo_yaml(deployed: Run, tmp_path: Path) -> None:
    native = json.loads(deployed("process", "export", "cli-approval", "--version", "1").stdout)
    assert native["key"] == "cli-approval"
    target = tmp_path / "out.yml"
    deployed("process", "export", "cli-approval", "--format", "otobo", "--output", str(target))
    assert "Process" in yaml.safe_load(target.read_text())


@pytest.mark.parametrize(
    ("content", "name", "expected"),
    [
        (None, "missing.json", "missing.json: no such file"),
        ('{"format": \n  oops}', "bad.json", "bad.json:2:3: invalid JSON"),
        # A bracket left open: the parser stops where the text ends and names where the list began.
        ("Process:\n  - [unclosed", "bad.yml", "while parsing a flow sequence at 2:5"),
        ("Process: a: b\n", "worse.yml", "worse.yml:1:11: invalid YAML"),
        ("[1, 2]", "list.json", "is not a process document"),
        ('{"name": "x"}', "odd.json", "error: document: neither a ticketflow process"),
    ],
)
def test_unreadable_files_are_one_line_with_the_place(
    run: Run, tmp_path: Path, content: str | None, name: str, expected: str
) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_text(content)
    for command in ("import", "validate"):
        [line] = error_lines(run("process", command, str(path), ok=False))
        assert expected in line


def test_a_schema_violation_lists_each_problem(run: Run, tmp_path: Path) -> None:
    path = tmp_path / "shapeless.json"
    path.write_text(json.dumps({"format": "ticketflow.process/1", "key": "k", "activities": "none"}))
    lines = error_lines(run("process", "validate", str(path), ok=False))
    assert lines[0] == "error: the process document does not match ticketflow.process/1"
    assert len(lines) >= 3
    assert all(line.startswith("  ") for line in lines[1:])


def test_unknown_process_is_one_line(run: Run) -> None:
    assert error_lines(run("process", "show", "ghost", ok=False)) == ["error: process 'ghost' does not exist"]
