"""Drivers for the demo tests: open an application, read tickets and jobs, and answer service tasks the
way the worker will (one engine step, committed)."""

from __future__ import annotations

from datetime import UTC, datetime

from ticketflow.bootstrap import Application, build_application
from ticketflow.config import Settings
from ticketflow.db.seed import seed_defaults
from ticketflow.demo import DemoSummary, load_demo
from ticketflow.domain.engine import Event, ServiceTaskCompleted, ServiceTaskFailed
from ticketflow.domain.positions import PositionStatus
from ticketflow.domain.tickets import Ticket, Value
from ticketflow.usecases.records import Job
from ticketflow.usecases.steps import Actor, run_engine

# A Monday morning: compute_date's business-day arithmetic gives stable results from here.
NOW = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


def open_application(url: str) -> Application:
    return build_application(Settings(database_url=url))


def seed(application: Application) -> None:
    with application.uow() as uow:
        seed_defaults(uow)
        uow.commit()


def load(application: Application) -> DemoSummary:
    return load_demo(application, NOW)


def get_ticket(application: Application, ticket_id: int) -> Ticket:
    with application.uow() as uow:
        return uow.tickets.get(ticket_id)


def service_jobs(application: Application, ticket_id: int) -> list[Job]:
    with application.uow() as uow:
        return [job for job in uow.jobs.list_jobs(ticket_id) if job.kind == "web_service"]


def mail_jobs(application: Application, ticket_id: int) -> list[Job]:
    with application.uow() as uow:
        return [job for job in uow.jobs.list_jobs(ticket_id) if job.kind == "email"]


def _deliver(application: Application, ticket_id: int, event: Event) -> Ticket:
    """What the worker will do when a service task's call ends: one engine step, committed."""
    with application.uow() as uow:
        ticket = uow.tickets.get(ticket_id)
        assert ticket.process is not None
        assert ticket.process.status is PositionStatus.WAITING
        result = run_engine(uow, application.runtime, ticket, event, Actor("worker"), NOW)
        uow.commit()
    return result


def answer_service(application: Application, ticket_id: int, values: dict[str, Value]) -> Ticket:
    return _deliver(application, ticket_id, ServiceTaskCompleted(values))


def fail_service(application: Application, ticket_id: int, error_code: str) -> Ticket:
    return _deliver(application, ticket_id, ServiceTaskFailed("the remote system said no", error_code))
