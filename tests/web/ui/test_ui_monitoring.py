"""Monitoring pages on the demo: purchase requests run through the real use cases, then the process's
monitoring page shows the counts on the diagram and in the table, the tickets behind a count, the
per-day charts, and the ticket zoom marks the path a ticket took."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from pages_support import NOW, application_of, pages_and_api, start_purchase, visit

from ticketflow.domain.definitions import Interface
from ticketflow.usecases import dialog_access, principals
from ticketflow.usecases.callers import Caller


@pytest.fixture
def app(demo_url: str) -> Iterator[FastAPI]:
    built = pages_and_api(demo_url)
    yield built
    application_of(built).close()


def decide(app: FastAPI, ticket_id: int, decision: str) -> None:
    application = application_of(app)
    principal = principals.load_principal(application.uow, Caller("manager", Interface.AGENT))
    dialog_access.submit_dialog(
        application.uow,
        application.runtime,
        principal,
        ticket_id,
        "decide",
        {"DynamicField_PurchaseApproval": decision},
        now=NOW,
    )


@pytest.fixture
def purchases(app: FastAPI) -> dict[str, int]:
    """Three requests waiting at the approval, one approved (waiting at the order), one rejected."""
    application = application_of(app)
    ids = [start_purchase(application) for _ in range(5)]
    decide(app, ids[3], "approved")
    decide(app, ids[4], "rejected")
    return {"waiting": ids[0], "approved": ids[3], "rejected": ids[4]}


def _badge(html: str, activity: str) -> str:
    """The text of the first badge on ``activity``'s box."""
    box = html.split(f'data-key="{activity}"', 1)[1].split("</g>\n  ", 1)[0]
    found = re.search(r'<g class="badge info">.*?<text[^>]*>([^<]+)</text>', box, re.S)
    assert found, f"no badge on {activity}"
    return found.group(1)


def test_the_process_page_shows_live_counts_on_the_diagram_and_in_the_table(
    app: FastAPI, purchases: dict[str, int]
) -> None:
    page = visit(app, "manager").client.get("/agent/monitoring/purchase-request")

    assert page.status_code == 200
    assert "<title>Monitoring: Purchase request · ticketflow</title>" in page.text
    assert _badge(page.text, "approval") == "3"
    assert _badge(page.text, "order") == "1"
    assert '<a href="/agent/monitoring/purchase-request/tickets?activity=approval">' in page.text
    row = page.text.split('<tr data-activity="approval">', 1)[1].split("</tr>", 1)[0]
    assert ">3</a></td>" in row
    assert "<td>3 / 0 / 0</td>" in row
    # The two decided tickets left the approval: two ended visits (same clock: 0 s each).
    assert "<td>2</td><td>0 s</td><td>0 s</td>" in row
    assert "time spent: average 0 s, p90 0 s over 2 ended visits" in page.text
    order = page.text.split('<tr data-activity="order">', 1)[1].split("</tr>", 1)[0]
    assert "<td>0 / 1 / 0</td>" in order


def test_a_count_links_to_the_tickets_there_that_the_agent_may_see(
    app: FastAPI, purchases: dict[str, int]
) -> None:
    manager = visit(app, "manager").client
    listed = manager.get("/agent/monitoring/purchase-request/tickets", params={"activity": "approval"})
    assert listed.status_code == 200
    assert listed.text.count('<a href="/agent/tickets/') == 3
    assert f'<a href="/agent/tickets/{purchases["waiting"]}">' in listed.text
    # The mail room reads none of these queues: the numbers are there, the tickets are not.
    mailroom = visit(app, "mailroom").client
    hidden = mailroom.get("/agent/monitoring/purchase-request/tickets", params={"activity": "approval"})
    assert hidden.status_code == 200
    assert '<a href="/agent/tickets/' not in hidden.text


def test_a_version_that_was_never_deployed_is_not_found(app: FastAPI) -> None:
    manager = visit(app, "manager").client
    assert manager.get("/agent/monitoring/purchase-request", params={"version": 99}).status_code == 404
    unknown = manager.get("/agent/monitoring/no-such-process")
    assert unknown.status_code == 404
    assert "process &#39;no-such-process&#39; does not exist" in unknown.text
    assert manager.get("/agent/monitoring/purchase-request", params={"days": 0}).status_code == 422
    refused = manager.get("/agent/monitoring/purchase-request", params={"version": "latest"})
    assert refused.status_code == 400
    assert "version: &#39;latest&#39; is not a version number" in refused.text


def test_the_selector_s_all_versions_sends_an_empty_version(app: FastAPI, purchases: dict[str, int]) -> None:
    page = visit(app, "manager").client.get("/agent/monitoring/purchase-request?version=&days=30")
    assert page.status_code == 200
    assert "All versions (drawn as the latest)" in page.text
    assert _badge(page.text, "approval") == "3"


def test_one_version_and_the_chart_of_started_completed_failed(
    app: FastAPI, purchases: dict[str, int]
) -> None:
    page = visit(app, "manager").client.get("/agent/monitoring/purchase-request", params={"version": 1})
    assert page.status_code == 200
    assert '<option value="1" selected>Version 1</option>' in page.text
    # Tickets were made at the demo clock (2025): outside the chart's last 30 days of today.
    assert "In 30 days: 0 started, 0 completed, 0 failed." in page.text
    assert page.text.count('<tr><th scope="row">') == 30


def test_the_overview_lists_deployed_processes_with_the_chart_of_all(app: FastAPI) -> None:
    page = visit(app, "buyer").client.get("/agent/monitoring", params={"days": 7})
    assert page.status_code == 200
    assert '<a href="/agent/monitoring/purchase-request">Purchase request</a>' in page.text
    title = "All processes: started, completed and failed per day (UTC), last 7 days"
    assert f'<title id="all-processes-chart-title">{title}</title>' in page.text
    assert '<h2 id="chart-heading">All processes, last 7 days (UTC)</h2>' in page.text  # whose days
    assert 'href="/agent/monitoring">Monitoring</a>' in page.text  # in the navigation


def test_customers_are_sent_to_the_agent_sign_in(app: FastAPI) -> None:
    alice = visit(app, "alice", Interface.CUSTOMER).client
    answer = alice.get("/agent/monitoring/purchase-request")
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/sign-in")


def test_the_zoom_marks_the_path_the_ticket_took(app: FastAPI, purchases: dict[str, int]) -> None:
    zoom = visit(app, "buyer").client.get(f"/agent/tickets/{purchases['approved']}")
    assert zoom.status_code == 200
    visited = set(re.findall(r'class="activity [a-z-]+ visited" data-key="([^"]+)"', zoom.text))
    # request → approval → prepare-order (script task, passed within the step) → order (waiting now)
    assert visited == {"request", "approval", "prepare-order"}
    assert 'class="activity service-task current" data-key="order"' in zoom.text
    arrows = set(re.findall(r'class="transition(?: error)? visited" data-key="([^"]+)"', zoom.text))
    assert arrows == {"request-submitted", "approved", "order-prepared"}


def test_the_admin_process_page_links_to_its_monitoring(app: FastAPI) -> None:
    page = visit(app, "root@localhost").client.get("/agent/admin/processes/purchase-request")
    assert page.status_code == 200
    assert '<a href="/agent/monitoring/purchase-request">Monitoring</a>' in page.text
