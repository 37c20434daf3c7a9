"""``/api/v1/processes/{key}/scenarios``: exported, imported by administrators only (all or nothing,
the bad entry named), and run as a suite against a version or the draft, each result saying what
differed."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from api_support import api_client, basic
from fastapi.testclient import TestClient

from ticketflow.bootstrap import Application
from ticketflow.domain.catalog import DynamicFieldType
from ticketflow.usecases import admin

PROCESS = json.loads((Path(__file__).parents[1] / "data" / "processes" / "cli_approval.json").read_text())
KEY = PROCESS["key"]
URL = f"/api/v1/processes/{KEY}/scenarios"


def _scenario(name: str, decision: str, expected: str) -> dict[str, Any]:
    return {
        "name": name,
        "ticket": {"Title": "A chair", "DynamicField_Item": "chair"},
        "submissions": [{"dialog": "decide", "fields": {"DynamicField_Decision": decision}}],
        "expect": {"activity": expected},
    }


def _export(*scenarios: dict[str, Any]) -> dict[str, Any]:
    return {"format": "ticketflow.scenarios/1", "process": KEY, "scenarios": list(scenarios)}


@pytest.fixture
def client(sqlite_url: str) -> Iterator[TestClient]:
    with api_client(sqlite_url) as created:
        application: Application = created.app.state.application  # type: ignore[attr-defined]
        admin.add_dynamic_field(application.uow, "Item", "Item", DynamicFieldType.TEXT)
        choices = {"approved": "Yes", "rejected": "No"}
        admin.add_dynamic_field(application.uow, "Decision", "Decision", DynamicFieldType.DROPDOWN, choices)
        application.runtime.forget_catalog()
        assert (
            created.post("/api/v1/processes/import", json=PROCESS, headers=basic("admin")).status_code == 201
        )
        assert created.post(f"/api/v1/processes/{KEY}/deploy", headers=basic("admin")).status_code == 200
        yield created


def test_imported_scenarios_are_exported_and_run(client: TestClient) -> None:
    suite = _export(_scenario("approve", "approved", "done"), _scenario("wrong", "rejected", "done"))

    imported = client.put(URL, json=suite, headers=basic("admin"))
    exported = client.get(URL, headers=basic("reader")).json()
    run = client.post(f"{URL}/run", json={"version": 1}, headers=basic("reader")).json()

    assert imported.json() == {"saved": ["approve", "wrong"]}
    assert [s["name"] for s in exported["scenarios"]] == ["approve", "wrong"]
    assert (run["passed"], run["failed"]) == (1, 1)
    wrong = run["scenarios"][1]
    assert wrong["differences"] == [
        "ended at 'rejected' (completed: the process is completed), expected 'done'"
    ]
    assert wrong["final"]["activity"] == "rejected"


def test_only_administrators_import(client: TestClient) -> None:
    refused = client.put(URL, json=_export(_scenario("a", "approved", "done")), headers=basic("reader"))

    assert refused.status_code == 403
    assert client.get(URL, headers=basic("reader")).json()["scenarios"] == []


def test_a_bad_entry_is_named_and_nothing_is_saved(client: TestClient) -> None:
    broken = _scenario("broken", "approved", "done") | {"submissions": [{"fields": {}}]}
    suite = _export(_scenario("fine", "approved", "done"), broken)

    refused = client.put(URL, json=suite, headers=basic("admin"))

    assert refused.status_code == 422
    assert refused.json()["field"] == "scenarios[1].submissions[0]"
    assert client.get(URL, headers=basic("admin")).json()["scenarios"] == []


def test_an_unknown_process_is_a_404(client: TestClient) -> None:
    answer = client.post("/api/v1/processes/nope/scenarios/run", headers=basic("admin"))

    assert answer.status_code == 404
    assert "process 'nope' does not exist" in answer.json()["detail"]
