"""A request hands work to a worker thread only where it blocks, and then once: each hand-over wakes a
thread and moves the interpreter lock (~140 µs of CPU on a 2-vCPU machine, bench/web_overhead.py).

FastAPI, left alone, hands a ``def`` endpoint to a thread and then its answer again (to check it
against the response model), and each ``def`` dependency too. Here the sign-in from a token or a
session runs in the event loop, and an endpoint's call and the check of its answer make one hop
(``web/routing.py``). Counted on real requests, by the hand-overs anyio is asked for."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import anyio.to_thread
import pytest
from fastapi.testclient import TestClient

from ticketflow.config import Settings
from ticketflow.db.migrate import upgrade
from ticketflow.web.app import create_app
from web.api_support import basic, bearer, seed_people


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    url = f"sqlite:///{tmp_path / 'hops.db'}"
    upgrade(url)
    app = create_app(Settings(database_url=url))
    seed_people(app.state.application, app.state.auth)
    with TestClient(app, base_url="https://testserver") as test_client:
        yield test_client


@pytest.fixture
def hops(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the callables handed to worker threads, in order."""
    handed: list[str] = []
    original = anyio.to_thread.run_sync

    async def counting(function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        inner = getattr(function, "func", function)  # starlette wraps the call in a partial
        handed.append(getattr(inner, "__name__", repr(inner)))
        return await original(function, *args, **kwargs)

    monkeypatch.setattr(anyio.to_thread, "run_sync", counting)
    return handed


def test_health_answers_without_a_thread(client: TestClient, hops: list[str]) -> None:
    assert client.get("/health").status_code == 200
    assert hops == []


def test_a_rest_request_with_a_token_hops_once_for_its_endpoint(client: TestClient, hops: list[str]) -> None:
    token, _ = client.app.state.auth.create_token("admin", name="hops", scopes=["read", "write"])  # type: ignore[attr-defined]
    headers = bearer(token)
    created = client.post(
        "/api/v1/tickets",
        headers=headers,
        json={"title": "Printer", "queue": "Raw", "customer_user": "cus"},
    )
    assert created.status_code == 201, created.text
    assert hops == ["create_ticket"]
    hops.clear()
    read = client.get(f"/api/v1/tickets/{created.json()['id']}", headers=headers)
    assert read.status_code == 200
    assert read.json()["title"] == "Printer"  # the answer was checked and written out in the loop
    assert hops == ["get_ticket"]


def test_a_password_is_checked_in_a_thread_not_in_the_event_loop(client: TestClient, hops: list[str]) -> None:
    assert client.get("/api/v1/tickets", headers=basic("admin")).status_code == 200
    assert hops == ["sign_in", "search_tickets"]
