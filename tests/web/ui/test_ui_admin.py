"""Admin pages: only administrators; lists with create forms whose errors show beside the field; the
process list with import, deploy, versions and export."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from ticketflow.demo.loader import demo_document
from ticketflow.domain.definitions import Interface
from ticketflow.usecases import admin
from ticketflow.usecases.auth import Auth

SignIn = Callable[..., TestClient]
PASSWORD = "admin-password"


def _csrf(html: str) -> str:
    return html.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]


@pytest.fixture
def administrator(app: FastAPI) -> TestClient:
    uow = app.state.application.uow
    admin.add_role(uow, "Admins", {"admin": ["rw"], "users": ["rw"]})
    admin.add_agent(uow, "ada", "Ada", "Admin", "ada@example.com", roles=["Admins"])
    auth: Auth = app.state.auth
    auth.set_password(Interface.AGENT, "ada", PASSWORD)
    client = TestClient(app, follow_redirects=False)
    token = _csrf(client.get("/sign-in").text)
    answer = client.post("/sign-in", data={"login": "ada", "password": PASSWORD, "csrf_token": token})
    assert answer.status_code == 303
    return client


def test_an_agent_who_is_no_administrator_is_refused(sign_in: SignIn) -> None:
    manager = sign_in("manager")
    token = _csrf(manager.get("/agent/").text)

    assert manager.get("/agent/admin/queues").status_code == 403
    refused = manager.post(
        "/agent/admin/queues", data={"csrf_token": token, "name": "Sneaky", "group": "users"}
    )

    assert refused.status_code == 403
    assert manager.get("/agent/queue", params={"queue": "Sneaky"}).text.count("Sneaky</option>") == 0


@pytest.mark.parametrize(
    "slug",
    [
        "queues",
        "states",
        "priorities",
        "types",
        "dynamic-fields",
        "agents",
        "customers",
        "roles",
        "groups",
        "web-services",
        "notification-templates",
        "processes",
    ],
)
def test_every_admin_page_lists_its_records(administrator: TestClient, slug: str) -> None:
    page = administrator.get(f"/agent/admin/{slug}")

    assert page.status_code == 200
    assert "<caption>" in page.text
    assert f'href="/agent/admin/{slug}"' in administrator.get("/agent/admin/").text


def test_a_queue_is_added_through_the_form(administrator: TestClient) -> None:
    token = _csrf(administrator.get("/agent/admin/queues").text)

    answer = administrator.post(
        "/agent/admin/queues",
        data={"csrf_token": token, "name": "Facilities", "group": "users", "comment": ""},
    )

    assert answer.status_code == 303
    page = administrator.get(answer.headers["location"])
    assert "Added Facilities." in page.text
    assert "<td>Facilities</td>" in page.text


def test_a_bad_value_is_shown_beside_its_field(administrator: TestClient) -> None:
    token = _csrf(administrator.get("/agent/admin/queues").text)

    answer = administrator.post(
        "/agent/admin/queues", data={"csrf_token": token, "name": "Facilities", "group": "nosuchgroup"}
    )

    assert answer.status_code == 422
    error = re.search(r'id="f-group-error" class="field-error">([^<]*)<', answer.text)
    assert error
    assert "nosuchgroup" in error.group(1)
    assert 'value="Facilities"' in answer.text


def test_a_dynamic_field_with_values_is_added(administrator: TestClient) -> None:
    token = _csrf(administrator.get("/agent/admin/dynamic-fields").text)

    answer = administrator.post(
        "/agent/admin/dynamic-fields",
        data={
            "csrf_token": token,
            "name": "Colour",
            "label": "Colour",
            "type": "Dropdown",
            "possible_values": "red=Red\nblue=Blue",
        },
    )

    assert answer.status_code == 303
    assert "Red, Blue" in administrator.get("/agent/admin/dynamic-fields").text


def test_a_process_is_imported_deployed_and_exported(administrator: TestClient) -> None:
    document = dict(demo_document("purchase-request"))
    document["key"] = "purchase-copy"
    document["name"] = "Purchase copy"
    token = _csrf(administrator.get("/agent/admin/processes").text)

    checked = administrator.post(
        "/agent/admin/processes/import",
        data={"csrf_token": token},
        files={"document": ("copy.json", json.dumps(document).encode(), "application/json")},
    )
    assert checked.status_code == 200, checked.text[-1500:]  # the checklist: everything is present
    imported = administrator.post(
        "/agent/admin/processes/import/confirm",
        data={"csrf_token": token, "text": json.dumps(document), "filename": "copy.json"},
    )
    assert imported.status_code == 303, imported.text[-1500:]
    assert imported.headers["location"].startswith("/agent/admin/processes/purchase-copy")

    deployed = administrator.post("/agent/admin/processes/purchase-copy/deploy", data={"csrf_token": token})
    assert deployed.status_code == 303
    page = administrator.get(deployed.headers["location"])
    assert "Deployed (version 1)" in page.text
    exported = administrator.get("/agent/admin/processes/purchase-copy/export", params={"version": 1})
    assert exported.json()["key"] == "purchase-copy"
    assert "attachment" in exported.headers["content-disposition"]


def test_an_import_that_cannot_be_read_lists_the_problem(administrator: TestClient) -> None:
    token = _csrf(administrator.get("/agent/admin/processes").text)

    answer = administrator.post("/agent/admin/processes/import", data={"csrf_token": token, "text": "[1, 2"})

    assert answer.status_code == 422
    assert "The process was not imported" in answer.text
