"""Sign-in pages: labels and titles, wrong passwords, CSRF, redirects to sign in, sign-out."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI
from fastapi.testclient import TestClient

from ticketflow.demo.catalog import DEMO_PASSWORDS

SignIn = Callable[..., TestClient]


def _csrf(html: str) -> str:
    return html.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]


def _client(app: FastAPI) -> TestClient:
    return TestClient(app, follow_redirects=False)


def test_sign_in_page_has_a_title_and_labelled_fields(app: FastAPI) -> None:
    page = _client(app).get("/sign-in")

    assert page.status_code == 200
    assert "<title>Agent sign in · ticketflow</title>" in page.text
    assert '<label for="login">Login</label>' in page.text
    assert '<label for="password">Password</label>' in page.text
    assert "httponly" in page.headers["set-cookie"].lower()


def test_a_wrong_password_is_refused_without_saying_which_part_was_wrong(app: FastAPI) -> None:
    client = _client(app)
    token = _csrf(client.get("/sign-in").text)

    answer = client.post("/sign-in", data={"login": "manager", "password": "nope", "csrf_token": token})

    assert answer.status_code == 401
    assert "Login or password is not right." in answer.text
    assert "tf_session" not in answer.headers.get("set-cookie", "")


def test_a_customer_cannot_sign_in_on_the_agent_page(app: FastAPI) -> None:
    client = _client(app)
    token = _csrf(client.get("/sign-in").text)

    answer = client.post(
        "/sign-in", data={"login": "alice", "password": DEMO_PASSWORDS["alice"], "csrf_token": token}
    )

    assert answer.status_code == 401


def test_sign_in_without_the_csrf_token_is_refused(app: FastAPI) -> None:
    client = _client(app)
    client.get("/sign-in")

    answer = client.post("/sign-in", data={"login": "manager", "password": DEMO_PASSWORDS["manager"]})

    assert answer.status_code == 403


def test_pages_send_strangers_to_sign_in_and_back(app: FastAPI) -> None:
    client = _client(app)

    answer = client.get("/agent/queue")

    assert answer.status_code == 303
    assert answer.headers["location"] == "/sign-in?next=/agent/queue"
    assert client.get("/customer/").headers["location"] == "/customer/sign-in?next=/customer/"


def test_signing_in_goes_to_the_page_asked_for(app: FastAPI) -> None:
    client = _client(app)
    token = _csrf(client.get("/sign-in").text)

    answer = client.post(
        "/sign-in",
        data={
            "login": "buyer",
            "password": DEMO_PASSWORDS["buyer"],
            "csrf_token": token,
            "next": "/agent/queue",
        },
    )

    assert answer.headers["location"] == "/agent/queue"
    assert client.get("/agent/queue").status_code == 200


def test_a_next_path_outside_the_interface_is_ignored(app: FastAPI) -> None:
    client = _client(app)
    token = _csrf(client.get("/sign-in").text)
    data = {
        "login": "buyer",
        "password": DEMO_PASSWORDS["buyer"],
        "csrf_token": token,
        "next": "https://evil.example",
    }

    assert client.post("/sign-in", data=data).headers["location"] == "/agent/"


def test_a_customer_session_does_not_open_agent_pages(sign_in: SignIn) -> None:
    alice = sign_in("alice", "customer")

    assert alice.get("/customer/").status_code == 200
    assert alice.get("/agent/").status_code == 303


def test_sign_out_ends_the_session(sign_in: SignIn) -> None:
    manager = sign_in("manager", "agent")
    token = _csrf(manager.get("/agent/").text)

    answer = manager.post("/sign-out", data={"csrf_token": token})

    assert answer.headers["location"] == "/sign-in"
    assert manager.get("/agent/").status_code == 303
