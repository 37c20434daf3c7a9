"""REST API attachments: upload (base64) with a size limit, listing, download, and who may read them."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import pytest
from api_support import api_client, basic, customer_session
from fastapi.testclient import TestClient


@pytest.fixture
def client(sqlite_url: str) -> Iterator[TestClient]:
    with api_client(sqlite_url) as created:
        yield created


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def file(
    name: str = "log.txt", data: bytes = b"line 1\n", content_type: str = "text/plain"
) -> dict[str, str]:
    return {"filename": name, "content_type": content_type, "content": b64(data)}


def create(client: TestClient, *files: dict[str, str], login: str = "writer", **article: Any) -> Any:
    body = {
        "title": "Printer on fire",
        "customer_user": "cus",
        "article": {"subject": "Help", "body": "It burns", "attachments": list(files), **article},
    }
    return client.post("/api/v1/tickets", json=body, headers=basic(login))


def articles(client: TestClient, ticket_id: int, headers: dict[str, str] | None = None) -> list[Any]:
    response = client.get(f"/api/v1/tickets/{ticket_id}/articles", headers=headers or basic("admin"))
    assert response.status_code == 200, response.text
    items: list[Any] = response.json()["items"]
    return items


def test_a_ticket_created_with_files_lists_and_serves_them(client: TestClient) -> None:
    created = create(client, file(), file("photo.png", b"\x89PNG\x00\xff", "image/png"))
    assert created.status_code == 201, created.text
    ticket_id = created.json()["id"]
    [article] = articles(client, ticket_id)
    names = [(a["filename"], a["size"], a["content_type"]) for a in article["attachments"]]
    assert names == [("log.txt", 7, "text/plain"), ("photo.png", 6, "image/png")]
    download = client.get(article["attachments"][1]["url"], headers=basic("writer"))
    assert download.status_code == 200
    assert download.content == b"\x89PNG\x00\xff"
    assert download.headers["content-type"] == "image/png"
    assert download.headers["content-disposition"] == "attachment; filename*=UTF-8''photo.png"
    assert download.headers["x-content-type-options"] == "nosniff"


def test_adding_an_article_with_a_file(client: TestClient) -> None:
    ticket_id = create(client).json()["id"]
    added = client.post(
        f"/api/v1/tickets/{ticket_id}/articles",
        json={"subject": "Logs", "body": "attached", "attachments": [file("a b.txt", b"x")]},
        headers=basic("noter"),
    )
    assert added.status_code == 201, added.text
    assert added.json()["subject"] == "Logs"
    assert [a["filename"] for a in added.json()["attachments"]] == ["a b.txt"]
    url = added.json()["attachments"][0]["url"]
    assert client.get(url, headers=basic("reader")).content == b"x"
    listed = client.get(f"/api/v1/tickets/{ticket_id}/attachments", headers=basic("reader")).json()
    assert [a["filename"] for a in listed] == ["a b.txt"]


def test_a_file_over_the_limit_is_refused_naming_the_field_and_nothing_is_stored(client: TestClient) -> None:
    client.app.state.application.settings.attachment_max_bytes = 10  # type: ignore[attr-defined]
    ticket_id = create(client).json()["id"]
    refused = client.post(
        f"/api/v1/tickets/{ticket_id}/articles",
        json={
            "subject": "Big",
            "body": "too big",
            "attachments": [file(data=b"x" * 10), file(data=b"y" * 11)],
        },
        headers=basic("writer"),
    )
    assert refused.status_code == 422
    problem = refused.json()
    assert problem["field"] == "attachments[1]"
    assert "more than the limit of 10" in problem["detail"]
    assert [a["subject"] for a in articles(client, ticket_id)] == ["Help"]
    assert create(client, file(data=b"z" * 11)).status_code == 422


def test_bad_base64_and_bad_names_are_refused_naming_the_field(client: TestClient) -> None:
    bad = create(client, {"filename": "x", "content": "not base64!"})
    assert bad.status_code == 422
    assert bad.json()["field"] == "article.attachments[0].content"
    assert create(client, file(name="../etc/passwd")).status_code == 422
    assert client.get("/api/v1/tickets", headers=basic("admin")).json()["total"] == 0


def test_forbidden_uploads_are_refused_and_nothing_changes(client: TestClient) -> None:
    ticket_id = create(client).json()["id"]
    body = {"subject": "Sneaky", "body": "no", "attachments": [file()]}
    # reader has ro only (no note); sales cannot see the ticket; other is not the ticket's customer
    assert (
        client.post(f"/api/v1/tickets/{ticket_id}/articles", json=body, headers=basic("reader")).status_code
        == 403
    )
    assert (
        client.post(f"/api/v1/tickets/{ticket_id}/articles", json=body, headers=basic("sales")).status_code
        == 404
    )
    other = customer_session(client, "other")
    assert client.post(f"/api/v1/tickets/{ticket_id}/articles", json=body, headers=other).status_code == 404
    assert create(client, file(), login="sales").status_code == 403
    assert [a["subject"] for a in articles(client, ticket_id)] == ["Help"]
    assert client.get(f"/api/v1/tickets/{ticket_id}/attachments", headers=basic("admin")).json() == []
    assert client.get("/api/v1/tickets", headers=basic("admin")).json()["total"] == 1


def test_customers_download_only_files_of_articles_visible_to_them(client: TestClient) -> None:
    ticket_id = create(client, file("internal.txt", b"secret")).json()["id"]
    public = client.post(
        f"/api/v1/tickets/{ticket_id}/articles",
        json={
            "subject": "For you",
            "body": "see",
            "visible_for_customer": True,
            "attachments": [file("pub.txt")],
        },
        headers=basic("writer"),
    ).json()
    internal_url = articles(client, ticket_id)[0]["attachments"][0]["url"]
    cus = customer_session(client, "cus")
    listed = client.get(f"/api/v1/tickets/{ticket_id}/attachments", headers=cus).json()
    assert [a["filename"] for a in listed] == ["pub.txt"]
    assert client.get(public["attachments"][0]["url"], headers=cus).status_code == 200
    assert client.get(internal_url, headers=cus).status_code == 404
    assert [a["subject"] for a in articles(client, ticket_id, cus)] == ["For you"]
    other = customer_session(client, "other")
    assert client.get(public["attachments"][0]["url"], headers=other).status_code == 404
    assert client.get(internal_url, headers=basic("sales")).status_code == 404
    # an attachment id of another ticket is not served through this one
    second = create(client).json()["id"]
    assert (
        client.get(
            f"/api/v1/tickets/{second}/attachments/{listed[0]['id']}", headers=basic("admin")
        ).status_code
        == 404
    )
