"""A database connection lost under a running server (a PostgreSQL restart, a network cut) is answered
503 in each interface's own form — a problem document with Retry-After, an error page, OTOBO's plain
transport error — never a bare 500. One failed request is all it costs: the next one, on any thread,
gets a fresh connection."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest
from api_support import PASSWORD, basic, seed_people
from fastapi.testclient import TestClient
from sqlalchemy import make_url

from ticketflow.config import Settings
from ticketflow.domain.definitions import Interface
from ticketflow.outbound.passwords import Argon2Hasher
from ticketflow.usecases.auth import SESSION_COOKIE, Auth
from ticketflow.usecases.callers import Caller
from ticketflow.web.app import create_app

pytestmark = pytest.mark.postgres

OTOBO = "/otobo/nph-genericinterface.pl/Webservice/GenericTicketConnectorREST"


@pytest.fixture
def client(postgres_url: str) -> Iterator[TestClient]:
    app = create_app(Settings(database_url=postgres_url))
    application = app.state.application
    app.state.auth = Auth(application.uow, Argon2Hasher(time_cost=1, memory_cost=64))
    seed_people(application, app.state.auth)
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as created:
        yield created


def _cut_connections(postgres_url: str) -> None:
    """End every server connection to the test database, as a restart would."""
    dsn = make_url(postgres_url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn, autocommit=True) as admin:
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


def test_the_rest_api_answers_a_problem_with_retry_after(client: TestClient, postgres_url: str) -> None:
    assert client.get("/api/v1/tickets", headers=basic("admin")).status_code == 200
    _cut_connections(postgres_url)
    failed = client.get("/api/v1/tickets", headers=basic("admin"))
    assert failed.status_code == 503
    assert failed.headers["content-type"] == "application/problem+json"
    assert failed.headers["retry-after"] == "5"
    assert failed.json()["code"] == "database_unavailable"
    assert "connection to the database was lost" in failed.json()["detail"]
    assert client.get("/api/v1/tickets", headers=basic("admin")).status_code == 200


def test_the_pages_answer_an_error_page(client: TestClient, postgres_url: str) -> None:
    auth: Auth = client.app.state.auth  # type: ignore[attr-defined]
    session_id, _ = auth.create_session(Caller("admin", Interface.AGENT), client="testclient")
    client.cookies.set(SESSION_COOKIE, session_id)
    assert client.get("/agent/").status_code == 200
    _cut_connections(postgres_url)
    failed = client.get("/agent/")
    assert failed.status_code == 503
    assert "Database unavailable" in failed.text
    assert "The connection to the database was lost: try again in a moment." in failed.text
    assert client.get("/agent/").status_code == 200


def test_the_otobo_api_answers_its_transport_error(client: TestClient, postgres_url: str) -> None:
    login = {"UserLogin": "admin", "Password": PASSWORD}
    assert "SessionID" in client.post(f"{OTOBO}/Session", json=login).json()
    _cut_connections(postgres_url)
    failed = client.post(f"{OTOBO}/Session", json=login)
    assert failed.status_code == 503
    assert failed.text.startswith("HTTP::REST Error: the connection to the database was lost")
    assert "SessionID" in client.post(f"{OTOBO}/Session", json=login).json()
