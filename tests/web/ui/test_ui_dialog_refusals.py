"""An activity dialog's required permission and required lock, enforced on every route that reaches
it: the REST API, the agent dialog form (GET and POST) and the customer portal. Each refusal is clear
(403 naming the reason, 404 for what is not offered) and changes nothing — not the ticket, not its
history, not its jobs.

The demo's purchase request waits at "Manager approval" in queue Management; its dialog ``decide``
needs ``rw`` and the ticket lock (people: pages_support)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from pages_support import application_of, lock_for, pages_and_api, start_purchase, stored, visit

from ticketflow.bootstrap import Application
from ticketflow.domain.definitions import Interface

DECISION = {"DynamicField_PurchaseApproval": "approved", "Subject": "", "Body": ""}


@pytest.fixture
def app(demo_url: str) -> Iterator[FastAPI]:
    built = pages_and_api(demo_url)
    yield built
    application_of(built).close()


@pytest.fixture
def application(app: FastAPI) -> Application:
    return application_of(app)


DIALOG = "/agent/tickets/{id}/dialogs/decide"
API_DIALOG = "/api/v1/tickets/{id}/dialogs/decide"


def test_without_the_dialogs_permission_the_form_and_its_submit_are_refused(
    app: FastAPI, application: Application
) -> None:
    ticket_id = start_purchase(application)
    deputy = visit(app, "deputy")
    before = stored(application, ticket_id)

    zoom = deputy.client.get(f"/agent/tickets/{ticket_id}")
    page = deputy.client.get(DIALOG.format(id=ticket_id))
    posted = deputy.client.post(DIALOG.format(id=ticket_id), data=deputy.form(DECISION))

    assert zoom.status_code == 200  # ro: the deputy reads the ticket …
    assert DIALOG.format(id=ticket_id) not in zoom.text  # … but is not offered the dialog
    for refused in (page, posted):
        assert refused.status_code == 403
        assert "needs the &#39;rw&#39; permission on the ticket" in refused.text
    assert stored(application, ticket_id) == before


def test_without_the_dialogs_permission_the_rest_api_refuses_and_changes_nothing(
    app: FastAPI, application: Application
) -> None:
    ticket_id = start_purchase(application)
    deputy = visit(app, "deputy")
    before = stored(application, ticket_id)

    offered = deputy.client.get(f"/api/v1/tickets/{ticket_id}/dialogs")
    refused = deputy.client.post(
        API_DIALOG.format(id=ticket_id),
        json={"values": {"DynamicField_PurchaseApproval": "approved"}},
        headers=deputy.api_headers,
    )

    assert offered.status_code == 200
    assert offered.json() == []
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert "needs the 'rw' permission" in refused.json()["detail"]
    assert stored(application, ticket_id) == before


def test_a_ticket_locked_by_someone_else_refuses_the_lock_requiring_dialog(
    app: FastAPI, application: Application
) -> None:
    ticket_id = start_purchase(application)
    lock_for(application, ticket_id, "manager")
    second = visit(app, "second")
    before = stored(application, ticket_id)

    page = second.client.get(DIALOG.format(id=ticket_id))
    posted = second.client.post(DIALOG.format(id=ticket_id), data=second.form(DECISION))
    api = second.client.post(
        API_DIALOG.format(id=ticket_id),
        json={"values": {"DynamicField_PurchaseApproval": "approved"}},
        headers=second.api_headers,
    )

    for refused in (page, posted):
        assert refused.status_code == 403
        assert "needs the ticket lock, and the ticket is locked by &#39;manager&#39;" in refused.text
    assert api.status_code == 403
    assert "locked by 'manager'" in api.json()["detail"]
    assert stored(application, ticket_id) == before


def test_the_lock_holder_may_submit_the_lock_requiring_dialog(app: FastAPI, application: Application) -> None:
    ticket_id = start_purchase(application)
    lock_for(application, ticket_id, "manager")
    manager = visit(app, "manager")

    page = manager.client.get(DIALOG.format(id=ticket_id))
    posted = manager.client.post(DIALOG.format(id=ticket_id), data=manager.form(DECISION))

    assert page.status_code == 200
    assert posted.status_code == 303
    assert stored(application, ticket_id).ticket.dynamic_fields["PurchaseApproval"] == "approved"


def test_a_customer_is_never_offered_an_agent_dialog(app: FastAPI, application: Application) -> None:
    ticket_id = start_purchase(application)
    alice = visit(app, "alice", Interface.CUSTOMER)
    before = stored(application, ticket_id)
    path = f"/customer/tickets/{ticket_id}/dialogs/decide"

    page = alice.client.get(path)
    posted = alice.client.post(path, data=alice.form(DECISION))
    api = alice.client.post(
        API_DIALOG.format(id=ticket_id),
        json={"values": {"DynamicField_PurchaseApproval": "approved"}},
        headers=alice.api_headers,
    )
    agent_page = alice.client.get(DIALOG.format(id=ticket_id))

    for refused in (page, posted):
        assert refused.status_code == 404
        assert "is not offered on ticket" in refused.text
    assert api.status_code == 422, api.text
    assert "does not belong to the ticket's current activity" in api.text
    assert agent_page.status_code == 303  # the agent page sends a customer to the agent sign-in
    assert stored(application, ticket_id) == before


def test_a_customer_of_another_company_can_neither_open_nor_submit(
    app: FastAPI, application: Application
) -> None:
    ticket_id = start_purchase(application)
    lena = visit(app, "lena", Interface.CUSTOMER)  # Example Labs; the ticket is Example Corp's
    before = stored(application, ticket_id)

    zoom = lena.client.get(f"/customer/tickets/{ticket_id}")
    posted = lena.client.post(f"/customer/tickets/{ticket_id}/dialogs/decide", data=lena.form(DECISION))
    api = lena.client.get(f"/api/v1/tickets/{ticket_id}")

    assert zoom.status_code == 404
    assert posted.status_code == 404
    assert api.status_code == 404
    assert "Two monitors" not in zoom.text + posted.text + api.text
    assert stored(application, ticket_id) == before
