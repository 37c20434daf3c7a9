"""Dialog fields checked when left (htmx): the field is answered again with the error the submit would
show, or without one, and nothing is stored; the check is refused like the form itself. Without
JavaScript the fields carry only inert ``hx-*`` attributes and the submit checks everything."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from pages_support import START_VALUES, application_of, pages_and_api, start_purchase, stored, visit

from ticketflow.bootstrap import Application
from ticketflow.domain.definitions import Interface

DECIDE = "/agent/tickets/{id}/dialogs/decide"


def htmx(field: str) -> dict[str, str]:
    return {"HX-Request": "true", "HX-Trigger-Name": field}


@pytest.fixture
def app(demo_url: str) -> Iterator[FastAPI]:
    built = pages_and_api(demo_url)
    yield built
    application_of(built).close()


@pytest.fixture
def application(app: FastAPI) -> Application:
    return application_of(app)


def test_the_form_asks_htmx_to_check_each_field_when_changed(app: FastAPI, application: Application) -> None:
    ticket_id = start_purchase(application)
    page = visit(app, "manager").client.get(DECIDE.format(id=ticket_id))

    check = DECIDE.format(id=ticket_id) + "/check"
    described = "f-DynamicField_PurchaseApproval-hint f-DynamicField_PurchaseApproval-feedback"
    assert f'aria-describedby="{described}" hx-post="{check}"' in page.text
    feedback = "#f-DynamicField_PurchaseApproval-feedback"
    assert f'hx-target="{feedback}" hx-select="{feedback}" hx-swap="outerHTML"' in page.text
    assert '<script src="/static/htmx/htmx-2.0.11.min.js" defer></script>' in page.text


def test_a_missing_mandatory_value_is_shown_beside_the_field_and_nothing_is_stored(
    app: FastAPI, application: Application
) -> None:
    ticket_id = start_purchase(application)
    manager = visit(app, "manager")
    before = stored(application, ticket_id)
    path = DECIDE.format(id=ticket_id) + "/check"

    empty = manager.client.post(
        path,
        data=manager.form({"DynamicField_PurchaseApproval": ""}),
        headers=htmx("DynamicField_PurchaseApproval"),
    )
    chosen = manager.client.post(
        path,
        data=manager.form({"DynamicField_PurchaseApproval": "approved"}),
        headers=htmx("DynamicField_PurchaseApproval"),
    )

    assert empty.status_code == 200  # htmx swaps only successful answers
    assert empty.text.lstrip().startswith('<div class="field has-error">')
    assert "Manager decision: is mandatory</p>" in empty.text
    assert "<html" not in empty.text
    assert 'class="field-error"' not in chosen.text
    assert '<option value="approved" selected>' in chosen.text  # what was chosen stays chosen
    assert stored(application, ticket_id) == before


def test_a_start_form_field_is_checked_like_the_start(app: FastAPI, application: Application) -> None:
    alice = visit(app, "alice", Interface.CUSTOMER)
    path = "/customer/processes/purchase-request/start/check"

    bad = alice.client.post(
        path,
        data=alice.form({**START_VALUES, "DynamicField_PurchaseNeededBy": "next week"}),
        headers=htmx("DynamicField_PurchaseNeededBy"),
    )
    other = alice.client.post(
        path,
        data=alice.form({**START_VALUES, "DynamicField_PurchaseNeededBy": "next week"}),
        headers=htmx("DynamicField_PurchaseItems"),
    )

    assert bad.status_code == 200
    assert "is not a date" in bad.text
    assert 'class="field-error"' not in other.text  # only the field that was left is judged
    assert alice.client.get("/customer/").text.count("/customer/tickets/") == 0


def test_a_check_is_refused_like_the_form(app: FastAPI, application: Application) -> None:
    ticket_id = start_purchase(application)
    deputy = visit(app, "deputy")  # may read the ticket, not submit its dialog
    path = DECIDE.format(id=ticket_id) + "/check"

    refused = deputy.client.post(
        path,
        data=deputy.form({"DynamicField_PurchaseApproval": ""}),
        headers=htmx("DynamicField_PurchaseApproval"),
    )
    without_csrf = visit(app, "manager").client.post(
        path, data={"DynamicField_PurchaseApproval": ""}, headers=htmx("DynamicField_PurchaseApproval")
    )
    manager = visit(app, "manager")
    unknown = manager.client.post(path, data=manager.form({}), headers=htmx("NoSuchField"))

    # htmx gets every refusal as a page to show in place of the main content (it swaps only 2xx).
    for answer in (refused, without_csrf, unknown):
        assert answer.status_code == 200
        assert answer.headers["HX-Retarget"] == "#main"
    assert "<title>Not allowed · ticketflow</title>" in refused.text
    assert "(CSRF)" in without_csrf.text
    assert "<title>Not found · ticketflow</title>" in unknown.text


def test_a_dialog_sent_from_the_zoom_panel_answers_its_errors_into_the_panel(
    app: FastAPI, application: Application
) -> None:
    ticket_id = start_purchase(application)
    manager = visit(app, "manager")
    path = DECIDE.format(id=ticket_id)
    zoom = manager.client.get(f"/agent/tickets/{ticket_id}")
    data = manager.form({"DynamicField_PurchaseApproval": "", "Subject": "", "Body": ""})

    from_panel = manager.client.post(
        path, data=data, headers={"HX-Request": "true", "HX-Target": "process-widget"}
    )
    plain = manager.client.post(path, data=data)

    assert 'id="process-widget"' in zoom.text
    assert f'hx-get="{path}" hx-target="#dialog-panel" hx-select=".dialog-form"' in zoom.text
    assert from_panel.status_code == 200  # htmx swaps only successful answers …
    assert from_panel.headers["HX-Retarget"] == "#dialog-panel"  # … into the panel, not the widget
    assert from_panel.headers["HX-Reselect"] == ".dialog-form"
    assert "Manager decision: is mandatory" in from_panel.text
    assert plain.status_code == 422  # without JavaScript: the form page with its errors
    assert "HX-Retarget" not in plain.headers


def test_a_refused_htmx_request_shows_the_refusal_in_place_of_the_main_content(
    app: FastAPI, application: Application
) -> None:
    ticket_id = start_purchase(application)
    deputy = visit(app, "deputy")  # may read the ticket, not submit its dialog
    path = DECIDE.format(id=ticket_id)
    data = deputy.form({"DynamicField_PurchaseApproval": "approved", "Subject": "", "Body": ""})
    before = stored(application, ticket_id)

    from_panel = deputy.client.post(
        path, data=data, headers={"HX-Request": "true", "HX-Target": "process-widget"}
    )
    plain = deputy.client.post(path, data=data)

    assert from_panel.status_code == 200
    assert from_panel.headers["HX-Retarget"] == "#main"
    assert "needs the &#39;rw&#39; permission on the ticket" in from_panel.text
    assert plain.status_code == 403
    assert "HX-Retarget" not in plain.headers
    assert stored(application, ticket_id) == before
