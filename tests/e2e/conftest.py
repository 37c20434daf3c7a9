"""Browser-test fixtures: a live server (uvicorn in a thread) on a demo-loaded SQLite copy, and headless
Debian Chromium driven by playwright. Skipped with the command to enable them when Chromium is absent."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import uvicorn
from e2e_support import CHROMIUM, CHROMIUM_ARGS, LiveServer
from fastapi import FastAPI
from playwright.sync_api import Browser, sync_playwright

from ticketflow.bootstrap import Application, build_application
from ticketflow.config import Settings
from ticketflow.db.seed import seed_defaults
from ticketflow.demo import load_demo
from ticketflow.demo.loader import set_demo_passwords
from ticketflow.outbound.passwords import Argon2Hasher
from ticketflow.usecases.auth import Auth
from ticketflow.web.ui import mount_ui


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _app(application: Application) -> FastAPI:
    app = FastAPI()
    app.state.application = application
    app.state.auth = cheap_auth(application)
    mount_ui(app, application)
    return app


def cheap_auth(application: Application) -> Auth:
    """Sign-in with cheap argon2 parameters: hashing would otherwise be the slowest part of a test."""
    return Auth(application.uow, Argon2Hasher(time_cost=1, memory_cost=64))


@pytest.fixture
def live_server(_sqlite_template: Path, tmp_path: Path) -> Iterator[LiveServer]:
    if not CHROMIUM.exists():
        pytest.skip(
            "Chromium is missing at /usr/bin/chromium: run 'sudo make browser' to enable browser tests"
        )
    path = tmp_path / "demo.db"
    shutil.copyfile(_sqlite_template, path)
    application = build_application(Settings(database_url=f"sqlite:///{path}"))
    with application.uow() as uow:
        seed_defaults(uow)
        uow.commit()
    set_demo_passwords(cheap_auth(application), load_demo(application, datetime.now(UTC)))
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(_app(application), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, name="live-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the live server did not start within 10 s")
        time.sleep(0.02)
    try:
        yield LiveServer(f"http://127.0.0.1:{port}", application)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        application.close()


@pytest.fixture
def browser() -> Iterator[Browser]:
    """Headless Debian Chromium, one per test (skipped with the command to install it when absent)."""
    if not CHROMIUM.exists():
        pytest.skip("Chromium is missing at /usr/bin/chromium: run 'sudo make browser' for browser tests")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()
