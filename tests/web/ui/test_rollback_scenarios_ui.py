"""The versions page's rollback reruns the saved test scenarios as a deploy does: refused, naming the
failing scenario and deploying nothing, unless "Roll back even if saved test scenarios fail" is ticked."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from process_pages_support import administrator_client, csrf

from ticketflow.demo.loader import demo_document
from ticketflow.usecases import processes
from ticketflow.usecases.scenarios import save_scenario

KEY = "purchase-request"
NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
# Ends where no version of the process goes: it fails against whatever is deployed.
NEVER_PASSES = {"ticket": {"CustomerUserID": "alice"}, "expect": {"activity": "nowhere"}}


@pytest.fixture
def ada(app: FastAPI) -> TestClient:
    """The administrator, with version 2 (the approval renamed) deployed, then a scenario saved that
    fails on every version."""
    client = administrator_client(app)
    document: dict[str, Any] = dict(demo_document(KEY))
    document["activities"] = [
        dict(a, name="Approval by the manager") if a["key"] == "approval" else a
        for a in document["activities"]
    ]
    uow, runtime = app.state.application.uow, app.state.application.runtime
    processes.save_draft(uow, document, saved_by="ada", expected_revision=None)
    assert processes.deploy_process(uow, runtime, KEY, deployed_by="ada", now=NOW).version == 2
    save_scenario(uow, KEY, "never passes", NEVER_PASSES, saved_by="ada", now=NOW)
    return client


def _versions(app: FastAPI) -> list[tuple[int, str]]:
    return [(v.version, v.note) for v in processes.list_versions(app.state.application.uow, KEY)]


def _roll_back(client: TestClient, **extra: str) -> Any:
    form = client.get(f"/agent/admin/processes/{KEY}/diff", params={"a": 2, "b": 1})
    assert 'name="force"' in form.text
    data = {"csrf_token": csrf(form.text), "version": "1", **extra}
    return client.post(f"/agent/admin/processes/{KEY}/rollback", data=data)


def test_a_rollback_a_scenario_fails_on_is_refused_naming_it(app: FastAPI, ada: TestClient) -> None:
    before = _versions(app)

    answer = _roll_back(ada)

    assert answer.status_code == 422
    text = answer.text.replace("&#39;", "'")
    assert "never passes" in text
    assert _versions(app) == before


def test_a_forced_rollback_deploys_with_a_note_naming_the_failing_scenario(
    app: FastAPI, ada: TestClient
) -> None:
    answer = _roll_back(ada, force="1")

    assert answer.status_code == 303
    assert _versions(app)[-1] == (
        3,
        "rollback to version 1 (deployed despite failing test scenarios: never passes)",
    )
