"""Helpers for the CLI tests (a module of its own: test directories here are not packages)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from typer.testing import CliRunner, Result

from ticketflow.cli import app

Run = Callable[..., Result]
PROCESSES = Path(__file__).parent.parent / "data" / "processes"
APPROVAL = PROCESSES / "cli_approval.json"


def run_cli(database_url: str | None, *args: str) -> Result:
    """``ticketflow [--database-url URL] ARGS…``, asserting that no traceback is ever printed."""
    options = ["--database-url", database_url] if database_url else []
    result = CliRunner().invoke(app, [*options, *args])
    assert "Traceback" not in result.output
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


def error_lines(result: Result) -> list[str]:
    """The non-empty lines the command wrote to stderr."""
    return [line for line in result.stderr.splitlines() if line.strip()]
