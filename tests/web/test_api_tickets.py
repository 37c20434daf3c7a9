"""REST API tickets: every permission rule refuses a forbidden request and changes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from api_support import api_client, basic, bearer, customer_session
from fastapi.testclient import TestClient

from ticketflow.usecases.auth import Auth


@pytest.fixture
def client(sqlite_url: str) -> Iterator[TestClient]:
    with api_client(sqlite_url) as created:
        yield created


def create(client: TestClient, login: str = "writer", **fields: Any) -> dict[str, Any]:
    body = {"title": "Printer on fire", "article": {"subject": "Help", "body": "It burns"}, **fields}
    response = client.post("/api/v1/tickets", json=body, headers=basic(login))
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def at(ticket: dict[str, Any], suffix: str = "") -> str:
    return f"/api/v1/tickets/{ticket['id']}{suffix}"


def stored(client: TestClient, ticket_id: int) -> dict[str, Any]:
    result: dict[str, Any] = client.get(f"/api/v1/tickets/{ticket_id}", headers=basic("admin")).json()
    return result


def test_without_credentials_the_api_answers_401_problem(client: TestClient) -> None:
    response = client.get("/api/v1/tickets")
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "authentication_failed"
    assert client.get("/api/v1/tickets", headers=basic("writer", "wrong password")).status_code == 401


def test_create_get_update_with_etag(client: TestClient) -> None:
    ticket = create(client, priority="4 high", dynamic_fields={})
    assert ticket["queue"] == "Raw"
    assert ticket["priority"] == "4 high"
    got = client.get(at(ticket), headers=basic("writer"))
    assert got.headers["etag"] == '"1"' or got.headers["etag"] == f'"{ticket["version"]}"'
    etag = got.headers["etag"]
    changed = client.patch(
        at(ticket),
        json={"title": "Cold now"},
        headers={**basic("writer"), "If-Match": etag},
    )
    assert changed.status_code == 200
    assert changed.json()["title"] == "Cold now"
    assert changed.headers["etag"] != etag


def test_a_stale_if_match_is_refused_with_412_and_nothing_changes(client: TestClient) -> None:
    ticket = create(client)
    client.patch(at(ticket), json={"title": "first"}, headers=basic("writer"))
    stale = client.patch(
        at(ticket),
        json={"title": "second"},
        headers={**basic("writer"), "If-Match": f'"{ticket["version"]}"'},
    )
    assert stale.status_code == 412
    assert stored(client, ticket["id"])["title"] == "first"


def test_bad_input_is_a_problem_naming_the_field(client: TestClient) -> None:
    response = client.post(
        "/api/v1/tickets", json={"title": "x", "queue": "Nowhere"}, headers=basic("writer")
    )
    assert response.status_code == 422
    assert response.json()["field"] == "Queue"
    response = client.post("/api/v1/tickets", json={"title": ""}, headers=basic("writer"))
    assert response.status_code == 422
    assert response.json()["field"] == "title"


def test_a_body_that_is_not_json_or_not_an_object_is_named_as_the_body(client: TestClient) -> None:
    headers = basic("writer") | {"Content-Type": "application/json"}
    broken = client.post("/api/v1/tickets", content=b'{"title": 5', headers=headers)
    assert broken.status_code == 422
    problem = broken.json()
    assert problem["field"] == "body"
    assert problem["detail"].startswith("body: is not valid JSON: ")
    assert "at character 11" in problem["detail"]
    listed = client.post("/api/v1/tickets", content=b"[1]", headers=headers)
    assert (listed.status_code, listed.json()["field"]) == (422, "body")
    # Without credentials the answer is 401, whatever the body: who asks is checked first.
    anonymous = client.post(
        "/api/v1/tickets", content=b'{"title": 5', headers={"Content-Type": "application/json"}
    )
    assert anonymous.status_code == 401


def test_reader_may_read_but_not_change(client: TestClient) -> None:
    ticket = create(client)
    assert client.get(at(ticket), headers=basic("reader")).status_code == 200
    refused = client.patch(at(ticket), json={"priority": "5 very high"}, headers=basic("reader"))
    assert refused.status_code == 403
    assert stored(client, ticket["id"])["priority"] == "3 normal"
    note = {"subject": "x", "body": "y"}
    assert client.post(at(ticket, "/articles"), json=note, headers=basic("reader")).status_code == 403
    assert len(client.get(at(ticket, "/articles"), headers=basic("admin")).json()["items"]) == 1


def test_creating_needs_create_on_the_queue_group(client: TestClient) -> None:
    refused = client.post("/api/v1/tickets", json={"title": "x"}, headers=basic("reader"))
    assert refused.status_code == 403
    assert client.get("/api/v1/tickets", headers=basic("admin")).json()["total"] == 0


def test_note_permission_allows_articles_but_not_attribute_changes(client: TestClient) -> None:
    ticket = create(client)
    added = client.post(
        at(ticket, "/articles"),
        json={"subject": "Note", "body": "b"},
        headers=basic("noter"),
    )
    assert added.status_code == 201
    refused = client.patch(at(ticket), json={"title": "no"}, headers=basic("noter"))
    assert refused.status_code == 403
    assert stored(client, ticket["id"])["title"] == "Printer on fire"


def test_agents_without_ro_on_the_queue_neither_see_nor_find_the_ticket(client: TestClient) -> None:
    ticket = create(client)
    assert client.get(at(ticket), headers=basic("sales")).status_code == 404
    assert client.get("/api/v1/tickets", headers=basic("sales")).json()["total"] == 0
    refused = client.patch(at(ticket), json={"title": "mine"}, headers=basic("sales"))
    assert refused.status_code == 404
    assert stored(client, ticket["id"])["title"] == "Printer on fire"


def test_moving_needs_move_into_on_the_target_queue(client: TestClient) -> None:
    ticket = create(client)
    refused = client.patch(at(ticket), json={"queue": "Sales"}, headers=basic("writer"))
    assert refused.status_code == 403
    assert stored(client, ticket["id"])["queue"] == "Raw"
    moved = client.patch(at(ticket), json={"queue": "Misc"}, headers=basic("writer"))
    assert moved.status_code == 200
    assert moved.json()["queue"] == "Misc"


def test_customers_see_only_their_tickets_and_change_only_by_articles(client: TestClient) -> None:
    mine = create(client, customer_user="cus")
    theirs = create(client, customer_user="other")
    headers = customer_session(client, "cus")
    assert client.get(at(mine), headers=headers).status_code == 200
    assert client.get(at(theirs), headers=headers).status_code == 404
    assert [t["id"] for t in client.get("/api/v1/tickets", headers=headers).json()["items"]] == [mine["id"]]
    refused = client.patch(at(mine), json={"title": "mine"}, headers=headers)
    assert refused.status_code == 403
    assert stored(client, mine["id"])["title"] == "Printer on fire"
    assert client.get(at(mine, "/history"), headers=headers).status_code == 403
    # Articles: only those visible to customers.
    assert client.get(at(mine, "/articles"), headers=headers).json()["total"] == 0
    added = client.post(at(mine, "/articles"), json={"subject": "s", "body": "b"}, headers=headers)
    assert added.status_code == 201
    assert added.json()["sender_type"] == "customer"


def test_session_writes_need_the_csrf_header(client: TestClient) -> None:
    mine = create(client, customer_user="cus")
    headers = customer_session(client, "cus")
    del headers["X-CSRF-Token"]
    refused = client.post(at(mine, "/articles"), json={"subject": "s", "body": "b"}, headers=headers)
    assert refused.status_code == 403
    assert len(client.get(at(mine, "/articles"), headers=basic("admin")).json()["items"]) == 1


def test_token_scopes_and_revocation(client: TestClient) -> None:
    auth: Auth = client.app.state.auth  # type: ignore[attr-defined]
    text, token = auth.create_token("writer", name="reporting", scopes=["read"])
    ticket = create(client)
    assert client.get(at(ticket), headers=bearer(text)).status_code == 200
    refused = client.post("/api/v1/tickets", json={"title": "x"}, headers=bearer(text))
    assert refused.status_code == 403
    assert client.get("/api/v1/tickets", headers=basic("admin")).json()["total"] == 1
    write_only, _ = auth.create_token("writer", name="robot", scopes=["write"])
    assert client.get("/api/v1/tickets", headers=bearer(write_only)).status_code == 403
    auth.revoke_token(token.id)
    assert client.get(at(ticket), headers=bearer(text)).status_code == 401


def test_search_filters_and_pagination(client: TestClient) -> None:
    for number in range(3):
        create(client, title=f"ticket {number}", priority="4 high" if number else "3 normal")
    first = client.get("/api/v1/tickets?limit=2", headers=basic("reader"))
    assert first.json()["total"] == 3
    assert len(first.json()["items"]) == 2
    assert 'rel="next"' in first.headers["link"]
    second = client.get(first.json()["next"], headers=basic("reader"))
    assert len(second.json()["items"]) == 1
    assert second.json()["next"] is None
    found = client.get("/api/v1/tickets?title=ticket 0", headers=basic("reader")).json()
    assert [t["title"] for t in found["items"]] == ["ticket 0"]
    assert client.get("/api/v1/tickets?field=broken", headers=basic("reader")).json()["field"] == "field"


def test_history_is_for_agents_with_ro(client: TestClient) -> None:
    ticket = create(client)
    history = client.get(at(ticket, "/history"), headers=basic("reader")).json()
    assert history["items"][0]["history_type"] == "NewTicket"
    assert client.get(at(ticket, "/history"), headers=basic("sales")).status_code == 404
