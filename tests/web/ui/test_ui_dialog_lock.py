"""Taking OTOBO's required lock through the pages and the REST API: opening the demo's ``decide``
form on the unlocked purchase request locks it to the agent, who becomes its owner, and the page says
so; a REST submit (API clients never open a form) takes it too; whoever comes second is refused and
nothing changes.

People (pages_support): ``manager`` owns the request at "Manager approval"; ``second`` writes queue
Management like the manager but does not own the ticket."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from pages_support import application_of, pages_and_api, start_purchase, stored, visit

from ticketflow.bootstrap import Application

DECISION = {"DynamicField_PurchaseApproval": "approved", "Subject": "", "Body": ""}
DIALOG = "/agent/tickets/{id}/dialogs/decide"
API_DIALOG = "/api/v1/tickets/{id}/dialogs/decide"
NOTICE = "The ticket is now locked to you"


@pytest.fixture
def app(demo_url: str) -> Iterator[FastAPI]:
    built = pages_and_api(demo_url)
    yield built
    application_of(built).close()


@pytest.fixture
def application(app: FastAPI) -> Application:
    return application_of(app)


def test_opening_the_form_locks_the_ticket_to_the_agent_and_says_so(
    app: FastAPI, application: Application
) -> None:
    ticket_id = start_purchase(application)
    before = stored(application, ticket_id)
    assert (before.ticket.lock, before.ticket.owner) == ("unlock", "manager")
    second = visit(app, "second")

    page = second.client.get(DIALOG.format(id=ticket_id))

    after = stored(application, ticket_id)
    assert page.status_code == 200
    assert NOTICE in page.text
    assert (after.ticket.lock, after.ticket.owner) == ("lock", "second")
    new = [(h.history_type, h.name, h.created_by) for h in after.history[len(before.history) :]]
    assert new == [("OwnerUpdate", "%%second", "second"), ("Lock", "%%lock", "second")]
    assert after.jobs == before.jobs
    # The form carries the version after the lock, so that its submit is not taken for a conflict.
    assert f'name="version" value="{after.ticket.version}"' in page.text


def test_the_zoom_panel_takes_the_notice_along_with_the_form(app: FastAPI, application: Application) -> None:
    ticket_id = start_purchase(application)
    manager = visit(app, "manager")

    panel = manager.client.get(DIALOG.format(id=ticket_id), headers={"HX-Request": "true"})
    again = manager.client.get(DIALOG.format(id=ticket_id), headers={"HX-Request": "true"})

    assert panel.status_code == 200
    assert panel.headers["HX-Reselect"] == ".lock-notice, .dialog-form"
    assert 'class="notice lock-notice"' in panel.text
    # Already the lock holder: nothing is taken, nothing is said.
    assert again.status_code == 200
    assert "HX-Reselect" not in again.headers
    assert NOTICE not in again.text


def test_the_opened_form_submits_and_the_process_moves_on(app: FastAPI, application: Application) -> None:
    ticket_id = start_purchase(application)
    second = visit(app, "second")
    second.client.get(DIALOG.format(id=ticket_id))
    version = stored(application, ticket_id).ticket.version

    posted = second.client.post(
        DIALOG.format(id=ticket_id), data=second.form({**DECISION, "version": str(version)})
    )

    after = stored(application, ticket_id)
    assert posted.status_code == 303
    assert after.ticket.dynamic_fields["PurchaseApproval"] == "approved"
    assert after.ticket.process is not None
    assert after.ticket.process.activity_key != "approval"


def test_a_rest_submit_takes_the_lock_within_the_submit(app: FastAPI, application: Application) -> None:
    ticket_id = start_purchase(application)
    before = stored(application, ticket_id)
    second = visit(app, "second")

    answer = second.client.post(
        API_DIALOG.format(id=ticket_id),
        json={"values": {"DynamicField_PurchaseApproval": "approved"}},
        headers=second.api_headers,
    )

    after = stored(application, ticket_id)
    assert answer.status_code == 200, answer.text
    new = [(h.history_type, h.name, h.created_by) for h in after.history[len(before.history) :]]
    assert new[:3] == [
        ("OwnerUpdate", "%%second", "second"),
        ("Lock", "%%lock", "second"),
        ("ActivityDialogSubmit", "%%decide%%Approve or reject", "second"),
    ]
    assert after.ticket.dynamic_fields["PurchaseApproval"] == "approved"


def test_whoever_comes_second_is_refused_and_nothing_changes(app: FastAPI, application: Application) -> None:
    ticket_id = start_purchase(application)
    second = visit(app, "second")
    manager = visit(app, "manager")
    second.client.get(DIALOG.format(id=ticket_id))
    before = stored(application, ticket_id)

    page = manager.client.get(DIALOG.format(id=ticket_id))
    posted = manager.client.post(DIALOG.format(id=ticket_id), data=manager.form(DECISION))
    api = manager.client.post(
        API_DIALOG.format(id=ticket_id),
        json={"values": {"DynamicField_PurchaseApproval": "approved"}},
        headers=manager.api_headers,
    )
    offered = manager.client.get(f"/api/v1/tickets/{ticket_id}/dialogs")

    for refused in (page, posted):
        assert refused.status_code == 403
        assert "locked by &#39;second&#39;" in refused.text
    assert api.status_code == 403
    assert "locked by 'second'" in api.json()["detail"]
    assert offered.json() == []
    assert stored(application, ticket_id) == before
