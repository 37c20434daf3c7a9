"""Database fixtures: a migrated SQLite file per test, a migrated PostgreSQL database per session
(emptied between tests), and ``uow_factory`` running a test on both."""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import Engine, make_url, text

from ticketflow.db.connect import create_engine_for
from ticketflow.db.migrate import upgrade
from ticketflow.db.seed import seed_defaults
from ticketflow.db.tables import metadata
from ticketflow.db.unit_of_work import SqlUnitOfWork

DEFAULT_POSTGRES_URL = "postgresql+psycopg://root@127.0.0.1:5432/test"
ENABLE_POSTGRES = (
    "start PostgreSQL (make test does) or set TICKETFLOW_TEST_POSTGRES_URL=postgresql+psycopg://user@host/db"
)


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, made once per session; tests get copies (much faster than migrating)."""
    path = tmp_path_factory.mktemp("template") / "ticketflow.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture
def sqlite_url(_sqlite_template: Path, tmp_path: Path) -> str:
    """The URL of a freshly migrated, empty SQLite database of this test's own."""
    path = tmp_path / "ticketflow.db"
    shutil.copyfile(_sqlite_template, path)
    return f"sqlite:///{path}"


def _server_url() -> str:
    return os.environ.get("TICKETFLOW_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)


def _admin_connection(url: str) -> psycopg.Connection[tuple[object, ...]]:
    """An autocommit connection to the server's maintenance database (CREATE/DROP DATABASE)."""
    parsed = make_url(url).set(drivername="postgresql")
    dsn = parsed.render_as_string(hide_password=False)
    return psycopg.connect(dsn, autocommit=True, connect_timeout=3)


@pytest.fixture(scope="session")
def _postgres_database() -> Iterator[str]:
    """A migrated database ``ticketflow_test_<random>`` for this session, dropped at its end."""
    server = _server_url()
    try:
        admin = _admin_connection(server)
    except psycopg.OperationalError as error:
        pytest.skip(f"PostgreSQL not reachable at {server} ({error}); to enable: {ENABLE_POSTGRES}")
    name = f"ticketflow_test_{secrets.token_hex(4)}"
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            url = make_url(server).set(database=name).render_as_string(hide_password=False)
            upgrade(url)
            yield url
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def empty_postgres(url: str) -> None:
    """Remove every row (and reset ids) so each test starts from the freshly migrated state."""
    engine = create_engine_for(url)
    try:
        with engine.begin() as connection:
            names = ", ".join(f'"{table.name}"' for table in metadata.sorted_tables)
            connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    finally:
        engine.dispose()


@pytest.fixture
def postgres_url(_postgres_database: str) -> str:
    """The URL of a migrated, empty PostgreSQL database (shared by the session, emptied per test)."""
    empty_postgres(_postgres_database)
    return _postgres_database


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest) -> str:
    """A migrated, empty database: each test using it runs on SQLite and on PostgreSQL."""
    return str(request.getfixturevalue(f"{request.param}_url"))


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """An engine on ``database_url`` whose database holds OTOBO's seed rows; disposed afterwards."""
    created = create_engine_for(database_url)
    with SqlUnitOfWork(created) as uow:
        seed_defaults(uow)
        uow.commit()
    yield created
    created.dispose()


@pytest.fixture
def uow_factory(engine: Engine) -> Callable[[], SqlUnitOfWork]:
    """A unit-of-work factory on a seeded database, on SQLite and on PostgreSQL."""
    return lambda: SqlUnitOfWork(engine)
