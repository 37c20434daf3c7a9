"""``GET /api/v1/tickets?process=KEY&process_version=N``: the tickets pinned to one version of a
process, still only those the caller may see; a version without its process is a problem naming it."""

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


def _deploy(client: TestClient, document: dict[str, object]) -> None:
    assert client.post("/api/v1/processes/import", json=document, headers=basic("admin")).status_code == 201
    assert client.post(f"/api/v1/processes/{KEY}/deploy", headers=basic("admin")).status_code == 200


def _start(client: TestClient, title: str) -> int:
    body = {"process": KEY, "start_values": {"Title": title, "DynamicField_Item": "chair"}}
    answer = client.post("/api/v1/tickets", json=body, headers=basic("admin"))
    assert answer.status_code == 201, answer.text
    ticket_id: int = answer.json()["id"]
    return ticket_id


@pytest.fixture
def client(sqlite_url: str) -> Iterator[TestClient]:
    """Tickets 'first' and 'second' on version 1, 'third' on version 2, and 'plain' in no process;
    all in queue Raw (group users)."""
    with api_client(sqlite_url) as created:
        application: Application = created.app.state.application  # type: ignore[attr-defined]
        admin.add_dynamic_field(application.uow, "Item", "Item", DynamicFieldType.TEXT)
        choices = {"approved": "Yes", "rejected": "No"}
        admin.add_dynamic_field(application.uow, "Decision", "Decision", DynamicFieldType.DROPDOWN, choices)
        application.runtime.forget_catalog()
        _deploy(created, PROCESS)
        _start(created, "first")
        _start(created, "second")
        second = copy.deepcopy(PROCESS)
        second["activities"][1]["name"] = "Careful review"
        _deploy(created, second)
        _start(created, "third")
        assert (
            created.post("/api/v1/tickets", json={"title": "plain"}, headers=basic("admin")).status_code
            == 201
        )
        yield created


def _titles(client: TestClient, query: str, login: str = "reader") -> tuple[list[str], int]:
    answer = client.get(f"/api/v1/tickets?{query}&order_by=id", headers=basic(login))
    assert answer.status_code == 200, answer.text
    found = answer.json()
    return [t["title"] for t in found["items"]], found["total"]


def test_tickets_filter_by_process_and_the_version_they_are_pinned_to(client: TestClient) -> None:
    assert _titles(client, f"process={KEY}") == (["first", "second", "third"], 3)
    assert _titles(client, f"process={KEY}&process_version=1") == (["first", "second"], 2)
    assert _titles(client, f"process={KEY}&process_version=2") == (["third"], 1)
    assert _titles(client, f"process={KEY}&process_version=3") == ([], 0)
    assert _titles(client, "process=other&process_version=1") == ([], 0)


def test_the_filter_lists_only_tickets_the_caller_may_see(client: TestClient) -> None:
    # 'sales' holds rw on group sales only; the tickets are in Raw (group users).
    assert _titles(client, f"process={KEY}&process_version=1", login="sales") == ([], 0)


def test_a_version_without_its_process_is_refused_naming_the_parameter(client: TestClient) -> None:
    answer = client.get("/api/v1/tickets?process_version=1", headers=basic("reader"))

    assert answer.status_code == 422
    assert answer.json()["field"] == "process_version"
    assert "needs process" in answer.json()["detail"]
