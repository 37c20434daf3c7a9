"""``POST /api/v1/processes/{key}/rollback``: administrators only; the new version is the old content;
an unknown or latest version is a problem document naming it, and nothing changes."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from api_support import api_client, basic
from fastapi.testclient import TestClient

from ticketflow.bootstrap import Application
from ticketflow.domain.catalog import DynamicFieldType
from ticketflow.usecases import admin

PROCESS = json.loads((Path(__file__).parents[1] / "data" / "processes" / "cli_approval.json").read_text())
KEY = PROCESS["key"]


@pytest.fixture
def client(sqlite_url: str) -> Iterator[TestClient]:
    with api_client(sqlite_url) as created:
        application: Application = created.app.state.application  # type: ignore[attr-defined]
        admin.add_dynamic_field(application.uow, "Item", "Item", DynamicFieldType.TEXT)
        choices = {"approved": "Yes", "rejected": "No"}
        admin.add_dynamic_field(application.uow, "Decision", "Decision", DynamicFieldType.DROPDOWN, choices)
        application.runtime.forget_catalog()
        second = copy.deepcopy(PROCESS)
        second["activities"][1]["name"] = "Careful review"
        for document in (PROCESS, second):
            assert (
                created.post("/api/v1/processes/import", json=document, headers=basic("admin")).status_code
                == 201
            )
            assert created.post(f"/api/v1/processes/{KEY}/deploy", headers=basic("admin")).status_code == 200
        yield created


def _versions(client: TestClient) -> list[tuple[int, str, str]]:
    answer = client.get(f"/api/v1/processes/{KEY}/versions", headers=basic("admin")).json()
    return [(v["version"], v["deployed_by"], v["note"]) for v in answer]


def test_rollback_deploys_the_earlier_content_as_the_next_version(client: TestClient) -> None:
    answer = client.post(f"/api/v1/processes/{KEY}/rollback", json={"to": 1}, headers=basic("admin"))

    assert answer.status_code == 200, answer.text
    assert answer.json() | {"content_hash": ""} == {
        "key": KEY,
        "version": 3,
        "rolled_back_to": 1,
        "content_hash": "",
        "draft_replaced": True,
    }
    assert _versions(client)[-1] == (3, "admin", "rollback to version 1")
    listed = client.get(f"/api/v1/processes/{KEY}/versions", headers=basic("admin")).json()
    assert [v["changes"] for v in listed] == [
        [],
        ["activity:review changed: name"],
        ["activity:review changed: name"],
    ]
    exported = client.get(f"/api/v1/processes/{KEY}/export", params={"version": 3}, headers=basic("admin"))
    assert exported.json()["document"]["activities"][1]["name"] == PROCESS["activities"][1]["name"]


@pytest.mark.parametrize(
    ("body", "status", "says"),
    [({"to": 9}, 404, "no version 9"), ({"to": 2}, 422, "latest version"), ({"to": 0}, 422, "to")],
)
def test_a_refused_rollback_names_why_and_changes_nothing(
    client: TestClient, body: dict[str, int], status: int, says: str
) -> None:
    before = _versions(client)

    answer = client.post(f"/api/v1/processes/{KEY}/rollback", json=body, headers=basic("admin"))

    assert answer.status_code == status, answer.text
    assert says in answer.text
    assert _versions(client) == before


def test_rollback_is_refused_to_an_agent_who_is_no_administrator(client: TestClient) -> None:
    answer = client.post(f"/api/v1/processes/{KEY}/rollback", json={"to": 1}, headers=basic("writer"))

    assert answer.status_code == 403
    assert len(_versions(client)) == 2
