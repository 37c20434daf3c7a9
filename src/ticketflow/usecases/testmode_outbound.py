"""What a Test Mode run would send, rendered as the worker would render it — and never sent.

The worker renders a ``SendNotification`` or a ``CallWebService`` after the step's commit, from the
ticket as the step left it; Test Mode does the same from each step's in-memory snapshot (with the
customer user's data, as the worker reads it):

* e-mails: the template's subject and body (or the action's own), OTOBO's tags filled from the ticket,
  its owner and responsible. Recipients stay specs (``owner``, ``customer``, ``role:Buyers`` …):
  resolving them to addresses is the worker's.
* service requests: the registered web service's method, URL, query, headers and body for the
  invoker (``build_request``); credentials are never part of a request value.

Only the catalog is read."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from ticketflow.domain.effects import CallWebService, Effect, SendNotification
from ticketflow.domain.errors import InvalidInputError
from ticketflow.domain.notifications import NotificationData, RenderedMail, person_data, render_notification
from ticketflow.domain.placeholders import Labels
from ticketflow.domain.simulation import SimulationReport
from ticketflow.domain.tickets import TicketSnapshot
from ticketflow.domain.webservice_mapping import ServiceRequest, build_request
from ticketflow.domain.webservices import parse_web_service
from ticketflow.usecases.catalog_records import Agent, NotificationTemplate, WebService
from ticketflow.usecases.ports import UnitOfWork
from ticketflow.usecases.runtime import ProcessRuntime
from ticketflow.usecases.scenarios import customer_data, with_customer

UnitOfWorkFactory = Callable[[], UnitOfWork]

# (step index, effect index) → what would be sent, or why the worker could not send it.
Rendered = dict[tuple[int, int], RenderedMail | ServiceRequest | str]

# Requests rendered here are never made; the header still shows where a real one puts its key.
TEST_MODE_IDEMPOTENCY_KEY = "test-mode"


def render_run_outbound(
    uow_factory: UnitOfWorkFactory, runtime: ProcessRuntime, report: SimulationReport, now: datetime
) -> Rendered:
    """Every e-mail and service request of ``report``, keyed by step and effect index."""
    wanted = [
        (i, j, effect, step.snapshot)
        for i, step in enumerate(report.steps)
        for j, effect in enumerate(step.effects)
        if isinstance(effect, SendNotification | CallWebService) and step.snapshot is not None
    ]
    rendered: Rendered = {}
    if not wanted:
        return rendered
    with uow_factory() as uow:
        labels = runtime.engine_context(runtime.catalog(uow, now), now).dynamic_field_labels
        reads = _Reads(uow)
        for i, j, effect, snapshot in wanted:
            assert snapshot is not None  # filtered above; narrows the type
            full = with_customer(snapshot, reads.customer(snapshot.value("CustomerUserID")))
            rendered[(i, j)] = _render(reads, effect, full, labels)
        uow.rollback()
    return rendered


class _Reads:
    """The catalog reads of one rendering, each person read once (a run mails the same owner often)."""

    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self._customers: dict[object, dict[str, str]] = {}
        self._agents: dict[object, dict[str, str]] = {}

    def customer(self, login: object) -> dict[str, str]:
        if login not in self._customers:
            self._customers[login] = customer_data(self.uow, login if isinstance(login, str) else None)
        return self._customers[login]

    def agent(self, login: object) -> dict[str, str]:
        if login not in self._agents:
            agent = self.uow.catalog.find(Agent, login) if isinstance(login, str) and login else None
            found = person_data(agent.login, agent.first_name, agent.last_name, agent.email) if agent else {}
            self._agents[login] = found
        return self._agents[login]


def _render(
    reads: _Reads, effect: Effect, snapshot: TicketSnapshot, labels: Labels
) -> RenderedMail | ServiceRequest | str:
    if isinstance(effect, SendNotification):
        return _mail(reads, effect, snapshot, labels)
    assert isinstance(effect, CallWebService)  # the only other kind asked for
    return _request(reads.uow, effect, snapshot, labels)


def _mail(
    reads: _Reads, mail: SendNotification, snapshot: TicketSnapshot, labels: Labels
) -> RenderedMail | str:
    subject, body, content_type = mail.subject, mail.body, mail.content_type
    if mail.template:
        template = reads.uow.catalog.find(NotificationTemplate, mail.template)
        if template is None or not template.valid:
            return f"template '{mail.template}' does not exist or is invalid: the worker would give up"
        if not subject and not body:
            content_type = template.content_type
        subject, body = subject or template.subject, body or template.body
    owner = reads.agent(snapshot.value("Owner"))
    responsible = reads.agent(snapshot.value("Responsible"))
    data = NotificationData(owner, responsible, {}, {}, labels)
    return render_notification(subject, body, content_type, snapshot, data)


def _request(
    uow: UnitOfWork, call: CallWebService, snapshot: TicketSnapshot, labels: Labels
) -> ServiceRequest | str:
    record = uow.catalog.find(WebService, call.web_service)
    if record is None or not record.valid:
        return f"web service '{call.web_service}' is not registered or invalid: the worker would give up"
    try:
        service = parse_web_service(record.name, record.config)
        return build_request(
            service,
            call.invoker,
            call.parameters,
            snapshot,
            timeout=call.timeout,
            idempotency_key=TEST_MODE_IDEMPOTENCY_KEY,
            labels=labels,
        )
    except InvalidInputError as error:
        return f"{call.web_service}/{call.invoker}: {error.message}: the worker would give up"


Outbound = RenderedMail | ServiceRequest | str


def outbound_detail(effect: Effect, rendered: Outbound | None) -> str:
    """What a reader is shown of an e-mail or a web-service call of a run: the mail's subject and
    text, the request as it would go out, or why the worker could not send it. An effect that was
    not rendered (no snapshot) shows what the action itself holds."""
    if isinstance(rendered, str):
        return rendered
    if isinstance(rendered, RenderedMail):
        return f"Subject: {rendered.subject}\n\n{rendered.text}".rstrip()
    if isinstance(rendered, ServiceRequest):
        return request_text(rendered)
    if isinstance(effect, SendNotification):
        return f"Subject: {effect.subject}\n\n{effect.body}".rstrip()
    return ""


def request_text(request: ServiceRequest) -> str:
    """The request as it would go out: method, URL with query, headers, JSON body."""
    query = "&".join(f"{k}={v}" for k, v in request.query)
    lines = [f"{request.method} {request.url}{'?' + query if query else ''}"]
    lines += [f"{name}: {value}" for name, value in request.headers.items()]
    if request.body is not None:
        lines += ["", json.dumps(request.body, indent=2, ensure_ascii=False)]
    return "\n".join(lines)


def outbound_json(rendered: Rendered) -> list[dict[str, Any]]:
    """The rendered e-mails and requests for ``--json``: each names its step and effect (indexes into
    the report's ``steps`` and their ``effects``)."""
    found: list[dict[str, Any]] = []
    for (step, effect), value in sorted(rendered.items()):
        entry: dict[str, Any] = {"step": step, "effect": effect}
        if isinstance(value, RenderedMail):
            entry |= {"kind": "email", "subject": value.subject, "text": value.text, "html": value.html}
        elif isinstance(value, ServiceRequest):
            entry |= {
                "kind": "web_service_request",
                "web_service": value.web_service,
                "invoker": value.invoker,
                "method": value.method,
                "url": value.url,
                "query": [list(pair) for pair in value.query],
                "headers": dict(value.headers),
                "body": value.body,
                "timeout_seconds": value.timeout.total_seconds(),
            }
        else:
            entry |= {"kind": "not_sendable", "reason": value}
        found.append(entry)
    return found
