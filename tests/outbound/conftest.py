"""Fixtures of the outbound tests: a real HTTP service and a real SMTP server on 127.0.0.1 (one per
test session, reset per test), and the demo database with an ERP web service that points at it."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fake_servers import FakeService, MailBox, RunningService, RunningSmtp
from outbound_support import NOW, erp_document

from ticketflow.bootstrap import Application, build_application
from ticketflow.config import Settings
from ticketflow.db.seed import seed_defaults
from ticketflow.demo import load_demo
from ticketflow.usecases.webservices import import_web_service


@pytest.fixture(scope="session")
def _running_service() -> Iterator[RunningService]:
    running = RunningService()
    yield running
    running.close()


@pytest.fixture
def http_service(_running_service: RunningService) -> FakeService:
    """The test HTTP service, answering ``ok`` with nothing recorded yet."""
    service = _running_service.service
    with service.lock:
        service.mode, service.status, service.delay, service.failures = "ok", 500, 0.0, 0
        service.requests.clear()
        service.keys.clear()
    return service


@pytest.fixture
def service_url(_running_service: RunningService) -> str:
    return _running_service.url


@pytest.fixture
def smtp_server() -> Iterator[RunningSmtp]:
    running = RunningSmtp()
    yield running
    running.close()


@pytest.fixture
def mailbox(smtp_server: RunningSmtp) -> MailBox:
    return smtp_server.mailbox


@pytest.fixture(scope="session")
def _outbound_demo_template(
    _sqlite_template: Path, _running_service: RunningService, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    path = tmp_path_factory.mktemp("outbound-demo") / "demo.db"
    shutil.copyfile(_sqlite_template, path)
    application = build_application(Settings(database_url=f"sqlite:///{path}"))
    try:
        with application.uow() as uow:
            seed_defaults(uow)
            uow.commit()
        # Registered before the demo loads, so the demo keeps this ERP (it skips existing names).
        import_web_service(application.uow, erp_document(_running_service.url))
        load_demo(application, NOW)
    finally:
        application.close()
    return path


@pytest.fixture
def demo_settings(_outbound_demo_template: Path, tmp_path: Path, smtp_server: RunningSmtp) -> Settings:
    path = tmp_path / "demo.db"
    shutil.copyfile(_outbound_demo_template, path)
    return Settings(
        database_url=f"sqlite:///{path}",
        smtp_host="127.0.0.1",
        smtp_port=smtp_server.port,
        mail_from="ticketflow@example.com",
    )


@pytest.fixture
def demo_app(demo_settings: Settings) -> Iterator[Application]:
    application = build_application(demo_settings)
    yield application
    application.close()
