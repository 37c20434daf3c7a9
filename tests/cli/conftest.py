"""CLI fixtures: each test gets a fresh, migrated SQLite file and a ``run`` helper bound to it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from cli_support import APPROVAL, Run, run_cli
from typer.testing import Result


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """A database file that does not exist yet."""
    return f"sqlite:///{tmp_path / 'ticketflow.db'}"


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # Migrating takes a good part of a second; copying the migrated file takes nothing.
    path = tmp_path_factory.mktemp("template") / "ticketflow.db"
    assert run_cli(f"sqlite:///{path}", "db", "migrate").exit_code == 0
    return path


@pytest.fixture
def run(migrated_template: Path, tmp_path: Path) -> Run:
    """Run the CLI against a fresh migrated database; ``ok=False`` expects a failure (exit status 1)."""
    path = tmp_path / "ticketflow.db"
    shutil.copyfile(migrated_template, path)
    url = f"sqlite:///{path}"

    def invoke(*args: str, ok: bool = True) -> Result:
        result = run_cli(url, *args)
        assert result.exit_code == (0 if ok else 1), result.output
        return result

    return invoke


@pytest.fixture
def fields(run: Run) -> Run:
    """``run`` with the dynamic fields the approval process (tests/data/processes/cli_approval.json) uses."""
    run("dynamic-field", "create", "Item", "--type", "Text")
    run(
        "dynamic-field",
        "create",
        "Decision",
        "--type",
        "Dropdown",
        "--value",
        "approved=Yes",
        "--value",
        "rejected=No",
    )
    return run


@pytest.fixture
def deployed(fields: Run) -> Run:
    """``run`` with the approval process imported and deployed as version 1."""
    assert "imported as draft revision 1" in fields("process", "import", str(APPROVAL)).stdout
    assert "deployed as version 1" in fields("process", "deploy", "cli-approval").stdout
    return fields
