"""``db migrate``, ``demo load``, global options, and errors that come before a command's work."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from cli_support import Run, error_lines, run_cli

from ticketflow.cli.db import WEB_APP_FACTORY


def test_migrate_creates_the_database_and_is_repeatable(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'new' / 'tf.db'}"
    first = run_cli(url, "db", "migrate")
    again = run_cli(url, "db", "migrate")
    assert (first.exit_code, again.exit_code) == (0, 0)
    assert "database ready" in first.stdout
    assert (tmp_path / "new" / "tf.db").exists()
    assert "Raw" in run_cli(url, "queue", "list").stdout


def test_an_unmigrated_database_says_to_migrate(database_url: str) -> None:
    result = run_cli(database_url, "queue", "list")
    assert result.exit_code == 1
    assert len(error_lines(result)) == 1
    assert "run `ticketflow db migrate` first" in result.stderr


def test_the_database_url_can_come_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TICKETFLOW_DATABASE_URL", f"sqlite:///{tmp_path / 'env.db'}")
    result = run_cli(None, "db", "migrate")
    assert result.exit_code == 0
    assert str(tmp_path / "env.db") in result.stdout


def test_a_bad_log_level_is_one_error_line(database_url: str) -> None:
    result = run_cli(database_url, "--log-level", "chatty", "queue", "list")
    assert result.exit_code == 1
    assert error_lines(result) == [
        "error: --log-level: 'chatty' is not one of debug, info, warning, error, critical"
    ]


def test_demo_load_prints_a_summary_and_can_run_again(run: Run) -> None:
    first = run("demo", "load").stdout
    assert "already there" in first
    assert "purchase-request" in first
    assert "manager" in first
    assert " 0 record(s) added" in run("demo", "load").stdout


def test_serve_runs_the_web_app_with_the_chosen_address(run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn

    calls: list[dict[str, object]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: calls.append({"app": app, **options}))
    run("serve", "--host", "0.0.0.0", "--port", "8123", "--workers", "1")
    [call] = calls
    assert (call["host"], call["port"], call["log_level"]) == ("0.0.0.0", 8123, "info")
    assert type(call["app"]).__name__ == "FastAPI"


def test_serve_runs_one_process_per_cpu_by_default(run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    """Several processes each build the app from the environment (uvicorn's factory)."""
    import uvicorn

    calls: list[dict[str, object]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: calls.append({"app": app, **options}))
    # serve hands its database to the processes through the environment: undone after the test, or
    # later tests (migrations read it) would find this test's database there.
    monkeypatch.setenv("TICKETFLOW_DATABASE_URL", "sqlite://")
    monkeypatch.setenv("TICKETFLOW_WEB_THREADS", "4")
    run("serve", "--port", "8124", "--threads", "3")
    [call] = calls
    processes = os.cpu_count() or 1
    if processes == 1:
        assert type(call["app"]).__name__ == "FastAPI"
    else:
        assert (call["app"], call["workers"], call["factory"]) == (WEB_APP_FACTORY, processes, True)
        assert os.environ["TICKETFLOW_WEB_THREADS"] == "3"  # what each process builds its app with
