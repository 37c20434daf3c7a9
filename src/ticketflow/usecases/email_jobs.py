"""The ``email`` job: a ``SendNotification`` rendered, sent over SMTP and kept as an article.

The payload (``ticketflow.usecases.steps``) names recipients — ``owner``, ``responsible``,
``customer``, ``role:<name>`` (its valid agents), ``queue:<name>`` (the valid agents with ``rw`` on
the queue's group through a role), or plain addresses (which may hold ticket tags) — and either a
subject and body or a ``NotificationTemplate`` (the payload's own subject/body win when given).

Each recipient gets a mail of their own (no recipient sees another's address, and
``<OTOBO_NOTIFICATION_RECIPIENT_…>`` tags are theirs), and every mail sent becomes an article on the
ticket at once (channel Email, sender system, visible to the customer when it went to the customer),
with OTOBO's history line ``SendAgentNotification`` / ``SendCustomerNotification``.

Delivery is at least once, like OTOBO's mail queue: a retry skips recipients that already have this
mail's article since the job was created, so only a crash between the SMTP accept and the article's
commit can send a mail twice. The ``Message-ID`` is derived from the job and the recipient so that a
receiver can spot such a repeat. SMTP 5xx is final, 4xx and connection failures are retried (the
``Mailer`` decides); a job that gives up becomes an incident (``give_up`` returns False).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime

import structlog

from ticketflow.domain.errors import JobError, PermanentError, TicketflowError
from ticketflow.domain.notifications import (
    NotificationData,
    OutgoingMail,
    PersonData,
    RenderedMail,
    is_html,
    person_data,
    render_notification,
)
from ticketflow.domain.placeholders import render_text
from ticketflow.domain.tickets import Ticket, TicketSnapshot
from ticketflow.usecases.catalog_cache import CatalogReads, R
from ticketflow.usecases.catalog_records import Agent, CustomerUser, NotificationTemplate, Queue, Role
from ticketflow.usecases.job_records import Claim
from ticketflow.usecases.jobs import AttemptFinish
from ticketflow.usecases.ports import Mailer, UnitOfWork, UnitOfWorkFactory
from ticketflow.usecases.records import HistoryEntry, Job, NewArticle
from ticketflow.usecases.runtime import ProcessRuntime
from ticketflow.usecases.service_jobs import ticket_snapshot
from ticketflow.usecases.steps import Actor

KIND = "email"
WORKER = Actor("worker")
_PREFETCH_LIMIT = 10_000  # rendered jobs kept at most (each is taken by its job's run)
_ADDRESS = re.compile(r"[^@\s<>,;\"]+@[^@\s<>,;\"]+")

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class Recipient:
    address: str
    data: PersonData
    customer: bool = False


@dataclass(frozen=True, slots=True)
class _Prepared:
    """One rendered mail per recipient, and which of them went out already (an earlier attempt)."""

    ticket_id: int
    label: str
    mails: tuple[tuple[Recipient, RenderedMail], ...]
    sent: frozenset[tuple[str, str]]


class NotificationJobs:
    """The ``JobHandler`` for ``email`` jobs (see the module docstring). ``config`` feeds
    ``<OTOBO_CONFIG_…>`` tags (e.g. ``FQDN``)."""

    kind = KIND

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        runtime: ProcessRuntime,
        mailer: Mailer,
        sender: str,
        *,
        config: Mapping[str, str] | None = None,
        actor: Actor = WORKER,
        records: CatalogReads | None = None,
    ) -> None:
        self._uow = uow
        self._runtime = runtime
        self._mailer = mailer
        self._sender = sender
        self._config = dict(config or {})
        self._actor = actor
        # Template, agents, roles, queues, customer users: read once per ``catalog_ttl``, not per job.
        self._records = records or CatalogReads(runtime.catalog_ttl)
        # Mails rendered in the claim's transaction (``prepare_claimed``), by (job id, attempt).
        self._prefetched: dict[tuple[int, int], _Prepared] = {}

    def run(self, job: Job, now: datetime) -> None:
        self._send(job, now, None)

    def run_finishing(self, job: Job, now: datetime, *, resume: bool, finish: AttemptFinish) -> None:
        """``run`` (``resume`` is the same) with the job marked done in the last article's transaction."""
        self._send(job, now, finish)

    def prepare_claimed(self, uow: UnitOfWork, claims: Sequence[Claim], now: datetime) -> None:
        """Render the mails of freshly claimed jobs in the claim's own transaction (the optional
        ``JobHandler`` hook): no transaction of their own per job. A job that cannot be prepared
        here is prepared again when it runs, which raises what it must."""
        if len(self._prefetched) > _PREFETCH_LIMIT:  # claims never run (a lost lease): start afresh
            self._prefetched.clear()
        for claim in claims:
            try:
                prepared = self._prepare_in(uow, claim.job, now)
            except TicketflowError:
                continue
            self._prefetched[(claim.job.id, claim.job.attempts)] = prepared

    def _send(self, job: Job, now: datetime, finish: AttemptFinish | None) -> None:
        prepared = self._prefetched.pop((job.id, job.attempts), None)
        if prepared is None:
            with self._uow() as uow:
                prepared = self._prepare_in(uow, job, now)
        due = [
            (recipient, mail)
            for recipient, mail in prepared.mails
            if (recipient.address.casefold(), mail.subject) not in prepared.sent
        ]
        for index, (recipient, mail) in enumerate(due):
            outgoing = OutgoingMail(
                sender=self._sender,
                to=recipient.address,
                subject=mail.subject,
                text=mail.text,
                html=mail.html,
                message_id=f"<job-{job.id}.{recipient.address}>",
            )
            with finish.outside() if finish is not None else nullcontext():
                self._mailer.send(outgoing)
            self._record(prepared, recipient, mail, now, finish if index == len(due) - 1 else None)
        log.info("notification sent", job_id=job.id, ticket_id=prepared.ticket_id, mails=len(prepared.mails))

    def resume(self, job: Job, now: datetime) -> None:
        self.run(job, now)

    def give_up(self, job: Job, error: JobError, now: datetime) -> bool:
        log.warning("notification not delivered", job_id=job.id, ticket_id=job.ticket_id, error=error.message)
        return False

    def _prepare_in(self, uow: UnitOfWork, job: Job, now: datetime) -> _Prepared:
        payload = job.payload
        ticket_id = int(payload.get("ticket_id") or job.ticket_id or 0)
        ticket = uow.tickets.get(ticket_id)
        catalog = _Catalog(uow, self._records)
        subject, body, content_type, label = _message(catalog, payload)
        snapshot = ticket_snapshot(uow, ticket, self._records)
        specs = [str(r) for r in payload.get("recipients") or ()]
        recipients = _recipients(catalog, ticket, snapshot, specs)
        if not recipients:
            raise PermanentError(f"no recipient with an e-mail address among {payload.get('recipients')}")
        labels = self._runtime.engine_context(self._runtime.catalog(uow, now), now).dynamic_field_labels
        owner = _agent_data(catalog, ticket.owner)
        responsible = _agent_data(catalog, ticket.responsible)
        # Only a repeated attempt can find mails of its own already sent (a claim counts the
        # attempt, a job taken over after a crash included): the first skips reading the articles.
        sent = frozenset(
            (article.to_address.casefold(), article.subject)
            for article in (uow.tickets.list_articles(ticket.id) if job.attempts > 1 else ())
            if article.channel == "Email" and article.created_at >= job.created_at
        )
        mails = tuple(
            (
                recipient,
                render_notification(
                    subject,
                    body,
                    content_type,
                    snapshot,
                    NotificationData(owner, responsible, recipient.data, self._config, labels),
                ),
            )
            for recipient in recipients
        )
        return _Prepared(ticket.id, label, mails, sent)

    def _record(
        self,
        prepared: _Prepared,
        recipient: Recipient,
        mail: RenderedMail,
        now: datetime,
        finish: AttemptFinish | None,
    ) -> None:
        html = mail.html is not None
        article = NewArticle(
            subject=mail.subject,
            body=mail.html if mail.html is not None else mail.text,
            created_by=self._actor.login,
            channel="Email",
            sender_type="system",
            visible_for_customer=recipient.customer,
            from_address=self._sender,
            to_address=recipient.address,
            content_type=f"text/{'html' if html else 'plain'}; charset=utf-8",
        )
        if recipient.customer:
            history = ("SendCustomerNotification", f"%%{recipient.address}")
        else:
            login = recipient.data.get("UserLogin") or recipient.address
            history = ("SendAgentNotification", f"%%{prepared.label}%%{login}%%Email")
        with self._uow() as uow:
            uow.tickets.add_article(prepared.ticket_id, article)
            uow.tickets.add_history(HistoryEntry(prepared.ticket_id, *history, now, self._actor.login))
            if finish is not None:
                finish.commit(uow)
            else:
                uow.commit()


class _Catalog:
    """The catalog reads of one job: ``uow.catalog``'s ``find``/``list`` through the handler's cache."""

    __slots__ = ("_records", "_uow")

    def __init__(self, uow: UnitOfWork, records: CatalogReads) -> None:
        self._uow = uow
        self._records = records

    def find(self, kind: type[R], key: str) -> R | None:
        return self._records.find(self._uow, kind, key)

    def list(self, kind: type[R]) -> Sequence[R]:
        return self._records.list(self._uow, kind)


def _message(catalog: _Catalog, payload: Mapping[str, object]) -> tuple[str, str, str, str]:
    """Subject, body, content type and a name for the history: the template's, overridden by the
    payload's own subject and body."""
    subject, body = str(payload.get("subject") or ""), str(payload.get("body") or "")
    content_type = str(payload.get("content_type") or "text/plain")
    name = payload.get("template")
    if name:
        template = catalog.find(NotificationTemplate, str(name))
        if template is None or not template.valid:
            raise PermanentError(f"notification template '{name}' does not exist (or is invalid)")
        if not subject and not body:
            content_type = template.content_type
        subject, body = subject or template.subject, body or template.body
    if not subject:
        raise PermanentError("the notification has no subject")
    return subject, body, content_type if is_html(content_type) else "text/plain", str(name or subject)


def _recipients(
    catalog: _Catalog, ticket: Ticket, snapshot: TicketSnapshot, specs: Sequence[str]
) -> list[Recipient]:
    """The recipients of ``specs`` in order, each address once (see the module docstring)."""
    seen: set[str] = set()
    found: list[Recipient] = []
    for spec in specs:
        for recipient in _resolve(catalog, ticket, snapshot, spec.strip()):
            key = recipient.address.casefold()
            if key not in seen and _ADDRESS.fullmatch(recipient.address):
                seen.add(key)
                found.append(recipient)
    return found


def _resolve(catalog: _Catalog, ticket: Ticket, snapshot: TicketSnapshot, spec: str) -> Iterator[Recipient]:
    kind, _, name = spec.partition(":")
    match kind.lower(), name:
        case "owner", "":
            yield from _agents(catalog, [ticket.owner])
        case "responsible", "":
            yield from _agents(catalog, [ticket.responsible] if ticket.responsible else [])
        case "customer", "":
            user = catalog.find(CustomerUser, ticket.customer_user_id) if ticket.customer_user_id else None
            if user is not None and user.valid and user.email:
                data = person_data(user.login, user.first_name, user.last_name, user.email)
                yield Recipient(user.email, data, customer=True)
        case "role", _ if name:
            members = [a.login for a in catalog.list(Agent) if name in a.roles]
            yield from _agents(catalog, members)
        case "queue", _ if name:
            yield from _agents(catalog, _queue_agents(catalog, name))
        case _:
            for address in render_text(spec, snapshot).split(","):
                if "@" in address:
                    yield Recipient(address.strip(), {"UserEmail": address.strip()})
                else:
                    log.warning("unknown notification recipient", recipient=spec, ticket_id=ticket.id)


def _queue_agents(catalog: _Catalog, queue_name: str) -> list[str]:
    """Agents with ``rw`` on the queue's group through one of their roles (OTOBO's AgentWritePermissions)."""
    queue = catalog.find(Queue, queue_name)
    if queue is None:
        log.warning("notification names an unknown queue", queue=queue_name)
        return []
    writers = {
        role.name
        for role in catalog.list(Role)
        if role.valid and "rw" in role.permissions.get(queue.group, frozenset())
    }
    return [agent.login for agent in catalog.list(Agent) if writers & set(agent.roles)]


def _agents(catalog: _Catalog, logins: Sequence[str]) -> Iterator[Recipient]:
    for login in logins:
        agent = catalog.find(Agent, login)
        if agent is not None and agent.valid and agent.email:
            yield Recipient(
                agent.email, person_data(agent.login, agent.first_name, agent.last_name, agent.email)
            )


def _agent_data(catalog: _Catalog, login: str | None) -> PersonData:
    agent = catalog.find(Agent, login) if login else None
    if agent is None:
        return {}
    return person_data(agent.login, agent.first_name, agent.last_name, agent.email)
