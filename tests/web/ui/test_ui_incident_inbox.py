"""The incidents inbox: filters, who sees which incident, Retry and Resolve from the page, and refused
requests that change nothing."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from pages_support import NOW, Visitor, application_of, pages_and_api, start_purchase, visit

from ticketflow.domain.definitions import Interface
from ticketflow.usecases import dialog_access, principals
from ticketflow.usecases.callers import Caller
from ticketflow.usecases.job_records import Incident, IncidentStatus, NewIncident


@pytest.fixture
def app(demo_url: str) -> Iterator[FastAPI]:
    built = pages_and_api(demo_url)
    yield built
    application_of(built).close()


@pytest.fixture
def incident_id(app: FastAPI) -> int:
    """A purchase request approved by the manager (now in Purchasing, waiting at the order) whose ERP
    job gave up with an incident."""
    application = application_of(app)
    ticket_id = start_purchase(application)
    manager = principals.load_principal(application.uow, Caller("manager", Interface.AGENT))
    dialog_access.submit_dialog(
        application.uow,
        application.runtime,
        manager,
        ticket_id,
        "decide",
        {"DynamicField_PurchaseApproval": "approved"},
        now=NOW,
    )
    with application.uow() as uow:
        job = uow.jobs.list_jobs(ticket_id)[0]
        opened = uow.incidents.open(
            NewIncident(
                job.id, ticket_id, job.kind, "activity:order", "ERP answered 503", "Service down", NOW
            )
        )
        uow.commit()
    return opened


def _incident(app: FastAPI, incident_id: int) -> Incident:
    with application_of(app).uow() as uow:
        found = uow.incidents.find(incident_id)
    assert found is not None
    return found


def _post(visitor: Visitor, path: str, **values: str) -> int:
    return visitor.client.post(path, data=visitor.form(values)).status_code


def test_the_inbox_lists_the_incident_with_its_ticket_step_error_attempts_and_response(
    app: FastAPI, incident_id: int
) -> None:
    page = visit(app, "buyer").client.get("/agent/incidents")
    assert page.status_code == 200
    card = page.text.split(f'id="incident-{incident_id}"', 1)[1].split("</article>", 1)[0]
    assert "Ticket 20250303" in card
    assert '<a href="/agent/monitoring/purchase-request">purchase-request</a> · order' in card
    assert "activity:order" in card
    assert '<dd class="form-error">ERP answered 503</dd>' in card
    assert '<pre class="response">Service down</pre>' in card
    assert f'action="/agent/incidents/{incident_id}/retry"' in card


@pytest.mark.parametrize(
    ("query", "shown"),
    [
        ({"process": "purchase-request"}, True),
        ({"process": "employee-onboarding"}, False),
        ({"process": "purchase-request", "activity": "order"}, True),
        ({"activity": "approval"}, False),
        ({"error": "answered 5"}, True),
        ({"error": "timeout"}, False),
    ],
)
def test_filters_by_process_activity_and_error_text(
    app: FastAPI, incident_id: int, query: dict[str, str], shown: bool
) -> None:
    page = visit(app, "buyer").client.get("/agent/incidents", params=query)
    assert page.status_code == 200
    assert (f'id="incident-{incident_id}"' in page.text) is shown


def test_an_agent_who_cannot_read_the_queue_sees_nothing_and_cannot_act(
    app: FastAPI, incident_id: int
) -> None:
    mailroom = visit(app, "mailroom")
    assert f'id="incident-{incident_id}"' not in mailroom.client.get("/agent/incidents").text
    assert _post(mailroom, f"/agent/incidents/{incident_id}/retry") == 404
    assert _post(mailroom, f"/agent/incidents/{incident_id}/resolve", note="done by hand") == 404
    assert _incident(app, incident_id).status is IncidentStatus.OPEN


def test_a_reader_without_write_permission_sees_it_but_is_refused(app: FastAPI, incident_id: int) -> None:
    manager = visit(app, "manager")  # Purchasing: ro + note only
    assert f'id="incident-{incident_id}"' in manager.client.get("/agent/incidents").text
    with application_of(app).uow() as uow:
        job_before = uow.jobs.find(_incident(app, incident_id).job_id)
    assert _post(manager, f"/agent/incidents/{incident_id}/retry") == 403
    assert _post(manager, f"/agent/incidents/{incident_id}/resolve", note="done by hand") == 403
    assert _incident(app, incident_id).status is IncidentStatus.OPEN
    with application_of(app).uow() as uow:
        assert uow.jobs.find(_incident(app, incident_id).job_id) == job_before


def test_a_form_without_the_csrf_token_is_refused(app: FastAPI, incident_id: int) -> None:
    buyer = visit(app, "buyer")
    answer = buyer.client.post(f"/agent/incidents/{incident_id}/retry", data={})
    assert answer.status_code == 403
    assert _incident(app, incident_id).status is IncidentStatus.OPEN


def test_the_buyer_retries_from_the_page_and_the_job_is_queued_again(app: FastAPI, incident_id: int) -> None:
    buyer = visit(app, "buyer")
    answer = buyer.client.post(
        f"/agent/incidents/{incident_id}/retry",
        data=buyer.form({"back": "/agent/incidents?process=purchase-request", "note": "ERP is back"}),
    )
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/agent/incidents?process=purchase-request&notice=")
    closed = _incident(app, incident_id)
    assert (closed.status, closed.closed_by, closed.note) == (IncidentStatus.RETRIED, "buyer", "ERP is back")
    with application_of(app).uow() as uow:
        assert uow.jobs.find(closed.job_id).status.value == "queued"  # type: ignore[union-attr]
    page = buyer.client.get(answer.headers["location"])
    assert f"Incident {incident_id} queued again" in page.text
    assert f'id="incident-{incident_id}"' not in page.text  # no longer open


def test_resolve_needs_a_note_naming_the_field_then_closes_the_incident(
    app: FastAPI, incident_id: int
) -> None:
    buyer = visit(app, "buyer")
    refused = buyer.client.post(f"/agent/incidents/{incident_id}/resolve", data=buyer.form({"note": "  "}))
    assert refused.status_code == 400
    assert "note: say how the incident was resolved" in refused.text
    assert _incident(app, incident_id).status is IncidentStatus.OPEN
    done = _post(buyer, f"/agent/incidents/{incident_id}/resolve", note="Ordered by phone")
    assert done == 303
    closed = _incident(app, incident_id)
    assert (closed.status, closed.note) == (IncidentStatus.RESOLVED, "Ordered by phone")


def test_an_administrator_sees_and_acts_on_every_incident(app: FastAPI, incident_id: int) -> None:
    admin = visit(app, "root@localhost")
    assert f'id="incident-{incident_id}"' in admin.client.get("/agent/incidents").text
    assert _post(admin, f"/agent/incidents/{incident_id}/resolve", note="closed by admin") == 303
    assert _incident(app, incident_id).status is IncidentStatus.RESOLVED


def test_the_monitoring_page_shows_the_incident_badge_on_its_activity(app: FastAPI, incident_id: int) -> None:
    page = visit(app, "manager").client.get("/agent/monitoring/purchase-request")
    box = page.text.split('data-key="order"', 1)[1].split("</g>\n  <", 1)[0]
    assert 'class="activity service-task incident"' in page.text
    assert '<g class="badge incident">' in page.text
    assert "1 open incident: open the inbox" in box
    assert '<a href="/agent/incidents?process=purchase-request&amp;activity=order"' in page.text
