"""The customer portal and the REST API show a customer their own tickets and their company's (OTOBO's
CustomerUserIDCheck and CustomerIDCheck); another company's tickets never show and cannot be opened.

Demo: alice and carlos work for Example Corp, lena for Example Labs."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from pages_support import application_of, pages_and_api, start_purchase, visit

from ticketflow.bootstrap import Application
from ticketflow.domain.definitions import Interface


@pytest.fixture
def app(demo_url: str) -> Iterator[FastAPI]:
    built = pages_and_api(demo_url)
    yield built
    application_of(built).close()


@pytest.fixture
def application(app: FastAPI) -> Application:
    return application_of(app)


def test_a_colleague_sees_and_opens_the_companys_tickets(app: FastAPI, application: Application) -> None:
    alices = start_purchase(application, "alice", Title="Monitors for Example Corp")
    carlos = visit(app, "carlos", Interface.CUSTOMER)

    home = carlos.client.get("/customer/")
    zoom = carlos.client.get(f"/customer/tickets/{alices}")

    assert f'href="/customer/tickets/{alices}"' in home.text
    assert "<td>alice</td>" in home.text  # whose request it is
    assert "Your requests and those of your colleagues at example-corp." in home.text
    assert zoom.status_code == 200
    assert "Monitors for Example Corp" in zoom.text


def test_another_companys_tickets_never_show_and_cannot_be_opened(
    app: FastAPI, application: Application
) -> None:
    alices = start_purchase(application, "alice", Title="Monitors for Example Corp")
    lenas = start_purchase(application, "lena", Title="A microscope for the lab")
    lena = visit(app, "lena", Interface.CUSTOMER)
    alice = visit(app, "alice", Interface.CUSTOMER)

    lena_home = lena.client.get("/customer/").text
    alice_home = alice.client.get("/customer/").text

    assert f'href="/customer/tickets/{lenas}"' in lena_home
    assert "Monitors for Example Corp" not in lena_home
    assert "A microscope for the lab" not in alice_home
    assert "<td>me</td>" in alice_home
    for path in (
        f"/customer/tickets/{alices}",
        f"/api/v1/tickets/{alices}",
        f"/api/v1/tickets/{alices}/articles",
    ):
        refused = lena.client.get(path)
        assert refused.status_code == 404, path
        assert "Monitors for Example Corp" not in refused.text


def test_the_rest_search_of_a_customer_merges_own_and_company_tickets_page_by_page(
    app: FastAPI, application: Application
) -> None:
    ids = [
        start_purchase(application, who, Title=f"Request {n}")
        for n, who in enumerate(("alice", "carlos") * 3)
    ]
    start_purchase(application, "lena", Title="Request of the lab")
    carlos = visit(app, "carlos", Interface.CUSTOMER)

    first = carlos.client.get("/api/v1/tickets", params={"limit": 4, "order_by": "id"}).json()
    second = carlos.client.get("/api/v1/tickets", params={"limit": 4, "offset": 4, "order_by": "id"}).json()
    only_alices = carlos.client.get("/api/v1/tickets", params={"customer_user": "alice"}).json()
    other_company = carlos.client.get("/api/v1/tickets", params={"customer_id": "example-labs"}).json()

    assert first["total"] == second["total"] == 6
    assert [t["id"] for t in first["items"] + second["items"]] == ids
    assert {t["customer_user_id"] for t in only_alices["items"]} == {"alice"}
    assert only_alices["total"] == 3
    assert other_company["total"] == 0
