"""REST API administration: admin creates, process import/deploy/state and incident retry/resolve are
refused to agents without rw on group ``admin``, to customers and to tokens without the ``admin``
scope — and a refused request changes nothing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from api_support import api_client, basic, bearer, customer_session
from fastapi.testclient import TestClient

from ticketflow.bootstrap import Application
from ticketflow.domain.catalog import DynamicFieldType
from ticketflow.usecases import admin
from ticketflow.usecases.auth import Auth
from ticketflow.usecases.job_records import NewIncident

PROCESS = json.loads((Path(__file__).parents[1] / "data" / "processes" / "cli_approval.json").read_text())
CREATES = {
    "queues": {"name": "Forbidden"},
    "states": {"name": "forbidden", "type": "open"},
    "priorities": {"name": "9 forbidden"},
    "types": {"name": "Forbidden"},
    "groups": {"name": "forbidden"},
    "roles": {"name": "Forbidden", "permissions": {}},
    "customer-companies": {"customer_id": "FORBIDDEN", "name": "Forbidden Ltd"},
}


@pytest.fixture
def client(sqlite_url: str) -> Iterator[TestClient]:
    with api_client(sqlite_url) as created:
        yield created


def refusers(client: TestClient) -> list[dict[str, str]]:
    """A writer agent (rw on users, not admin), a customer, and the admin's token without ``admin`` scope."""
    auth: Auth = client.app.state.auth  # type: ignore[attr-defined]
    token, _ = auth.create_token("admin", name="no admin", scopes=["read", "write"])
    return [basic("writer"), customer_session(client, "cus"), bearer(token)]


def everything(client: TestClient) -> dict[str, Any]:
    """What an administrator sees of the catalog, processes and incidents."""
    seen = {
        path: client.get(f"/api/v1/admin/{path}?limit=500", headers=basic("admin")).json() for path in CREATES
    }
    seen["processes"] = client.get("/api/v1/processes", headers=basic("admin")).json()
    seen["incidents"] = client.get("/api/v1/incidents", headers=basic("admin")).json()
    return seen


def test_admin_creates_are_refused_to_non_admins_and_change_nothing(client: TestClient) -> None:
    before = everything(client)
    for headers in refusers(client):
        for path, body in CREATES.items():
            answer = client.post(f"/api/v1/admin/{path}", json=body, headers=headers)
            assert answer.status_code in (401, 403), (path, answer.text)
    assert everything(client) == before
    assert (
        client.post("/api/v1/admin/groups", json={"name": "allowed"}, headers=basic("admin")).status_code
        == 201
    )


def test_process_import_deploy_and_state_are_refused_to_non_admins(client: TestClient) -> None:
    application: Application = client.app.state.application  # type: ignore[attr-defined]
    admin.add_dynamic_field(application.uow, "Item", "Item", DynamicFieldType.TEXT, cache=application.runtime)
    choices = {"approved": "Yes", "rejected": "No"}
    admin.add_dynamic_field(
        application.uow, "Decision", "Decision", DynamicFieldType.DROPDOWN, choices, cache=application.runtime
    )
    key = client.post("/api/v1/processes/import", json=PROCESS, headers=basic("admin")).json()["key"]
    before = everything(client)
    for headers in refusers(client):
        assert client.post("/api/v1/processes/import", json=PROCESS, headers=headers).status_code in (
            401,
            403,
        )
        assert client.post(f"/api/v1/processes/{key}/deploy", headers=headers).status_code in (401, 403)
        state = client.post(f"/api/v1/processes/{key}/state", json={"state": "Inactive"}, headers=headers)
        assert state.status_code in (401, 403)
    assert everything(client) == before
    assert client.post(f"/api/v1/processes/{key}/deploy", headers=basic("admin")).status_code == 200


def test_incident_retry_and_resolve_are_refused_to_non_admins(client: TestClient) -> None:
    application: Application = client.app.state.application  # type: ignore[attr-defined]
    now = datetime.now(UTC)
    with application.uow() as uow:
        job_id = uow.jobs.enqueue("web_service", {}, ticket_id=None, run_at=now)
        incident_id = uow.incidents.open(
            NewIncident(job_id, None, "web_service", "call", "refused", None, now)
        )
        uow.commit()
    before = everything(client)
    for headers in refusers(client):
        retry = client.post(f"/api/v1/incidents/{incident_id}/retry", json={}, headers=headers)
        resolve = client.post(f"/api/v1/incidents/{incident_id}/resolve", json={"note": "x"}, headers=headers)
        assert retry.status_code in (401, 403), retry.text
        assert resolve.status_code in (401, 403), resolve.text
    assert everything(client) == before
    with application.uow() as uow:
        assert [j.status.value for j in uow.jobs.list_jobs()] == ["queued"]
    resolved = client.post(
        f"/api/v1/incidents/{incident_id}/resolve", json={"note": "ok"}, headers=basic("admin")
    )
    assert resolved.status_code == 200, resolved.text
