"""The OTOBO GenericInterface in-process: routes of both profiles, shapes, error conventions, permissions."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from api_support import PASSWORD, api_client
from fastapi.testclient import TestClient

BASE = "/otobo/nph-genericinterface.pl/Webservice/GenericTicketConnectorREST"
AGENT = {"UserLogin": "writer", "Password": PASSWORD}


@pytest.fixture
def client(sqlite_url: str) -> Iterator[TestClient]:
    with api_client(sqlite_url) as created:
        yield created


def create(client: TestClient, auth: dict[str, str] = AGENT, **ticket: Any) -> dict[str, Any]:
    body = {
        **auth,
        "Ticket": {
            "Title": "Printer",
            "Queue": "Raw",
            "State": "new",
            "Priority": "3 normal",
            "CustomerUser": "cus",
        }
        | ticket,
        "Article": {"Subject": "Help", "Body": "It burns", "ContentType": "text/plain; charset=utf8"},
        "DynamicField": [],
    }
    result: dict[str, Any] = client.post(f"{BASE}/Ticket", json=body).json()
    return result


def test_session_create_get_remove(client: TestClient) -> None:
    created = client.post(f"{BASE}/Session", json=AGENT).json()
    session_id = created["SessionID"]
    assert len(session_id) == 32
    data = client.get(f"{BASE}/Session/{session_id}?SessionID={session_id}").json()
    assert {"Key": "UserLogin", "Value": "writer"} in data["SessionData"]
    assert client.request("DELETE", f"{BASE}/Session/{session_id}").json() == {"Success": 1}
    invalid = client.get(f"{BASE}/Session/{session_id}").json()
    assert invalid["Error"]["ErrorCode"] == "SessionGet.SessionInvalid"


def test_errors_are_http_200_with_an_error_object(client: TestClient) -> None:
    response = client.post(f"{BASE}/Session", json={"UserLogin": "writer", "Password": "wrong"})
    assert response.status_code == 200
    assert response.json()["Error"]["ErrorCode"] == "SessionCreate.AuthFail"
    assert (
        client.post(f"{BASE}/Session", json={}).json()["Error"]["ErrorCode"]
        == "SessionCreate.MissingParameter"
    )
    missing = client.post(f"{BASE}/Ticket", json={**AGENT, "Ticket": {"Title": "x"}}).json()
    assert missing["Error"]["ErrorCode"] == "TicketCreate.MissingParameter"
    assert missing["Error"]["ErrorMessage"].startswith("TicketCreate: ")


def test_unknown_route_is_a_plain_500(client: TestClient) -> None:
    response = client.get(f"{BASE}/Nowhere")
    assert response.status_code == 500
    assert response.headers["content-type"].startswith("text/plain")


def test_create_get_update_search_history_sample_routes(client: TestClient) -> None:
    created = create(client)
    ticket_id = created["TicketID"]
    assert isinstance(ticket_id, str)
    assert created["ArticleID"]
    got = client.get(
        f"{BASE}/Ticket/{ticket_id}", params={**AGENT, "AllArticles": 1, "DynamicFields": 1}
    ).json()
    ticket = got["Ticket"][0]
    assert ticket["Title"] == "Printer"
    assert ticket["QueueID"] == "2"
    assert ticket["PriorityID"] == "3"
    assert ticket["CustomerUserID"] == "cus"
    assert ticket["Article"][0]["Body"] == "It burns"
    assert ticket["DynamicField"] == []
    update = {
        **AGENT,
        "Ticket": {"Title": "Printer (cold)", "PriorityID": 5},
        "Article": {"Subject": "Note", "Body": "Fixed", "MimeType": "text/plain", "Charset": "UTF8"},
    }
    updated = client.patch(f"{BASE}/Ticket/{ticket_id}", json=update).json()
    assert updated["TicketID"] == ticket_id
    assert "ArticleID" in updated
    got = client.get(f"{BASE}/TicketList", params={**AGENT, "TicketID": ticket_id}).json()["Ticket"][0]
    assert (got["Title"], got["Priority"]) == ("Printer (cold)", "5 very high")
    search = client.get(f"{BASE}/Ticket", params={**AGENT, "Title": "Printer*", "Queues": "Raw"}).json()
    assert search == {"TicketID": [ticket_id]}
    assert client.get(f"{BASE}/Ticket", params={**AGENT, "Title": "nothing"}).json() == {}
    history = client.get(f"{BASE}/TicketHistory/{ticket_id}", params=AGENT).json()["TicketHistory"][0]
    assert history["History"][0]["HistoryType"] == "NewTicket"


def test_softoft_routes_include_ticket_data(client: TestClient) -> None:
    body = {
        **AGENT,
        "Ticket": {"Title": "T", "QueueID": 2, "StateID": 1, "PriorityID": 3, "CustomerUser": "cus"},
        "Article": {"Subject": "S", "Body": "B", "ContentType": "text/plain; charset=utf-8"},
    }
    created = client.post(f"{BASE}/ticket-create", json=body).json()
    assert created["Ticket"]["Article"]["Body"] == "B"
    ticket_id = created["TicketID"]
    got = client.post(
        f"{BASE}/ticket-get", json={**AGENT, "TicketID": int(ticket_id), "AllArticles": 1}
    ).json()
    assert got["Ticket"][0]["Queue"] == "Raw"
    updated = client.put(
        f"{BASE}/ticket-update", json={**AGENT, "TicketID": ticket_id, "Ticket": {"Title": "U"}}
    )
    assert updated.json()["Ticket"]["Title"] == "U"
    found = client.post(
        f"{BASE}/ticket-search", json={**AGENT, "Titles": ["U"], "Title": ["U"], "Queues": ["Raw"]}
    )
    assert found.json() == {"TicketID": [ticket_id]}


def test_permissions_refuse_and_change_nothing(client: TestClient) -> None:
    ticket_id = create(client)["TicketID"]
    reader = {"UserLogin": "reader", "Password": PASSWORD}
    refused = client.patch(f"{BASE}/Ticket/{ticket_id}", json={**reader, "Ticket": {"Title": "no"}}).json()
    assert refused["Error"]["ErrorCode"] == "TicketUpdate.AccessDenied"
    sales = {"UserLogin": "sales", "Password": PASSWORD}
    hidden = client.get(f"{BASE}/Ticket/{ticket_id}", params=sales).json()
    assert hidden["Error"]["ErrorCode"] == "TicketGet.AccessDenied"
    assert client.get(f"{BASE}/Ticket", params={**sales, "Title": "*"}).json() == {}
    not_created = create(client, auth=reader)
    assert not_created["Error"]["ErrorCode"] == "TicketCreate.AccessDenied"
    got = client.get(f"{BASE}/Ticket/{ticket_id}", params=AGENT).json()["Ticket"][0]
    assert got["Title"] == "Printer"
    assert client.get(f"{BASE}/Ticket", params={**AGENT, "Title": "*"}).json() == {"TicketID": [ticket_id]}


def test_customers_see_only_their_tickets_and_no_history(client: TestClient) -> None:
    mine = create(client)["TicketID"]
    theirs = create(client, CustomerUser="other")["TicketID"]
    customer = {"CustomerUserLogin": "cus", "Password": PASSWORD}
    assert client.get(f"{BASE}/Ticket", params={**customer, "Title": "*"}).json() == {"TicketID": [mine]}
    denied = client.get(f"{BASE}/Ticket/{theirs}", params=customer).json()
    assert denied["Error"]["ErrorCode"] == "TicketGet.AccessDenied"
    history = client.get(f"{BASE}/TicketHistory/{mine}", params=customer).json()
    assert history["Error"]["ErrorCode"] == "TicketHistoryGet.AuthFail"


def test_attachments_are_checked(client: TestClient) -> None:
    body = {
        **AGENT,
        "Ticket": {
            "Title": "A",
            "Queue": "Raw",
            "State": "new",
            "Priority": "3 normal",
            "CustomerUser": "cus",
        },
        "Article": {"Subject": "S", "Body": "B", "ContentType": "text/plain"},
        "Attachment": {"Content": "not base64!", "ContentType": "text/plain", "Filename": "a.txt"},
    }
    answer = client.post(f"{BASE}/Ticket", json=body).json()
    assert answer["Error"]["ErrorCode"] == "TicketCreate.InvalidParameter"
