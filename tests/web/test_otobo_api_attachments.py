"""OTOBO GenericInterface attachments: TicketCreate/TicketUpdate store them, TicketGet returns them."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import pytest
from api_support import PASSWORD, api_client
from fastapi.testclient import TestClient

BASE = "/otobo/nph-genericinterface.pl/Webservice/GenericTicketConnectorREST"
AGENT = {"UserLogin": "writer", "Password": PASSWORD}
ARTICLE = {"Subject": "Help", "Body": "It burns", "ContentType": "text/plain; charset=utf8"}


@pytest.fixture
def client(sqlite_url: str) -> Iterator[TestClient]:
    with api_client(sqlite_url) as created:
        yield created


def file(name: str, data: bytes) -> dict[str, str]:
    return {"Content": base64.b64encode(data).decode(), "ContentType": "text/plain", "Filename": name}


def create(client: TestClient, attachment: Any, auth: dict[str, str] = AGENT) -> dict[str, Any]:
    ticket = {
        "Title": "Printer",
        "Queue": "Raw",
        "State": "new",
        "Priority": "3 normal",
        "CustomerUser": "cus",
    }
    body = {**auth, "Ticket": ticket, "Article": ARTICLE, "Attachment": attachment}
    result: dict[str, Any] = client.post(f"{BASE}/Ticket", json=body).json()
    return result


def get(client: TestClient, ticket_id: str, **options: Any) -> dict[str, Any]:
    body = {**AGENT, "AllArticles": 1, "Attachments": 1, **options}
    result: dict[str, Any] = client.get(f"{BASE}/Ticket/{ticket_id}", params=body).json()
    return result


def test_ticket_create_stores_attachments_and_ticket_get_returns_them(client: TestClient) -> None:
    created = create(client, file("a.txt", b"hello"))  # a single object where a list is allowed
    assert "Error" not in created, created
    [article] = get(client, created["TicketID"])["Ticket"][0]["Article"]
    [attachment] = article["Attachment"]
    assert attachment["Filename"] == "a.txt"
    assert attachment["ContentType"] == "text/plain"
    assert attachment["FileID"] == "1"
    assert attachment["FilesizeRaw"] == "5"
    assert base64.b64decode(attachment["Content"]) == b"hello"
    without_content = get(client, created["TicketID"], GetAttachmentContents=0)
    assert "Content" not in without_content["Ticket"][0]["Article"][0]["Attachment"][0]
    plain = get(client, created["TicketID"], Attachments=0)
    assert "Attachment" not in plain["Ticket"][0]["Article"][0]


def test_ticket_update_adds_files_to_its_article(client: TestClient) -> None:
    ticket_id = create(client, [])["TicketID"]
    body = {
        **AGENT,
        "Article": ARTICLE | {"Subject": "More"},
        "Attachment": [file("b.txt", b"1"), file("c.txt", b"22")],
    }
    updated = client.patch(f"{BASE}/Ticket/{ticket_id}", json=body).json()
    assert "Error" not in updated, updated
    articles = get(client, ticket_id)["Ticket"][0]["Article"]
    assert "Attachment" not in articles[0]
    assert [(a["Filename"], a["FileID"]) for a in articles[1]["Attachment"]] == [
        ("b.txt", "1"),
        ("c.txt", "2"),
    ]


def test_too_large_or_forbidden_attachments_change_nothing(client: TestClient) -> None:
    client.app.state.application.settings.attachment_max_bytes = 4  # type: ignore[attr-defined]
    refused = create(client, [file("big.txt", b"12345")])
    assert refused["Error"]["ErrorCode"] == "TicketCreate.InvalidParameter"
    assert "big.txt" in refused["Error"]["ErrorMessage"]
    ticket_id = create(client, [file("ok.txt", b"1234")])["TicketID"]
    reader = {"UserLogin": "reader", "Password": PASSWORD}
    body = {**reader, "Article": ARTICLE, "Attachment": [file("x.txt", b"1")]}
    denied = client.patch(f"{BASE}/Ticket/{ticket_id}", json=body).json()
    assert denied["Error"]["ErrorCode"] == "TicketUpdate.AccessDenied"
    articles = get(client, ticket_id)["Ticket"][0]["Article"]
    assert [[f["Filename"] for f in a.get("Attachment", [])] for a in articles] == [["ok.txt"]]
    search = client.post(f"{BASE}/TicketSearch", json={**AGENT}).json()
    assert search["TicketID"] == [ticket_id]
