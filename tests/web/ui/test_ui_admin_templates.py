"""Admin → Notification templates: list, create and edit (subject, format, body, valid) with the
placeholder help; bad input is shown beside its field and stores nothing; non-admins are refused."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from pages_support import Visitor, application_of, pages_and_api, visit

from ticketflow.bootstrap import Application
from ticketflow.usecases import admin
from ticketflow.usecases.catalog_records import NotificationTemplate

LIST = "/agent/admin/notification-templates"
NEW = {
    "name": "Delivery arrived",
    "subject": "Your order <OTOBO_TICKET_Title> arrived",
    "content_type": "text/html",
    "body": "<p>Dear &lt;OTOBO_CUSTOMER_DATA_UserFirstname&gt;,"
    " your <OTOBO_TICKET_DynamicField_PurchaseItems_Value> arrived.</p>",
}


@pytest.fixture
def app(demo_url: str) -> Iterator[FastAPI]:
    built = pages_and_api(demo_url)
    uow = application_of(built).uow
    admin.add_role(uow, "Admins", {"admin": ["rw"]})
    admin.add_agent(uow, "ada", "Ada", "Admin", "ada@example.com", roles=["Admins"])
    yield built
    application_of(built).close()


@pytest.fixture
def application(app: FastAPI) -> Application:
    return application_of(app)


@pytest.fixture
def ada(app: FastAPI) -> Visitor:
    return visit(app, "ada")


def template(application: Application, name: str) -> NotificationTemplate | None:
    with application.uow() as uow:
        return uow.catalog.find(NotificationTemplate, name)


def test_the_list_links_each_template_and_explains_placeholders(ada: Visitor) -> None:
    page = ada.client.get(LIST)

    assert page.status_code == 200
    assert f'<a href="{LIST}/Approval%20needed">Approval needed</a>' in page.text
    assert "&lt;OTOBO_TICKET_TicketNumber&gt;" in page.text  # the placeholder help
    assert "&lt;OTOBO_TICKET_DynamicField_PurchaseItems&gt;" in page.text  # the demo's fields
    assert '<option value="text/html"' in page.text


def test_a_template_is_created_and_then_edited(ada: Visitor, application: Application) -> None:
    created = ada.client.post(LIST, data=ada.form(NEW))
    assert created.status_code == 303, created.text
    assert template(application, "Delivery arrived") == NotificationTemplate(
        "Delivery arrived", NEW["subject"], NEW["body"], "text/html", True
    )

    form = ada.client.get(f"{LIST}/Delivery%20arrived")
    assert form.status_code == 200
    assert "Your order &lt;OTOBO_TICKET_Title&gt; arrived" in form.text
    saved = ada.client.post(
        f"{LIST}/Delivery%20arrived",
        data=ada.form({"subject": "Arrived", "content_type": "text/plain", "body": "It is here."}),
    )

    assert saved.status_code == 303
    assert saved.headers["location"] == f"{LIST}?saved=Delivery%20arrived"
    # The box was not ticked: the template is now invalid (and not sent).
    assert template(application, "Delivery arrived") == NotificationTemplate(
        "Delivery arrived", "Arrived", "It is here.", "text/plain", False
    )
    assert "Saved Delivery arrived." in ada.client.get(saved.headers["location"]).text


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"subject": ""}, "subject", "must not be empty"),
        ({"subject": "two\nlines"}, "subject", "must be one line"),
        ({"body": "Hello <OTOBO_TIKET_Title>"}, "body", "is not a placeholder this system replaces"),
        ({"body": "Hello <OTRS_TICKET_Title>"}, "body", "is an OTRS/Znuny tag"),
        ({"body": "<OTOBO_TICKET_DynamicField_Nope>"}, "body", "there is no dynamic field &#39;Nope&#39;"),
        ({"body": "<p onclick=x>hi</p>"}, "body", "mail clients do not run scripts"),
        ({"content_type": "application/pdf"}, "content_type", "is not one of text/plain, text/html"),
    ],
)
def test_bad_input_is_shown_beside_its_field_and_nothing_is_stored(
    ada: Visitor, application: Application, change: dict[str, str], field: str, message: str
) -> None:
    answer = ada.client.post(LIST, data=ada.form({**NEW, **change}))
    edit = ada.client.post(f"{LIST}/Approval%20needed", data=ada.form({**NEW, **change, "valid": "1"}))

    for refused in (answer, edit):
        assert refused.status_code == 422
        error = refused.text.split(f'id="f-{field}-error" class="field-error">', 1)[1].split("</p>", 1)[0]
        assert message in error
    assert template(application, "Delivery arrived") is None
    assert template(application, "Approval needed") == NotificationTemplate(
        "Approval needed",
        "Please decide on <OTOBO_TICKET_Title>",
        "Ticket <OTOBO_TICKET_TicketNumber> waits for your decision.",
    )


def test_agents_who_are_not_administrators_are_refused(app: FastAPI, application: Application) -> None:
    manager = visit(app, "manager")

    page = manager.client.get(f"{LIST}/Approval%20needed")
    posted = manager.client.post(f"{LIST}/Approval%20needed", data=manager.form({**NEW, "valid": "1"}))
    created = manager.client.post(LIST, data=manager.form(NEW))

    assert [page.status_code, posted.status_code, created.status_code] == [403, 403, 403]
    unchanged = template(application, "Approval needed")
    assert unchanged is not None
    assert unchanged.subject == "Please decide on <OTOBO_TICKET_Title>"
    assert template(application, "Delivery arrived") is None


def test_an_unknown_template_is_not_found(ada: Visitor) -> None:
    assert ada.client.get(f"{LIST}/Nope").status_code == 404
    assert ada.client.post(f"{LIST}/Nope", data=ada.form({**NEW, "valid": "1"})).status_code == 404
