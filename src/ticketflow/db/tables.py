"""The schema as SQLAlchemy Core tables. The migrations must produce exactly this (a test checks).

Catalog rows are referenced by *name* (foreign keys to unique name columns, ``ON UPDATE CASCADE``):
a ticket row reads like OTOBO's ticket data without joins, and renames still propagate. Catalog
tables keep an integer ``id`` too, for OTOBO-style ``QueueID``/``StateID`` in the API.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Dialect,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)

NAME = 200  # OTOBO's names are ≤ 200 characters; bounded so MariaDB can index them later.


class UtcDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out, on every database.

    SQLite has no time zones: values are stored as naive UTC and marked UTC again when read. Naive
    datetimes are refused, because guessing their zone silently corrupts data.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: the store only takes aware datetimes")
        utc = value.astimezone(UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def bind_processor(self, dialect: Dialect) -> Callable[[Any], Any] | None:
        if dialect.name == "sqlite":
            return _sqlite_text
        return super().bind_processor(dialect)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"expected a datetime from the database, got {value!r}")
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _sqlite_text(value: datetime | None) -> str | None:
    """An aware datetime as SQLite stores it: naive UTC in SQLAlchemy's text format for SQLite,
    ``YYYY-MM-DD HH:MM:SS.ffffff``. The same text as ``process_bind_param`` followed by SQLAlchemy's
    DATETIME processor (which fills a %-template, ~3 µs a value; a durable step binds four)."""
    if value is None:
        return None
    if value.tzinfo is UTC:  # the store's own clock: the text without its "+00:00", no conversion
        return value.isoformat(" ", "microseconds")[:26]
    if value.tzinfo is None:
        raise ValueError(f"naive datetime {value!r}: the store only takes aware datetimes")
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


def _name_ref(target: str, *, nullable: bool = False, name: str | None = None) -> Column[str]:
    """A column holding the name of a catalog row (``queues.name`` …)."""
    return Column(
        name or target.split(".")[0],
        String(NAME),
        ForeignKey(target, onupdate="CASCADE"),
        nullable=nullable,
    )


def _catalog_table(name: str, *extra: Any) -> Table:
    """A catalog table: integer id, unique name, valid flag, plus ``extra`` columns."""
    return Table(
        name,
        metadata,
        Column("id", Integer, primary_key=True),
        Column("name", String(NAME), nullable=False, unique=True),
        *extra,
        Column("valid", Boolean, nullable=False, default=True),
    )


groups = _catalog_table("groups", Column("comment", Text, nullable=False, default=""))
queues = _catalog_table(
    "queues",
    _name_ref("groups.name", name="group_name"),
    Column("comment", Text, nullable=False, default=""),
)
states = _catalog_table(
    "states",
    Column("type", String(50), nullable=False),
    Column("comment", Text, nullable=False, default=""),
)
priorities = _catalog_table("priorities")
ticket_types = _catalog_table("ticket_types")
services = _catalog_table("services", Column("comment", Text, nullable=False, default=""))
slas = _catalog_table("slas", Column("comment", Text, nullable=False, default=""))
roles = _catalog_table("roles", Column("comment", Text, nullable=False, default=""))
dynamic_fields = _catalog_table(
    "dynamic_fields",
    Column("label", String(NAME), nullable=False),
    Column("field_type", String(50), nullable=False),
    Column("config", JSON, nullable=False),
    Column("field_order", Integer, nullable=False, default=0),
)
web_services = _catalog_table("web_services", Column("config", JSON, nullable=False))
notification_templates = _catalog_table(
    "notification_templates",
    Column("subject", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("content_type", String(100), nullable=False),
)

role_permissions = Table(
    "role_permissions",
    metadata,
    Column("role_name", String(NAME), ForeignKey("roles.name", onupdate="CASCADE", ondelete="CASCADE")),
    Column("group_name", String(NAME), ForeignKey("groups.name", onupdate="CASCADE", ondelete="CASCADE")),
    Column("permission", String(20)),
    PrimaryKeyConstraint("role_name", "group_name", "permission"),
)

agents = Table(
    "agents",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("login", String(NAME), nullable=False, unique=True),
    Column("first_name", String(NAME), nullable=False, default=""),
    Column("last_name", String(NAME), nullable=False, default=""),
    Column("email", String(NAME), nullable=False, default=""),
    Column("password_hash", String(500), nullable=True),
    Column("valid", Boolean, nullable=False, default=True),
)

agent_roles = Table(
    "agent_roles",
    metadata,
    Column("agent_login", String(NAME), ForeignKey("agents.login", onupdate="CASCADE", ondelete="CASCADE")),
    Column("role_name", String(NAME), ForeignKey("roles.name", onupdate="CASCADE", ondelete="CASCADE")),
    PrimaryKeyConstraint("agent_login", "role_name"),
)

customer_companies = Table(
    "customer_companies",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("customer_id", String(150), nullable=False, unique=True),
    Column("name", String(NAME), nullable=False),
    Column("valid", Boolean, nullable=False, default=True),
)

customer_users = Table(
    "customer_users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("login", String(NAME), nullable=False, unique=True),
    Column("email", String(NAME), nullable=False),
    Column("first_name", String(NAME), nullable=False, default=""),
    Column("last_name", String(NAME), nullable=False, default=""),
    # Not a foreign key: OTOBO lets a customer user name a company from an external backend.
    Column("customer_id", String(150), nullable=False, default=""),
    Column("valid", Boolean, nullable=False, default=True),
)

tickets = Table(
    "tickets",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("number", String(50), nullable=False, unique=True),
    Column("title", String(255), nullable=False),
    _name_ref("queues.name", name="queue"),
    _name_ref("states.name", name="state"),
    _name_ref("priorities.name", name="priority"),
    Column("lock", String(20), nullable=False),
    Column("owner", String(NAME), ForeignKey("agents.login", onupdate="CASCADE"), nullable=False),
    Column("responsible", String(NAME), ForeignKey("agents.login", onupdate="CASCADE"), nullable=True),
    _name_ref("ticket_types.name", name="type", nullable=True),
    _name_ref("services.name", name="service", nullable=True),
    _name_ref("slas.name", name="sla", nullable=True),
    # Customers are not foreign keys: OTOBO accepts unknown customer users given as e-mail addresses.
    Column("customer_id", String(150), nullable=True),
    Column("customer_user_id", String(NAME), nullable=True),
    Column("pending_until", UtcDateTime, nullable=True),
    # The process position. Not a foreign key: Test Mode runs tickets against undeployed drafts.
    Column("process_key", String(NAME), nullable=True),
    Column("process_version", Integer, nullable=True),
    Column("activity_key", String(NAME), nullable=True),
    Column("process_status", String(20), nullable=True),
    Column("process_failure", Text, nullable=True),
    Column("parent_ticket_id", Integer, ForeignKey("tickets.id"), nullable=True),
    Column("version", Integer, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("changed_at", UtcDateTime, nullable=False),
    # The queue view: by queue and state, newest first; the owner's and the customer's views.
    Index("ix_tickets_queue_state", "queue", "state"),
    Index("ix_tickets_owner", "owner"),
    Index("ix_tickets_customer_user_id", "customer_user_id"),
    Index("ix_tickets_process", "process_key", "activity_key"),
    Index("ix_tickets_process_status", "process_status"),
    Index("ix_tickets_parent_ticket_id", "parent_ticket_id"),
    Index("ix_tickets_changed_at", "changed_at"),
    Index("ix_tickets_queue_changed_at", "queue", "changed_at"),
    # The worker's scan for due pending tickets (migration 0012): only tickets with a pending time.
    Index(
        "ix_tickets_pending_until",
        "pending_until",
        sqlite_where=text("pending_until IS NOT NULL"),
        postgresql_where=text("pending_until IS NOT NULL"),
    ),
)

# One row per scalar value, one row per selected key of a list (Multiselect) value. An empty list is
# one row with ``is_list`` set and no text, so () survives the round trip.
ticket_field_values = Table(
    "ticket_field_values",
    metadata,
    Column("ticket_id", Integer, ForeignKey("tickets.id", ondelete="CASCADE")),
    Column("field_name", String(NAME), ForeignKey("dynamic_fields.name", onupdate="CASCADE")),
    Column("position", Integer),
    Column("is_list", Boolean, nullable=False),
    Column("value_text", Text, nullable=True),
    # Read only by ticket (the primary key); no index by field name (migration 0007).
    PrimaryKeyConstraint("ticket_id", "field_name", "position"),
    # On SQLite the table is its key's b-tree: one insert per row, a ticket's rows in one range (0009).
    sqlite_with_rowid=False,
)

_PROCESS_STEPS = "history_type IN ('ProcessStart', 'ProcessTransition', 'ProcessFailed', 'ProcessCompleted')"

ticket_history = Table(
    "ticket_history",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("ticket_id", Integer, ForeignKey("tickets.id", ondelete="CASCADE"), nullable=False),
    Column("history_type", String(50), nullable=False),
    Column("name", Text, nullable=False),
    Column("trace", JSON, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("created_by", String(NAME), nullable=False),
    Index("ix_ticket_history_ticket_id", "ticket_id"),
    # Monitoring's per-day counts (migration 0008); only these three types are in the index.
    Index(
        "ix_ticket_history_process_events",
        "created_at",
        "history_type",
        "ticket_id",
        sqlite_where=text("history_type IN ('ProcessStart', 'ProcessCompleted', 'ProcessFailed')"),
        postgresql_where=text("history_type IN ('ProcessStart', 'ProcessCompleted', 'ProcessFailed')"),
    ),
    # Monitoring's time spent per activity (migration 0010): each ticket's process steps, index only.
    Index(
        "ix_ticket_history_process_steps",
        "ticket_id",
        "history_type",
        "created_at",
        "name",
        "id",
        sqlite_where=text(_PROCESS_STEPS),
        postgresql_where=text(_PROCESS_STEPS),
    ),
)

articles = Table(
    "articles",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("ticket_id", Integer, ForeignKey("tickets.id", ondelete="CASCADE"), nullable=False),
    Column("number", Integer, nullable=False),
    Column("channel", String(20), nullable=False),
    Column("sender_type", String(20), nullable=False),
    Column("visible_for_customer", Boolean, nullable=False),
    Column("from_address", Text, nullable=False),
    Column("to_address", Text, nullable=False),
    Column("subject", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("content_type", String(100), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("created_by", String(NAME), nullable=False),
    UniqueConstraint("ticket_id", "number", name="uq_articles_ticket_id_number"),
)

ticket_links = Table(
    "ticket_links",
    metadata,
    Column("source_id", Integer, ForeignKey("tickets.id", ondelete="CASCADE")),
    Column("target_id", Integer, ForeignKey("tickets.id", ondelete="CASCADE")),
    Column("link_type", String(50)),
    PrimaryKeyConstraint("source_id", "target_id", "link_type"),
    Index("ix_ticket_links_target_id", "target_id"),
)

# The DateChecksum counter restarts every day: one row per UTC day, bumped by an upsert.
ticket_number_counters = Table(
    "ticket_number_counters",
    metadata,
    Column("day", String(8), primary_key=True),
    Column("counter", Integer, nullable=False),
)

processes = Table(
    "processes",
    metadata,
    Column("key", String(NAME), primary_key=True),
    Column("name", String(NAME), nullable=False),
    Column("state", String(20), nullable=False),
    Column("draft_document", JSON, nullable=True),
    Column("draft_revision", Integer, nullable=True),
    Column("draft_saved_at", UtcDateTime, nullable=True),
    Column("draft_saved_by", String(NAME), nullable=True),
    Column("changed_at", UtcDateTime, nullable=False),
)

process_versions = Table(
    "process_versions",
    metadata,
    Column("process_key", String(NAME)),
    Column("version", Integer),
    Column("document", JSON, nullable=False),
    Column("content_hash", String(128), nullable=False),
    Column("deployed_at", UtcDateTime, nullable=False),
    Column("deployed_by", String(NAME), nullable=False),
    Column("note", Text, nullable=False),
    PrimaryKeyConstraint("process_key", "version"),
    ForeignKeyConstraint(["process_key"], ["processes.key"], ondelete="CASCADE"),
)

jobs = Table(
    "jobs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(100), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("ticket_id", Integer, ForeignKey("tickets.id", ondelete="SET NULL"), nullable=True),
    Column("status", String(20), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("max_attempts", Integer, nullable=False),
    Column("run_at", UtcDateTime, nullable=False),
    Column("locked_until", UtcDateTime, nullable=True),
    Column("locked_by", String(NAME), nullable=True),
    Column("last_error", Text, nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("finished_at", UtcDateTime, nullable=True),
    Column("idempotency_key", String(NAME), nullable=True),
    # The worker claims the next due job: status first, then time.
    Index("ix_jobs_status_run_at", "status", "run_at"),
    Index("ix_jobs_ticket_id", "ticket_id"),
    # Keys are unique; most jobs have none and get no entry (0011: one index write fewer per job).
    Index(
        "uq_jobs_idempotency_key",
        "idempotency_key",
        unique=True,
        sqlite_where=text("idempotency_key IS NOT NULL"),
        postgresql_where=text("idempotency_key IS NOT NULL"),
    ),
)

# Every attempt at a job, kept for incidents and audits; ``outcome`` is None while it runs.
job_attempts = Table(
    "job_attempts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("job_id", Integer, ForeignKey("jobs.id", ondelete="CASCADE"), nullable=False),
    Column("attempt", Integer, nullable=False),
    Column("worker", String(NAME), nullable=False),
    Column("started_at", UtcDateTime, nullable=False),
    Column("finished_at", UtcDateTime, nullable=True),
    Column("outcome", String(20), nullable=True),
    Column("error", Text, nullable=True),
    Column("response", Text, nullable=True),
    UniqueConstraint("job_id", "attempt", name="uq_job_attempts_job_id_attempt"),
)

# Jobs that gave up and that their handler did not deal with: for a person to retry or resolve.
incidents = Table(
    "incidents",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("job_id", Integer, ForeignKey("jobs.id", ondelete="CASCADE"), nullable=False),
    Column("ticket_id", Integer, ForeignKey("tickets.id", ondelete="SET NULL"), nullable=True),
    Column("kind", String(100), nullable=False),
    Column("step", String(NAME), nullable=False),
    Column("error", Text, nullable=False),
    Column("response", Text, nullable=True),
    Column("status", String(20), nullable=False),
    Column("opened_at", UtcDateTime, nullable=False),
    Column("closed_at", UtcDateTime, nullable=True),
    Column("closed_by", String(NAME), nullable=True),
    Column("note", Text, nullable=True),
    Column("retried_after_attempt", Integer, nullable=True),
    Index("ix_incidents_status", "status"),
    Index("ix_incidents_job_id", "job_id"),
    Index("ix_incidents_ticket_id", "ticket_id"),
)

# --- sign-in (Alembic 0003) ------------------------------------------------------------------------

# Server-side sessions, keyed by the SHA-256 of the session id (the id itself is only in the cookie).
sessions = Table(
    "sessions",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("interface", String(20), nullable=False),
    Column("login", String(NAME), nullable=False),
    Column("source", String(50), nullable=False),
    Column("client", String(100), nullable=False),
    Column("csrf_secret", String(100), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("last_seen_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Index("ix_sessions_expires_at", "expires_at"),
)

# API tokens of agents, stored as the SHA-256 of the token text; revoked tokens are kept for audits.
api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Integer, primary_key=True),
    Column(
        "agent_login",
        String(NAME),
        ForeignKey("agents.login", onupdate="CASCADE", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("name", String(NAME), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("prefix", String(20), nullable=False),
    Column("scopes", String(100), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=True),
    Column("last_used_at", UtcDateTime, nullable=True),
    Column("revoked_at", UtcDateTime, nullable=True),
    Index("ix_api_tokens_agent_login", "agent_login"),
)

# Failed sign-ins for rate limiting, one row per failure, keyed by ``login:<kind>:<login>`` or
# ``client:<address>``; cleared for a login on success.
login_failures = Table(
    "login_failures",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("key", String(300), nullable=False),
    Column("failed_at", UtcDateTime, nullable=False),
    Index("ix_login_failures_key_failed_at", "key", "failed_at"),
)

# Customer users' password hashes, apart from the customer record (which OTOBO may take from LDAP).
customer_passwords = Table(
    "customer_passwords",
    metadata,
    Column(
        "login",
        String(NAME),
        ForeignKey("customer_users.login", onupdate="CASCADE", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("password_hash", String(500), nullable=False),
)

# Files attached to articles (OTOBO's article_data_mime_attachment), kept in the database so a backup of
# it is a backup of everything. ``ticket_id`` is repeated so a ticket's zoom reads them in one query.
article_attachments = Table(
    "article_attachments",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("article_id", Integer, ForeignKey("articles.id", ondelete="CASCADE"), nullable=False),
    Column("ticket_id", Integer, ForeignKey("tickets.id", ondelete="CASCADE"), nullable=False),
    Column("filename", String(250), nullable=False),
    Column("content_type", String(250), nullable=False),
    Column("size", Integer, nullable=False),
    Column("content", LargeBinary, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Index("ix_article_attachments_ticket_id", "ticket_id"),
    Index("ix_article_attachments_article_id", "article_id"),
)

# Saved Test Mode scenarios (starting ticket, submissions, canned answers, expected outcome) per
# process key; they go with the process, whichever version is about to be deployed.
test_scenarios = Table(
    "test_scenarios",
    metadata,
    Column("process_key", String(NAME), ForeignKey("processes.key", ondelete="CASCADE")),
    Column("name", String(NAME)),
    Column("document", JSON, nullable=False),
    Column("saved_at", UtcDateTime, nullable=False),
    Column("saved_by", String(NAME), nullable=False),
    PrimaryKeyConstraint("process_key", "name"),
)
