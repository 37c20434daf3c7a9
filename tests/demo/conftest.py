"""Fixtures for the demo tests: a SQLite database with the demo loaded, copied per test (loading once
per session keeps the suite fast)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from demo_support import NOW, open_application, seed

from ticketflow.bootstrap import Application
from ticketflow.demo import load_demo


@pytest.fixture(scope="session")
def _demo_template(_sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    shutil.copyfile(_sqlite_template, path)
    application = open_application(f"sqlite:///{path}")
    try:
        seed(application)
        load_demo(application, NOW)
    finally:
        application.close()
    return path


@pytest.fixture
def fresh_app(sqlite_url: str) -> Iterator[Application]:
    """An application on a migrated database holding only OTOBO's seed rows."""
    application = open_application(sqlite_url)
    seed(application)
    yield application
    application.close()


@pytest.fixture
def demo_app(_demo_template: Path, tmp_path: Path) -> Iterator[Application]:
    """An application on a database with the demo loaded (a copy of its own)."""
    path = tmp_path / "demo.db"
    shutil.copyfile(_demo_template, path)
    application = open_application(f"sqlite:///{path}")
    yield application
    application.close()
