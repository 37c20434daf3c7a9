"""The e-mails of a Test Mode run, rendered as the worker would render them — and never sent.

The worker renders a ``SendNotification`` after the step's commit, from the ticket as the step left
it; Test Mode does the same from each step's in-memory snapshot: the template's subject and body (or
the action's own), OTOBO's tags filled from the ticket, its owner and responsible. Recipients stay
specs (``owner``, ``customer``, ``role:Buyers`` …): resolving them to addresses is the worker's."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from ticketflow.domain.effects import SendNotification
from ticketflow.domain.notifications import NotificationData, RenderedMail, person_data, render_notification
from ticketflow.domain.placeholders import Labels
from ticketflow.domain.simulation import SimulationReport
from ticketflow.domain.tickets import TicketSnapshot
from ticketflow.usecases.catalog_records import Agent, NotificationTemplate
from ticketflow.usecases.ports import UnitOfWork
from ticketflow.usecases.runtime import ProcessRuntime

UnitOfWorkFactory = Callable[[], UnitOfWork]

# (step index, effect index) → the rendered mail, or why it could not be rendered.
RenderedMails = dict[tuple[int, int], RenderedMail | str]


def render_run_mails(
    uow_factory: UnitOfWorkFactory, runtime: ProcessRuntime, report: SimulationReport, now: datetime
) -> RenderedMails:
    """Every e-mail of ``report``, keyed by step and effect index. Reads the catalog only."""
    rendered: RenderedMails = {}
    wanted = [
        (i, j, effect, step.snapshot)
        for i, step in enumerate(report.steps)
        for j, effect in enumerate(step.effects)
        if isinstance(effect, SendNotification) and step.snapshot is not None
    ]
    if not wanted:
        return rendered
    with uow_factory() as uow:
        labels = runtime.engine_context(runtime.catalog(uow, now), now).dynamic_field_labels
        for i, j, mail, snapshot in wanted:
            assert snapshot is not None  # filtered above; narrows the type
            rendered[(i, j)] = _render(uow, mail, snapshot, labels)
        uow.rollback()
    return rendered


def _render(
    uow: UnitOfWork, mail: SendNotification, snapshot: TicketSnapshot, labels: Labels
) -> RenderedMail | str:
    subject, body, content_type = mail.subject, mail.body, mail.content_type
    if mail.template:
        template = uow.catalog.find(NotificationTemplate, mail.template)
        if template is None or not template.valid:
            return f"template '{mail.template}' does not exist or is invalid: the worker would give up"
        if not subject and not body:
            content_type = template.content_type
        subject, body = subject or template.subject, body or template.body
    owner = _person(uow, snapshot.value("Owner"))
    responsible = _person(uow, snapshot.value("Responsible"))
    data = NotificationData(owner, responsible, {}, {}, labels)
    return render_notification(subject, body, content_type, snapshot, data)


def _person(uow: UnitOfWork, login: object) -> dict[str, str]:
    agent = uow.catalog.find(Agent, login) if isinstance(login, str) and login else None
    if agent is None:
        return {}
    return person_data(agent.login, agent.first_name, agent.last_name, agent.email)
