"""``ticketflow agent set-password`` and ``ticketflow token create|list|revoke``."""

from __future__ import annotations

from typer.testing import CliRunner

from ticketflow.cli.app import app
from ticketflow.db.migrate import upgrade


def test_set_password_and_manage_tokens(sqlite_url: str) -> None:
    upgrade(sqlite_url)
    runner = CliRunner()
    base = ["--database-url", sqlite_url]
    assert runner.invoke(app, [*base, "db", "migrate"]).exit_code == 0
    result = runner.invoke(
        app, [*base, "agent", "set-password", "root@localhost", "--password", "long enough"]
    )
    assert result.exit_code == 0, result.output
    created = runner.invoke(
        app, [*base, "token", "create", "root@localhost", "--name", "ci", "--scope", "write"]
    )
    assert created.exit_code == 0, created.output
    assert created.output.strip().splitlines()[-1].startswith("tf_")
    listed = runner.invoke(app, [*base, "token", "list"])
    assert "ci" in listed.output
    assert "active" in listed.output
    assert runner.invoke(app, [*base, "token", "revoke", "1"]).exit_code == 0
    assert "revoked" in runner.invoke(app, [*base, "token", "list"]).output
    refused = runner.invoke(app, [*base, "agent", "set-password", "root@localhost", "--password", "short"])
    assert refused.exit_code != 0
