"""``ticket list --process KEY --process-version N``: the tickets pinned to one version of a process."""

from __future__ import annotations

import json
from pathlib import Path

from cli_support import APPROVAL, Run, error_lines

KEY = "cli-approval"


def _start(run: Run, title: str) -> None:
    run("ticket", "create", "--process", KEY, "--field", f"Title={title}", "--field", "Item=chair")


def _titles(run: Run, *options: str) -> list[str]:
    listed = json.loads(run("ticket", "list", "--json", *options).stdout)
    assert listed["total"] == len(listed["tickets"])
    return sorted(t["title"] for t in listed["tickets"])


def test_ticket_list_filters_by_the_version_tickets_are_pinned_to(deployed: Run, tmp_path: Path) -> None:
    _start(deployed, "first")
    document = json.loads(APPROVAL.read_text())
    document["activities"][1]["name"] = "Careful review"
    changed = tmp_path / "changed.json"
    changed.write_text(json.dumps(document))
    deployed("process", "import", str(changed))
    deployed("process", "deploy", KEY)
    _start(deployed, "second")
    deployed("ticket", "create", "--title", "plain")

    assert _titles(deployed, "--process", KEY) == ["first", "second"]
    assert _titles(deployed, "--process", KEY, "--process-version", "1") == ["first"]
    assert _titles(deployed, "--process", KEY, "--process-version", "2") == ["second"]
    assert _titles(deployed, "--process", KEY, "--process-version", "3") == []


def test_a_version_without_its_process_is_refused(deployed: Run) -> None:
    assert error_lines(deployed("ticket", "list", "--process-version", "1", ok=False)) == [
        "error: --process-version: needs --process (versions are numbered per process)"
    ]
