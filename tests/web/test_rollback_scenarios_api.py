"""``POST /api/v1/processes/{key}/rollback`` reruns the saved test scenarios as a deploy does: a
scenario the earlier version fails refuses the rollback (422 ``scenarios_failed``, nothing deployed)
unless ``force``, whose version note names the failing scenario."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from api_support import api_client, basic
from fastapi.testclient import TestClient

from ticketflow.bootstrap import Application
from ticketflow.domain.catalog import DynamicFieldType
from ticketflow.usecases import admin
from ticketflow.usecases.scenarios import save_scenario

PROCESS = json.loads((Path(__file__).parents[1] / "data" / "processes" / "cli_approval.json").read_text())
KEY = PROCESS["key"]
NOW = datetime(2026, 11, 26, 12, tzinfo=UTC)
# Passes on version 2 (its transitions swap the end activities: a refusal ends in 'done'), fails on
# version 1 (a refusal ends in 'rejected').
REFUSAL_CLOSES = {
    "ticket": {"Title": "A chair", "DynamicField_Item": "chair"},
    "submissions": [{"dialog": "decide", "fields": {"DynamicField_Decision": "rejected"}}],
    "expect": {"activity": "done"},
}


@pytest.fixture
def client(sqlite_url: str) -> Iterator[TestClient]:
    with api_client(sqlite_url) as created:
        application: Application = created.app.state.application  # type: ignore[attr-defined]
        admin.add_dynamic_field(application.uow, "Item", "Item", DynamicFieldType.TEXT)
        choices = {"approved": "Yes", "rejected": "No"}
        admin.add_dynamic_field(application.uow, "Decision", "Decision", DynamicFieldType.DROPDOWN, choices)
        application.runtime.forget_catalog()
        second = copy.deepcopy(PROCESS)
        targets = {"refused": "done", "approved": "rejected"}
        for transition in second["transitions"]:
            transition["target"] = targets.get(transition["key"], transition["target"])
        for document in (PROCESS, second):
            assert (
                created.post("/api/v1/processes/import", json=document, headers=basic("admin")).status_code
                == 201
            )
            assert created.post(f"/api/v1/processes/{KEY}/deploy", headers=basic("admin")).status_code == 200
        save_scenario(application.uow, KEY, "refusal closes", REFUSAL_CLOSES, saved_by="admin", now=NOW)
        yield created


def _notes(client: TestClient) -> list[tuple[int, str]]:
    answer = client.get(f"/api/v1/processes/{KEY}/versions", headers=basic("admin")).json()
    return [(v["version"], v["note"]) for v in answer]


def test_a_rollback_the_scenarios_fail_on_is_refused_naming_them(client: TestClient) -> None:
    before = _notes(client)

    answer = client.post(f"/api/v1/processes/{KEY}/rollback", json={"to": 1}, headers=basic("admin"))

    assert answer.status_code == 422, answer.text
    problem = answer.json()
    assert problem["code"] == "scenarios_failed"
    assert "cannot be rolled back to version 1" in problem["detail"]
    assert "refusal closes" in problem["detail"]
    assert _notes(client) == before
    assert len(before) == 2


def test_a_forced_rollback_deploys_and_its_note_says_so(client: TestClient) -> None:
    answer = client.post(
        f"/api/v1/processes/{KEY}/rollback", json={"to": 1, "force": True}, headers=basic("admin")
    )

    assert answer.status_code == 200, answer.text
    assert answer.json()["version"] == 3
    assert _notes(client)[-1] == (
        3,
        "rollback to version 1 (deployed despite failing test scenarios: refusal closes)",
    )
