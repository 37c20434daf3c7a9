"""The ports: what the use cases need from storage, as Protocols the ``db`` package implements.

Every method takes and returns domain values or the records of ``ticketflow.usecases.records`` and
``ticketflow.usecases.catalog_records`` — never ORM rows. All work happens inside one
``UnitOfWork``: nothing is visible to others until ``commit()``; leaving the ``with`` block
without committing rolls back.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from types import TracebackType
from typing import Any, Protocol, TypeVar

from ticketflow.domain.catalog import Catalog
from ticketflow.domain.notifications import OutgoingMail
from ticketflow.domain.tickets import Ticket
from ticketflow.domain.webservice_mapping import ServiceRequest, ServiceResponse
from ticketflow.usecases.auth_records import ApiToken, SessionRecord
from ticketflow.usecases.catalog_records import (
    CatalogRecord,
)
from ticketflow.usecases.job_records import (
    AttemptOutcome,
    Claim,
    Incident,
    IncidentStatus,
    JobAttempt,
    NewIncident,
)
from ticketflow.usecases.records import (
    Article,
    Attachment,
    Draft,
    HistoryEntry,
    Job,
    JobStatus,
    NewArticle,
    NewAttachment,
    NewTicket,
    ProcessSummary,
    StoredVersion,
    TicketLink,
    TicketQuery,
)
from ticketflow.usecases.scenario_records import ScenarioRepository

# One catalog kind; ``CatalogRepository.list(Queue)`` returns ``Sequence[Queue]``.
R = TypeVar("R", bound=CatalogRecord)


class TicketRepository(Protocol):
    """Tickets with their dynamic fields, process position, history, articles and links."""

    def get(self, ticket_id: int) -> Ticket:
        """The ticket; NotFoundError if there is none."""
        ...

    def find(self, ticket_id: int) -> Ticket | None: ...

    def find_by_number(self, number: str) -> Ticket | None: ...

    def add(self, new: NewTicket) -> Ticket:
        """Store a new ticket: assigns id, an OTOBO DateChecksum number, version 1 and timestamps.

        InvalidInputError if it names a queue, state, priority, type, service, SLA, owner,
        responsible or dynamic field that does not exist."""
        ...

    def update(self, ticket: Ticket, *, expected_version: int) -> Ticket:
        """Write every attribute, dynamic field and the process position of ``ticket``.

        A compare-and-set on ``expected_version``: ConflictError (nothing written) if the stored
        version differs, NotFoundError if the ticket is gone. Returns the ticket as stored:
        version ``expected_version + 1``, ``changed_at`` now, ``state_type`` of its state."""
        ...

    def list(self, query: TicketQuery) -> Sequence[Ticket]:
        """Tickets matching ``query``, in its order, with their dynamic fields."""
        ...

    def count(self, query: TicketQuery) -> int:
        """How many tickets match ``query`` (ignoring limit and offset)."""
        ...

    def add_history(self, entry: HistoryEntry) -> None: ...

    def list_history(self, ticket_id: int) -> Sequence[HistoryEntry]:
        """The ticket's history, oldest first, with ids."""
        ...

    def add_article(self, ticket_id: int, article: NewArticle) -> Article: ...

    def list_articles(self, ticket_id: int) -> Sequence[Article]:
        """The ticket's articles, oldest first."""
        ...

    def add_link(self, source_id: int, target_id: int, link_type: str) -> None:
        """Link two tickets; linking the same pair with the same type again is a no-op."""
        ...

    def list_links(self, ticket_id: int) -> Sequence[TicketLink]:
        """Links where the ticket is source or target."""
        ...


class AttachmentRepository(Protocol):
    """Files attached to articles."""

    def add(self, ticket_id: int, article_id: int, new: NewAttachment, *, created_at: datetime) -> Attachment:
        """Store ``new`` on the article (which must belong to the ticket). NotFoundError if it does not."""
        ...

    def list_for_ticket(self, ticket_id: int, *, with_content: bool = False) -> Sequence[Attachment]:
        """The ticket's attachments, by article and then in the order they were added."""
        ...

    def find(self, attachment_id: int) -> Attachment | None:
        """The attachment with its content."""
        ...


class CatalogRepository(Protocol):
    """The administrable catalog, one record kind at a time, keyed by ``kind.key_field``."""

    def list(self, kind: type[R]) -> Sequence[R]:
        """Every record of ``kind`` (valid and invalid), sorted by key."""
        ...

    def find(self, kind: type[R], key: str) -> R | None: ...

    def get(self, kind: type[R], key: str) -> R:
        """The record; NotFoundError naming the kind and key if there is none."""
        ...

    def add(self, record: CatalogRecord) -> None:
        """Store a new record. InvalidInputError naming the field if the key exists already
        (``name: queue 'Raw' already exists``) or a reference (group, role, state type) is unknown."""
        ...

    def replace(self, record: CatalogRecord) -> None:
        """Overwrite the stored record with the same key (its links too: a role's permissions, an
        agent's roles). NotFoundError if there is none; references are checked as by ``add``."""
        ...

    def catalog(self) -> Catalog:
        """The domain ``Catalog`` of valid records and deployed process versions (one query per
        table). ``scripts`` stays empty: the script registry, not the store, knows them."""
        ...


class ProcessRepository(Protocol):
    """Process drafts (mutable, revisioned) and deployed versions (immutable)."""

    def save_draft(
        self, key: str, document: Mapping[str, Any], *, saved_by: str, expected_revision: int | None
    ) -> int:
        """Save the draft and return its new revision (1 for a new one).

        ``expected_revision`` None creates or overwrites; otherwise ConflictError if the stored
        draft revision differs. The process name and state are read from ``document["name"]`` and
        ``document["state"]`` when present."""
        ...

    def find_draft(self, key: str) -> Draft | None: ...

    def list_processes(self) -> Sequence[ProcessSummary]:
        """Every process with a draft or a deployed version, sorted by key."""
        ...

    def add_version(
        self,
        key: str,
        version: int,
        document: Mapping[str, Any],
        content_hash: str,
        deployed_by: str,
        deployed_at: datetime,
        note: str = "",
    ) -> None:
        """Freeze a deployed version. ConflictError if ``(key, version)`` exists already."""
        ...

    def get_version(self, key: str, version: int) -> StoredVersion:
        """The version; NotFoundError if there is none."""
        ...

    def find_latest_version(self, key: str) -> StoredVersion | None: ...

    def list_versions(self, key: str) -> Sequence[StoredVersion]:
        """The deployed versions, oldest first."""
        ...

    def delete(self, key: str) -> None:
        """Delete the process with its draft and versions. ConflictError if any ticket uses it,
        NotFoundError if it does not exist."""
        ...


class JobQueue(Protocol):
    """The durable job table; the worker's claim/complete/fail come with the worker."""

    def enqueue(
        self,
        kind: str,
        payload: Mapping[str, Any],
        *,
        ticket_id: int | None,
        run_at: datetime,
        idempotency_key: str | None = None,
    ) -> int:
        """Queue a job, return its id. ``payload`` must be JSON-able. With an ``idempotency_key``
        that is already queued, nothing is added and the existing job's id is returned."""
        ...

    def enqueue_at_commit(
        self, kind: str, payload: Mapping[str, Any], *, ticket_id: int | None, run_at: datetime
    ) -> None:
        """Queue a job whose id nobody needs, as part of the transaction like ``enqueue``; the store
        may send it with the commit (on PostgreSQL, in the COMMIT's round trip). Reads of the queue
        in the same unit of work see it."""
        ...

    def list_jobs(self, ticket_id: int | None = None, status: JobStatus | None = None) -> Sequence[Job]:
        """Jobs, oldest first, optionally only a ticket's or only those in ``status``."""
        ...

    # The worker's side. Every write after the claim names the attempt it finishes: if the lease
    # was lost meanwhile (another worker took the job over), it changes nothing and returns False.

    def find(self, job_id: int) -> Job | None: ...

    def find_newest_job(self, ticket_id: int | None, kind: str, activity: str) -> int | None:
        """The id of the newest job of ``kind`` for ``ticket_id`` whose payload names ``activity``
        (any status; every ticket's when ``ticket_id`` is None), None if there is none."""
        ...

    def claim(
        self, kinds: Sequence[str], *, worker: str, now: datetime, lease: timedelta, limit: int = 1
    ) -> Sequence[Claim]:
        """Take up to ``limit`` jobs of ``kinds`` that are due (queued with ``run_at <= now``) or
        whose lease expired, oldest ``run_at`` first: each becomes ``running`` under a lease until
        ``now + lease``, its attempt count grows by one and the attempt is recorded as started.
        Jobs locked by another transaction are skipped, never waited for or taken twice."""
        ...

    def renew_leases(self, job_ids: Sequence[int], *, worker: str, until: datetime) -> int:
        """Extend the leases ``worker`` still holds on ``job_ids``; returns how many it holds."""
        ...

    def finish_attempt(
        self,
        claim: Claim,
        *,
        worker: str,
        now: datetime,
        outcome: AttemptOutcome,
        status: JobStatus,
        run_at: datetime | None = None,
        error: str | None = None,
        response: str | None = None,
    ) -> bool:
        """End the claimed attempt with ``outcome`` and put the job in ``status`` (``queued`` again
        at ``run_at`` for a retry; ``done``/``failed``/``dead`` finished)."""
        ...

    def list_attempts(self, job_id: int) -> Sequence[JobAttempt]:
        """The job's attempts, oldest first."""
        ...

    def requeue(self, job_id: int, *, run_at: datetime, extra_attempts: int) -> None:
        """Queue a finished job again (an incident retry) with ``extra_attempts`` more attempts."""
        ...

    def count_due(self, now: datetime) -> int:
        """How many queued jobs are due at ``now`` (the queue depth)."""
        ...


class IncidentRepository(Protocol):
    """Jobs that gave up, for a person to see, retry or resolve."""

    def open(self, incident: NewIncident) -> int: ...

    def find(self, incident_id: int) -> Incident | None: ...

    def list(self, status: IncidentStatus | None = None, ticket_id: int | None = None) -> Sequence[Incident]:
        """Incidents, newest first."""
        ...

    def close(
        self,
        incident_id: int,
        *,
        status: IncidentStatus,
        closed_at: datetime,
        closed_by: str,
        note: str,
        retried_after_attempt: int | None = None,
    ) -> None:
        """Move an open incident to ``status``; ConflictError if it is not open any more."""
        ...


class AuthRepository(Protocol):
    """Sign-in state: sessions, API tokens, failed logins and customer users' password hashes.

    Agents' password hashes live on the agent record (``Agent.password_hash``); this port writes them."""

    def add_session(self, session: SessionRecord) -> None: ...

    def find_session(self, key: str) -> SessionRecord | None: ...

    def touch_session(self, key: str, *, last_seen_at: datetime) -> None: ...

    def delete_session(self, key: str) -> None: ...

    def delete_expired_sessions(self, now: datetime) -> int: ...

    def add_token(
        self,
        *,
        agent_login: str,
        name: str,
        token_hash: str,
        prefix: str,
        scopes: frozenset[str],
        created_at: datetime,
        expires_at: datetime | None,
    ) -> ApiToken: ...

    def find_token(self, token_hash: str) -> ApiToken | None: ...

    def list_tokens(self, agent_login: str | None = None) -> Sequence[ApiToken]: ...

    def revoke_token(self, token_id: int, *, revoked_at: datetime) -> ApiToken | None:
        """Revoke the token (once: a revoked one keeps its first time); None if there is none."""
        ...

    def touch_token(self, token_id: int, *, used_at: datetime) -> None: ...

    def add_login_failure(self, key: str, at: datetime) -> None: ...

    def count_login_failures(self, key: str, since: datetime) -> int: ...

    def clear_login_failures(self, key: str) -> None: ...

    def set_agent_password(self, login: str, password_hash: str) -> None:
        """NotFoundError if there is no such agent."""
        ...

    def find_customer_password(self, login: str) -> str | None: ...

    def set_customer_password(self, login: str, password_hash: str) -> None:
        """NotFoundError if there is no such customer user."""
        ...


class PasswordHasher(Protocol):
    """Hashes passwords (``ticketflow.outbound.passwords``: argon2id)."""

    def hash(self, password: str) -> str: ...

    def verify(self, password_hash: str, password: str) -> bool:
        """Whether ``password`` matches; False (never an exception) for a wrong or malformed hash."""
        ...

    def needs_rehash(self, password_hash: str) -> bool: ...


class UnitOfWork(Protocol):
    """One transaction over all repositories. ``with uow: ... uow.commit()``; leaving the block
    without ``commit()`` (or by an exception) rolls back. A unit of work is used once."""

    # Read-only properties so an implementation may hold narrower types (a fake, a SQL repository).
    @property
    def tickets(self) -> TicketRepository: ...

    @property
    def catalog(self) -> CatalogRepository: ...

    @property
    def processes(self) -> ProcessRepository: ...

    @property
    def jobs(self) -> JobQueue: ...

    @property
    def incidents(self) -> IncidentRepository: ...

    @property
    def auth(self) -> AuthRepository: ...

    @property
    def attachments(self) -> AttachmentRepository: ...

    @property
    def scenarios(self) -> ScenarioRepository: ...

    def __enter__(self) -> UnitOfWork: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None: ...

    def commit(self) -> None: ...

    def rollback(self) -> None: ...


UnitOfWorkFactory = Callable[[], UnitOfWork]


class WebServiceClient(Protocol):
    """Makes the HTTP call of a web service (``ticketflow.outbound.webservice``)."""

    def call(self, request: ServiceRequest) -> ServiceResponse:
        """Send ``request`` with its authentication (secrets resolved by name) and return any HTTP
        answer, whatever its status. Raises RetryableError for a timeout or a connection failure,
        PermanentError when the request cannot be made at all (unknown secret, URL outside the
        service's base URL)."""
        ...


class Mailer(Protocol):
    """Sends e-mail (``ticketflow.outbound.smtp``)."""

    def send(self, mail: OutgoingMail) -> None:
        """Hand ``mail`` to the mail server. Raises PermanentError when the server refuses it for good
        (SMTP 5xx), RetryableError for a 4xx answer or a connection failure."""
        ...
