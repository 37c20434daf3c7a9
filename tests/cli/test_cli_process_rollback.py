"""``process rollback KEY --to K``: an earlier version deployed again as the next one; refusals name
the version and change nothing."""

from __future__ import annotations

import json
from pathlib import Path

from cli_support import APPROVAL, Run, error_lines


def _second_version(deployed: Run, tmp_path: Path) -> None:
    document = json.loads(APPROVAL.read_text())
    document["activities"][1]["name"] = "Careful review"
    changed = tmp_path / "changed.json"
    changed.write_text(json.dumps(document))
    deployed("process", "import", str(changed))
    deployed("process", "deploy", "cli-approval")


def test_rollback_deploys_the_earlier_version_as_the_next(deployed: Run, tmp_path: Path) -> None:
    _second_version(deployed, tmp_path)

    # --as names an administrator (the seeded root); without it the CLI acts as root unchecked.
    out = deployed("process", "rollback", "cli-approval", "--to", "1", "--as", "agent:root@localhost").stdout

    assert "rolled back to version 1 as version 3" in out
    versions = deployed("process", "versions", "cli-approval").stdout
    assert "rollback to version 1" in versions
    assert "first version" in versions
    assert versions.count("activities: 1 changed") == 2  # version 2, and version 3 changing it back
    assert "activity:review changed: name" in deployed("process", "diff", "cli-approval", "2", "3").stdout
    assert "do not differ" in deployed("process", "diff", "cli-approval", "1", "3").stdout


def test_rollback_to_an_unknown_or_the_latest_version_is_refused(deployed: Run, tmp_path: Path) -> None:
    _second_version(deployed, tmp_path)

    unknown = error_lines(deployed("process", "rollback", "cli-approval", "--to", "5", ok=False))
    latest = error_lines(deployed("process", "rollback", "cli-approval", "--to", "2", ok=False))

    assert any("no version 5" in line for line in unknown)
    assert any("version 2 is the latest version" in line for line in latest)
    assert "rollback" not in deployed("process", "versions", "cli-approval").stdout
