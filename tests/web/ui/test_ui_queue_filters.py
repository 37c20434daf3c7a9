"""The queue view filters by attributes and by dynamic-field values, like the REST search; with htmx
it answers only the results, without JavaScript the same URL is the whole page; bad filters are
refused naming the parameter."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from pages_support import application_of, pages_and_api, start_purchase, visit

from ticketflow.bootstrap import Application

HTMX = {"HX-Request": "true", "HX-Target": "queue-results"}


@pytest.fixture
def app(demo_url: str) -> Iterator[FastAPI]:
    built = pages_and_api(demo_url)
    yield built
    application_of(built).close()


@pytest.fixture
def application(app: FastAPI) -> Application:
    return application_of(app)


def test_dynamic_field_filters_find_matching_tickets_only(app: FastAPI, application: Application) -> None:
    start_purchase(application, Title="Monitors", DynamicField_PurchaseCategory="hardware")
    start_purchase(application, Title="Licences", DynamicField_PurchaseCategory="software")
    manager = visit(app, "manager")

    software = manager.client.get("/agent/queue", params={"DynamicField_PurchaseCategory": "software"})
    both = manager.client.get(
        "/agent/queue",
        params={
            "DynamicField_PurchaseCategory": "hardware",
            "DynamicField_PurchaseItems": "2 x 27-inch monitor",
        },
    )
    api = manager.client.get("/api/v1/tickets", params={"field": "PurchaseCategory:software"}).json()

    assert software.status_code == 200
    assert "Licences" in software.text
    assert "Monitors" not in software.text
    assert "1 ticket(s)." in software.text
    assert "Monitors" in both.text
    assert "Licences" not in both.text
    assert [t["title"] for t in api["items"]] == ["Licences"]  # the same answer as the REST search
    # The filter stays selected, the advanced filters are open, and sort links keep it.
    assert '<option value="software" selected>Software</option>' in software.text
    assert '<details class="more-filters" open>' in software.text
    assert "DynamicField_PurchaseCategory=software&amp;sort=title" in software.text


def test_attribute_filters_owner_process_and_status(app: FastAPI, application: Application) -> None:
    start_purchase(application, Title="Monitors")
    manager = visit(app, "manager")

    in_process = manager.client.get(
        "/agent/queue", params={"process": "purchase-request", "activity": "approval"}
    )
    other_process = manager.client.get("/agent/queue", params={"process": "change-request"})
    owned = manager.client.get("/agent/queue", params={"owner": "manager"})  # the process assigns it
    others = manager.client.get("/agent/queue", params={"owner": "buyer"})

    assert "Monitors" in in_process.text
    assert "Monitors" not in other_process.text
    assert "Monitors" in owned.text
    assert "Monitors" not in others.text


def test_htmx_gets_only_the_results_and_the_title(app: FastAPI, application: Application) -> None:
    start_purchase(application, Title="Monitors")
    manager = visit(app, "manager")

    whole = manager.client.get("/agent/queue", params={"queue": "Management"})
    part = manager.client.get("/agent/queue", params={"queue": "Management"}, headers=HTMX)

    assert '<form method="get" action="/agent/queue"' in whole.text  # no JavaScript: a whole page
    assert "<html" in whole.text
    assert part.status_code == 200
    assert "<html" not in part.text
    assert "<form" not in part.text
    assert part.text.lstrip().startswith('<h1 id="queue-title" hx-swap-oob="true">Queue Management</h1>')
    assert '<section id="queue-results"' in part.text
    assert "Monitors" in part.text


def test_bad_filters_are_refused_naming_the_parameter(app: FastAPI, application: Application) -> None:
    manager = visit(app, "manager")

    unknown = manager.client.get("/agent/queue", params={"DynamicField_NoSuchField": "x"})
    date = manager.client.get("/agent/queue", params={"DynamicField_PurchaseNeededBy": "2025-03-31"})
    status = manager.client.get("/agent/queue", params={"process_status": "sleeping"})

    assert unknown.status_code == 400
    assert "DynamicField_NoSuchField: is not a dynamic field that can be searched" in unknown.text
    assert date.status_code == 400
    assert status.status_code == 400
    assert "process_status: &#39;sleeping&#39; is not a process status" in status.text
