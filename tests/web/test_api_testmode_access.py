"""``POST /api/v1/processes/{key}/test`` from a copy of a real ticket: only for someone who may read
that ticket — otherwise the same 404 as for a ticket that does not exist, and nothing of it shown."""

from __future__ import annotations

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
from ticketflow.usecases.callers import Caller
from ticketflow.usecases.tickets import TicketInput, create_ticket

PROCESS = json.loads((Path(__file__).parents[1] / "data" / "processes" / "cli_approval.json").read_text())
URL = f"/api/v1/processes/{PROCESS['key']}/test"


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
        assert (
            created.post(f"/api/v1/processes/{PROCESS['key']}/deploy", headers=basic("admin")).status_code
            == 200
        )
        yield created


def _sales_ticket(client: TestClient) -> int:
    application: Application = client.app.state.application  # type: ignore[attr-defined]
    values = {"Title": "Secret deal", "Queue": "Sales", "DynamicField_Item": "a yacht"}
    ticket = create_ticket(
        application.uow,
        application.runtime,
        TicketInput(values),
        caller=Caller("root@localhost"),
        now=datetime(2026, 11, 26, 9, tzinfo=UTC),
    )
    return ticket.id


def test_someone_who_reads_the_ticket_may_start_from_its_copy(client: TestClient) -> None:
    ticket_id = _sales_ticket(client)

    answer = client.post(URL, json={"input": {}, "from_ticket": ticket_id}, headers=basic("sales"))

    assert answer.status_code == 200, answer.text
    assert answer.json()["final"]["ticket"]["DynamicField_Item"] == "a yacht"


def test_someone_who_may_not_read_it_gets_a_404_and_nothing_of_it(client: TestClient) -> None:
    ticket_id = _sales_ticket(client)

    answer = client.post(URL, json={"input": {}, "from_ticket": ticket_id}, headers=basic("reader"))

    assert answer.status_code == 404
    assert "yacht" not in answer.text


@pytest.mark.parametrize("field", ["version", "from_ticket"])
def test_an_id_beyond_the_databases_integers_is_a_problem_naming_the_field(
    client: TestClient, field: str
) -> None:
    answer = client.post(URL, json={"input": {}, field: 2**63}, headers=basic("admin"))

    assert answer.status_code == 422
    assert field in answer.text
