"""The migrations build exactly the schema of ``tables.py``, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from ticketflow.db.connect import create_engine_for
from ticketflow.db.migrate import upgrade
from ticketflow.db.tables import metadata


def schema_differences(url: str) -> list[object]:
    engine = create_engine_for(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return list(compare_metadata(context, metadata))
    finally:
        engine.dispose()


def test_upgrade_from_empty_matches_the_tables_and_is_idempotent(database_url: str) -> None:
    upgrade(database_url)  # the fixture migrated already: a second run must change nothing
    assert schema_differences(database_url) == []


def test_upgrade_creates_the_sqlite_file_and_its_directory(tmp_path: Path) -> None:
    path = tmp_path / "var" / "nested" / "ticketflow.db"
    upgrade(f"sqlite:///{path}")
    engine = create_engine_for(f"sqlite:///{path}")
    try:
        tables = set(inspect(engine).get_table_names())
        with engine.connect() as connection:
            journal = connection.exec_driver_sql("PRAGMA journal_mode").scalar()
            foreign_keys = connection.exec_driver_sql("PRAGMA foreign_keys").scalar()
    finally:
        engine.dispose()
    assert path.exists()
    assert {"tickets", "jobs", "alembic_version"} <= tables
    assert (journal, foreign_keys) == ("wal", 1)
