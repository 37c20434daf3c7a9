"""Fixtures for the page tests: the app on a copy of a demo-loaded SQLite database, and signed-in
clients (the sign-in form is driven like a browser would: GET for the CSRF cookie, then POST)."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from ticketflow.bootstrap import Application, build_application
from ticketflow.config import Settings
from ticketflow.db.seed import seed_defaults
from ticketflow.demo import load_demo
from ticketflow.demo.catalog import DEMO_PASSWORDS
from ticketflow.demo.loader import set_demo_passwords
from ticketflow.outbound.passwords import Argon2Hasher
from ticketflow.usecases.auth import Auth
from ticketflow.web.ui import mount_ui

NOW = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def _ui_demo_template(_sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("ui-demo") / "demo.db"
    shutil.copyfile(_sqlite_template, path)
    application = build_application(Settings(database_url=f"sqlite:///{path}"))
    try:
        with application.uow() as uow:
            seed_defaults(uow)
            uow.commit()
        set_demo_passwords(cheap_auth(application), load_demo(application, NOW))
    finally:
        application.close()
    return path


@pytest.fixture
def demo_url(_ui_demo_template: Path, tmp_path: Path) -> str:
    path = tmp_path / "demo.db"
    shutil.copyfile(_ui_demo_template, path)
    return f"sqlite:///{path}"


SignIn = Callable[[str, str], TestClient]


def ui_app(database_url: str) -> FastAPI:
    """The pages alone on ``database_url`` (the REST and OTOBO APIs are tested on their own)."""
    application = build_application(Settings(database_url=database_url))
    app = FastAPI()
    app.state.application = application
    app.state.auth = cheap_auth(application)
    mount_ui(app, application)
    return app


def cheap_auth(application: Application) -> Auth:
    """Sign-in with cheap argon2 parameters: hashing would otherwise be the slowest part of a test."""
    return Auth(application.uow, Argon2Hasher(time_cost=1, memory_cost=64))


@pytest.fixture
def app(demo_url: str) -> Iterator[FastAPI]:
    built = ui_app(demo_url)
    yield built
    built.state.application.close()


@pytest.fixture
def sign_in(app: FastAPI) -> SignIn:
    """``sign_in(login, "agent"|"customer")``: a client of one shared app, signed in as that person.
    (Clients are not entered as context managers: the app fixture closes the application.)"""

    def signed_in(login: str, interface: str = "agent") -> TestClient:
        client = TestClient(app, follow_redirects=False)
        path = "/customer/sign-in" if interface == "customer" else "/sign-in"
        page = client.get(path)
        token = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        answer = client.post(
            path, data={"login": login, "password": DEMO_PASSWORDS[login], "csrf_token": token}
        )
        assert answer.status_code == 303, answer.text
        return client

    return signed_in
