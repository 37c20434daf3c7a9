"""REST API notification templates: an administrator creates and changes them; bad placeholders are
problems naming the field; non-admins, customers and tokens without the admin scope are refused; a
refused request changes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from api_support import api_client, basic, bearer, customer_session
from fastapi.testclient import TestClient

from ticketflow.usecases.auth import Auth

TEMPLATES = "/api/v1/admin/notification-templates"
WELCOME = {
    "name": "Welcome",
    "subject": "Ticket <OTOBO_TICKET_TicketNumber> received",
    "body": "Dear <OTOBO_CUSTOMER_DATA_UserFirstname>, we are on it.",
}


@pytest.fixture
def client(sqlite_url: str) -> Iterator[TestClient]:
    with api_client(sqlite_url) as created:
        yield created


def stored(client: TestClient) -> Any:
    return client.get(TEMPLATES, headers=basic("admin")).json()


def test_an_administrator_creates_and_changes_a_template(client: TestClient) -> None:
    created = client.post(TEMPLATES, json=WELCOME, headers=basic("admin"))
    changed = client.put(
        f"{TEMPLATES}/Welcome",
        json={"subject": "Received", "body": "<p>On it.</p>", "content_type": "text/html", "valid": False},
        headers=basic("admin"),
    )

    assert created.status_code == 201
    assert created.json() == {**WELCOME, "content_type": "text/plain", "valid": True}
    assert changed.status_code == 200
    assert client.get(f"{TEMPLATES}/Welcome", headers=basic("admin")).json() == {
        "name": "Welcome",
        "subject": "Received",
        "body": "<p>On it.</p>",
        "content_type": "text/html",
        "valid": False,
    }


def test_bad_templates_are_problems_naming_the_field_and_store_nothing(client: TestClient) -> None:
    before = stored(client)

    typo = client.post(TEMPLATES, json={**WELCOME, "body": "<OTOBO_TIKET_Title>"}, headers=basic("admin"))
    twice = client.post(TEMPLATES, json=WELCOME, headers=basic("admin"))
    again = client.post(TEMPLATES, json=WELCOME, headers=basic("admin"))
    unknown = client.put(f"{TEMPLATES}/Nope", json={"subject": "s", "body": "b"}, headers=basic("admin"))

    assert typo.status_code == 422
    assert typo.json()["field"] == "body"
    assert twice.status_code == 201
    assert again.status_code == 422
    assert again.json()["field"] == "name"
    assert unknown.status_code == 404
    assert len(stored(client)["items"]) == len(before["items"]) + 1


def test_non_admins_are_refused_and_nothing_changes(client: TestClient) -> None:
    client.post(TEMPLATES, json=WELCOME, headers=basic("admin"))
    before = stored(client)
    auth: Auth = client.app.state.auth  # type: ignore[attr-defined]
    token, _ = auth.create_token("admin", name="no admin", scopes=["read", "write"])

    for headers in (basic("writer"), customer_session(client, "cus"), bearer(token)):
        created = client.post(TEMPLATES, json={**WELCOME, "name": "Sneaky"}, headers=headers)
        changed = client.put(f"{TEMPLATES}/Welcome", json={"subject": "x", "body": "y"}, headers=headers)
        assert created.status_code in (401, 403), created.text
        assert changed.status_code in (401, 403), changed.text

    assert stored(client) == before
