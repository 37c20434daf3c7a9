"""A server process runs its requests' blocking work in ``web_threads`` threads (anyio's limiter),
not anyio's default 40."""

from __future__ import annotations

from pathlib import Path

import anyio.to_thread
from fastapi.testclient import TestClient

from ticketflow.config import Settings
from ticketflow.db.migrate import upgrade
from ticketflow.web.app import create_app


def test_the_app_sets_the_thread_limit_of_its_event_loop(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'threads.db'}"
    upgrade(url)
    app = create_app(Settings(database_url=url, web_threads=3))
    with TestClient(app) as client:
        assert client.get("/health").status_code == 200
        assert client.portal is not None
        tokens = client.portal.call(lambda: anyio.to_thread.current_default_thread_limiter().total_tokens)
    assert tokens == 3


def test_the_default_is_four() -> None:
    assert Settings().web_threads == 4
