"""The composition root: builds the store, the runtime and the app from one ``Settings``.

Entry points (CLI, web server, worker) call these functions once; nothing here runs at import time.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine

from ticketflow.config import Settings
from ticketflow.db.backup import BackupResult, back_up
from ticketflow.db.connect import create_engine_for
from ticketflow.db.migrate import upgrade
from ticketflow.db.monitoring_repository import SqlMonitoringReader
from ticketflow.db.seed import seed_defaults
from ticketflow.db.unit_of_work import SqlUnitOfWork
from ticketflow.outbound.scripts import load_scripts, load_validators
from ticketflow.outbound.secrets import SecretStore
from ticketflow.outbound.smtp import SmtpMailer, SmtpSettings
from ticketflow.outbound.webservice import HttpWebServiceClient
from ticketflow.usecases.email_jobs import NotificationJobs
from ticketflow.usecases.jobs import JobHandler
from ticketflow.usecases.monitoring import MonitoringReader
from ticketflow.usecases.ports import UnitOfWork
from ticketflow.usecases.runtime import ProcessRuntime
from ticketflow.usecases.service_jobs import ServiceTaskJobs


@dataclass
class Application:
    """Everything a use case call needs: a unit-of-work factory and the process runtime."""

    settings: Settings
    engine: Engine
    runtime: ProcessRuntime
    # Adapters built for this application (HTTP connection pools …), closed with it.
    closers: list[Callable[[], None]] = field(default_factory=list)

    def uow(self) -> UnitOfWork:
        return SqlUnitOfWork(self.engine)

    def reader(self) -> UnitOfWork:
        """A unit of work for reading only: on SQLite it does not queue behind the process's writers
        (a deferred BEGIN; WAL lets it read beside them). Writing through it may fail: use ``uow``."""
        return SqlUnitOfWork(self.engine, read_only=True)

    def close(self) -> None:
        for close in reversed(self.closers):
            close()
        self.closers.clear()
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


def back_up_database(settings: Settings, target: Path, *, replace: bool = False) -> BackupResult:
    """A consistent copy of the SQLite database, taken while everything keeps running (db.backup)."""
    return back_up(settings.database_url, target, replace=replace)


def monitoring_reader(application: Application) -> MonitoringReader:
    """Monitoring's aggregates in SQL, each call in its own read transaction."""
    return SqlMonitoringReader(application.engine)


def job_handlers(application: Application) -> Mapping[str, JobHandler]:
    """The worker's handlers for ``web_service`` and ``email`` jobs, wired to the real adapters
    (httpx, smtplib) from the application's settings. The HTTP client closes with the application."""
    settings = application.settings
    client = HttpWebServiceClient(SecretStore(settings.secrets_file))
    application.closers.append(client.close)
    password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
    mailer = SmtpMailer(
        SmtpSettings(
            host=settings.smtp_host,
            port=settings.smtp_port,
            security=settings.smtp_security,
            user=settings.smtp_user,
            password=password,
            timeout_seconds=settings.smtp_timeout_seconds,
        )
    )
    handlers: tuple[JobHandler, ...] = (
        ServiceTaskJobs(application.uow, application.runtime, client),
        NotificationJobs(application.uow, application.runtime, mailer, settings.mail_from),
    )
    return {handler.kind: handler for handler in handlers}
