"""Alembic environment: migrate the connection handed over by ``ticketflow.db.migrate.upgrade``,
or, for the ``alembic`` command line, the database named by ``TICKETFLOW_DATABASE_URL``."""

from __future__ import annotations

import os

from alembic import context
from sqlalchemy.engine import Connection

from ticketflow.db.connect import create_engine_for
from ticketflow.db.tables import metadata

DEFAULT_URL = "sqlite:///var/ticketflow.db"


def _database_url() -> str:
    return (
        os.environ.get("TICKETFLOW_DATABASE_URL")
        or context.config.get_main_option("sqlalchemy.url", DEFAULT_URL)
        or DEFAULT_URL
    )


def _run(connection: Connection) -> None:
    # Batch mode lets later migrations alter tables on SQLite (copy-and-move behind the scenes).
    context.configure(
        connection=connection, target_metadata=metadata, render_as_batch=True, compare_type=True
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = context.config.attributes.get("connection")
    if isinstance(connection, Connection):
        _run(connection)
        return
    engine = create_engine_for(_database_url())
    try:
        with engine.begin() as own_connection:
            _run(own_connection)
    finally:
        engine.dispose()


def run_offline() -> None:
    context.configure(url=_database_url(), target_metadata=metadata, render_as_batch=True, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
