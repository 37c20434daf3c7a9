"""The composition root: builds the store, the runtime and the app from one ``Settings``.

Entry points (CLI, web server, worker) call these functions once; nothing here runs at import time.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from ticketflow.config import Settings
from ticketflow.db.connect import create_engine_for
from ticketflow.db.migrate import upgrade
from ticketflow.db.seed import seed_defaults
from ticketflow.db.unit_of_work import SqlUnitOfWork
from ticketflow.outbound.scripts import load_scripts, load_validators
from ticketflow.usecases.ports import UnitOfWork
from ticketflow.usecases.runtime import ProcessRuntime


@dataclass
class Application:
    """Everything a use case call needs: a unit-of-work factory and the process runtime."""

    settings: Settings
    engine: Engine
    runtime: ProcessRuntime

    def uow(self) -> UnitOfWork:
        return SqlUnitOfWork(self.engine)

    def close(self) -> None:
        self.engine.dispose()


def build_application(settings: Settings) -> Application:
    runtime = ProcessRuntime(
        scripts=load_scripts(), validators=load_validators(), hop_limit=settings.hop_limit
    )
    return Application(settings, create_engine_for(settings.database_url), runtime)


def migrate_database(settings: Settings) -> None:
    """Bring the schema to the newest revision and make sure OTOBO's seed rows exist."""
    upgrade(settings.database_url)
    application = build_application(settings)
    try:
        with application.uow() as uow:
            seed_defaults(uow)
            uow.commit()
    finally:
        application.close()
