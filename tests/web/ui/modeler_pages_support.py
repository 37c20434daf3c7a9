"""What the modeler's page tests share: an administrator's client, the CSRF token of a page, and a
panel form read like a browser would submit it."""

from __future__ import annotations

from html.parser import HTMLParser

from fastapi import FastAPI
from fastapi.testclient import TestClient

from ticketflow.domain.definitions import Interface
from ticketflow.usecases import admin
from ticketflow.usecases.auth import Auth

PASSWORD = "admin-password"


def csrf(html: str) -> str:
    return html.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]


def administrator_client(app: FastAPI) -> TestClient:
    """A client signed in as 'ada', who holds the admin group's rw."""
    uow = app.state.application.uow
    admin.add_role(uow, "Admins", {"admin": ["rw"], "users": ["rw"]})
    admin.add_agent(uow, "ada", "Ada", "Admin", "ada@example.com", roles=["Admins"])
    auth: Auth = app.state.auth
    auth.set_password(Interface.AGENT, "ada", PASSWORD)
    client = TestClient(app, follow_redirects=False)
    token = csrf(client.get("/sign-in").text)
    answer = client.post("/sign-in", data={"login": "ada", "password": PASSWORD, "csrf_token": token})
    assert answer.status_code == 303
    return client


class _FormValues(HTMLParser):
    """The successful controls of the panel's form: texts, checked boxes, selected options."""

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, str] = {}
        self._select: str | None = None
        self._first_option: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        name = a.get("name", "")
        if tag == "input" and name and a.get("type", "text") not in ("submit", "button"):
            if a.get("type") != "checkbox" or "checked" in a:
                self.values[name] = a.get("value", "")
        elif tag == "select" and name:
            self._select, self._first_option = name, None
        elif tag == "option" and self._select is not None:
            if self._first_option is None:
                self._first_option = a.get("value", "")
                self.values.setdefault(self._select, self._first_option)
            if "selected" in a:
                self.values[self._select] = a.get("value", "")
        elif tag == "textarea" and name:
            self._textarea = name
            self.values[name] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self.values[self._textarea] += data


def form_values(html: str) -> dict[str, str]:
    """What submitting the panel's form (without a button) would post."""
    parser = _FormValues()
    parser.feed(html)
    return parser.values
