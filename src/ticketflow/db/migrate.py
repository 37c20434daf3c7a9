"""Run the Alembic migrations programmatically, from the migrations shipped inside the package."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from ticketflow.db.connect import create_engine_for

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config() -> Config:
    """An Alembic configuration that finds the migrations wherever ticketflow is installed."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Migrate the database at ``url`` to ``revision`` (the newest by default), in one transaction.

    Idempotent: an up-to-date database is left as it is."""
    engine = create_engine_for(url)
    try:
        with engine.begin() as connection:
            config = alembic_config()
            # env.py uses this connection, so our SQLite pragmas and transaction mode apply.
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
    finally:
        engine.dispose()
