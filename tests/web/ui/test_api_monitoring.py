"""REST monitoring on the demo: purchase requests run through the real use cases, then
``/api/v1/monitoring/…`` answers the numbers per activity (one version or all) and per day."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi import FastAPI
from monitoring_api_support import deploy_second_version
from pages_support import NOW, START_VALUES, application_of, pages_and_api, start_purchase, visit

from ticketflow.domain.definitions import Interface
from ticketflow.usecases import access, dialog_access, principals
from ticketflow.usecases.callers import Caller
from ticketflow.usecases.tickets import TicketInput

URL = "/api/v1/monitoring/processes/purchase-request"


@pytest.fixture
def app(demo_url: str) -> Iterator[FastAPI]:
    built = pages_and_api(demo_url)
    yield built
    application_of(built).close()


def approve(app: FastAPI, ticket_id: int) -> None:
    application = application_of(app)
    principal = principals.load_principal(application.uow, Caller("manager", Interface.AGENT))
    dialog_access.submit_dialog(
        application.uow,
        application.runtime,
        principal,
        ticket_id,
        "decide",
        {"DynamicField_PurchaseApproval": "approved"},
        now=NOW,
    )


def _activity(answer: dict[str, object], key: str) -> dict[str, object]:
    activities = answer["activities"]
    assert isinstance(activities, list)
    return next(a for a in activities if a["key"] == key)


def test_counts_time_spent_and_incidents_per_activity(app: FastAPI) -> None:
    application = application_of(app)
    ids = [start_purchase(application) for _ in range(3)]
    approve(app, ids[0])

    answer = visit(app, "manager").client.get(URL)

    assert answer.status_code == 200
    body = answer.json()
    assert (body["key"], body["name"], body["version"], body["versions"]) == (
        "purchase-request",
        "Purchase request",
        None,
        [1],
    )
    approval = _activity(body, "approval")
    assert (approval["active"], approval["waiting"], approval["failed"], approval["open"]) == (2, 0, 0, 2)
    assert approval["type"] == "user_task"
    assert approval["open_incidents"] == 0
    assert approval["dwell"] == {
        "finished": 1,
        "average_seconds": 0.0,
        "p90_seconds": 0.0,
        "open_visits": 2,
        "oldest_open_since": NOW.isoformat().replace("+00:00", "Z"),
    }
    order = _activity(body, "order")
    assert (order["waiting"], order["open"]) == (1, 1)
    # Activities come in the drawn version's order; every one of them is listed, also empty ones.
    assert [a["key"] for a in body["activities"]][:2] == ["request", "approval"]


def test_one_version_counts_only_its_tickets(app: FastAPI) -> None:
    application = application_of(app)
    start_purchase(application)
    second = deploy_second_version(application)
    start_purchase(application)
    start_purchase(application)
    manager = visit(app, "manager").client

    first = manager.get(URL, params={"version": 1}).json()
    newest = manager.get(URL, params={"version": second}).json()
    together = manager.get(URL).json()

    assert _activity(first, "approval")["open"] == 1
    assert _activity(newest, "approval")["open"] == 2
    assert _activity(together, "approval")["open"] == 3
    assert newest["name"] == "Purchase request (second)"
    assert (together["versions"], together["drawn_version"], first["drawn_version"]) == ([1, 2], 2, 1)


def test_unknown_processes_versions_and_bad_input_are_clear_errors(app: FastAPI) -> None:
    manager = visit(app, "manager").client
    missing = manager.get(URL, params={"version": 7})
    assert missing.status_code == 404
    assert "no version 7" in missing.json()["detail"]
    assert manager.get("/api/v1/monitoring/processes/nothing-here").status_code == 404
    wrong = manager.get(URL, params={"version": "latest"})
    assert wrong.status_code == 422
    assert "version" in wrong.text
    assert manager.get("/api/v1/monitoring/daily", params={"days": 0}).status_code == 422
    assert manager.get("/api/v1/monitoring/daily", params={"process": "nothing-here"}).status_code == 404


def test_customers_may_not_read_monitoring(app: FastAPI) -> None:
    alice = visit(app, "alice", Interface.CUSTOMER)
    assert alice.client.get(URL).status_code == 403
    assert alice.client.get("/api/v1/monitoring/daily").status_code == 403


def test_daily_lists_every_day_with_its_starts(app: FastAPI) -> None:
    application = application_of(app)
    today = datetime.now(UTC)
    principal = principals.load_principal(application.uow, Caller("alice", Interface.CUSTOMER))
    for _ in range(2):
        access.create_ticket(
            application.uow,
            application.runtime,
            principal,
            TicketInput(),
            now=today,
            process_key="purchase-request",
            start_values=START_VALUES,
        )
    manager = visit(app, "manager").client

    answer = manager.get("/api/v1/monitoring/daily", params={"process": "purchase-request", "days": 3})

    assert answer.status_code == 200
    body = answer.json()
    assert (body["process"], body["time_zone"]) == ("purchase-request", "UTC")  # the default setting
    days = [d["day"] for d in body["days"]]
    expected = [(today.date() - timedelta(days=n)).isoformat() for n in (2, 1, 0)]
    assert days == expected
    assert body["days"][-1] == {"day": expected[-1], "started": 2, "completed": 0, "failed": 0}
    everything = manager.get("/api/v1/monitoring/daily").json()
    assert everything["process"] is None
    assert len(everything["days"]) == 30
    assert everything["days"][-1]["started"] == 2


def test_the_openapi_document_describes_the_answers(app: FastAPI) -> None:
    schema = visit(app, "manager").client.get("/openapi.json").json()
    assert "/api/v1/monitoring/processes/{key}" in schema["paths"]
    assert "/api/v1/monitoring/daily" in schema["paths"]
    assert {"ProcessMonitoringOut", "ActivityOut", "DwellOut", "DailyOut"} <= schema["components"][
        "schemas"
    ].keys()
