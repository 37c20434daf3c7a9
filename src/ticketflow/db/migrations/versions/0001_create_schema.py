"""Create the schema: catalog, tickets with fields, history, articles, links, processes, jobs.

Revision ID: 0001
Revises:
Create Date: 2025-01-01

Hand-written and self-contained: tables are defined inline, never imported from ticketflow.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.schema import SchemaItem

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

NAME = 200
TIME = sa.DateTime(timezone=True)


def _id(table: str) -> list[SchemaItem]:
    return [sa.Column("id", sa.Integer(), nullable=False), sa.PrimaryKeyConstraint("id", name=f"pk_{table}")]


def _name_fk(table: str, column: str, target: str, ondelete: str | None = None) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column],
        [f"{target}.name"],
        name=f"fk_{table}_{column}_{target}",
        onupdate="CASCADE",
        ondelete=ondelete,
    )


def _catalog(table: str, *extra: SchemaItem) -> None:
    """A catalog table: id, unique name, ``extra`` columns, valid flag."""
    op.create_table(
        table,
        *_id(table),
        sa.Column("name", sa.String(NAME), nullable=False),
        *extra,
        sa.Column("valid", sa.Boolean(), nullable=False),
        sa.UniqueConstraint("name", name=f"uq_{table}_name"),
    )


def _comment() -> sa.Column[str]:
    return sa.Column("comment", sa.Text(), nullable=False)


def _create_catalog() -> None:
    _catalog("groups", _comment())
    _catalog(
        "queues",
        sa.Column("group_name", sa.String(NAME), nullable=False),
        _comment(),
        _name_fk("queues", "group_name", "groups"),
    )
    _catalog("states", sa.Column("type", sa.String(50), nullable=False), _comment())
    _catalog("priorities")
    _catalog("ticket_types")
    _catalog("services", _comment())
    _catalog("slas", _comment())
    _catalog("roles", _comment())
    _catalog(
        "dynamic_fields",
        sa.Column("label", sa.String(NAME), nullable=False),
        sa.Column("field_type", sa.String(50), nullable=False),
        sa.Column("config", sa.JSON(), nullable=False),
        sa.Column("field_order", sa.Integer(), nullable=False),
    )
    _catalog("web_services", sa.Column("config", sa.JSON(), nullable=False))
    _catalog(
        "notification_templates",
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("content_type", sa.String(100), nullable=False),
    )
    op.create_table(
        "role_permissions",
        sa.Column("role_name", sa.String(NAME), nullable=False),
        sa.Column("group_name", sa.String(NAME), nullable=False),
        sa.Column("permission", sa.String(20), nullable=False),
        sa.PrimaryKeyConstraint("role_name", "group_name", "permission", name="pk_role_permissions"),
        _name_fk("role_permissions", "role_name", "roles", ondelete="CASCADE"),
        _name_fk("role_permissions", "group_name", "groups", ondelete="CASCADE"),
    )


def _create_people() -> None:
    op.create_table(
        "agents",
        *_id("agents"),
        sa.Column("login", sa.String(NAME), nullable=False),
        sa.Column("first_name", sa.String(NAME), nullable=False),
        sa.Column("last_name", sa.String(NAME), nullable=False),
        sa.Column("email", sa.String(NAME), nullable=False),
        sa.Column("password_hash", sa.String(500), nullable=True),
        sa.Column("valid", sa.Boolean(), nullable=False),
        sa.UniqueConstraint("login", name="uq_agents_login"),
    )
    op.create_table(
        "agent_roles",
        sa.Column("agent_login", sa.String(NAME), nullable=False),
        sa.Column("role_name", sa.String(NAME), nullable=False),
        sa.PrimaryKeyConstraint("agent_login", "role_name", name="pk_agent_roles"),
        sa.ForeignKeyConstraint(
            ["agent_login"],
            ["agents.login"],
            name="fk_agent_roles_agent_login_agents",
            onupdate="CASCADE",
            ondelete="CASCADE",
        ),
        _name_fk("agent_roles", "role_name", "roles", ondelete="CASCADE"),
    )
    op.create_table(
        "customer_companies",
        *_id("customer_companies"),
        sa.Column("customer_id", sa.String(150), nullable=False),
        sa.Column("name", sa.String(NAME), nullable=False),
        sa.Column("valid", sa.Boolean(), nullable=False),
        sa.UniqueConstraint("customer_id", name="uq_customer_companies_customer_id"),
    )
    op.create_table(
        "customer_users",
        *_id("customer_users"),
        sa.Column("login", sa.String(NAME), nullable=False),
        sa.Column("email", sa.String(NAME), nullable=False),
        sa.Column("first_name", sa.String(NAME), nullable=False),
        sa.Column("last_name", sa.String(NAME), nullable=False),
        sa.Column("customer_id", sa.String(150), nullable=False),
        sa.Column("valid", sa.Boolean(), nullable=False),
        sa.UniqueConstraint("login", name="uq_customer_users_login"),
    )


def _agent_fk(column: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], ["agents.login"], name=f"fk_tickets_{column}_agents", onupdate="CASCADE"
    )


def _create_tickets() -> None:
    op.create_table(
        "tickets",
        *_id("tickets"),
        sa.Column("number", sa.String(50), nullable=False),
        sa.Column("title", sa.String(255), nullable=False),
        sa.Column("queue", sa.String(NAME), nullable=False),
        sa.Column("state", sa.String(NAME), nullable=False),
        sa.Column("priority", sa.String(NAME), nullable=False),
        sa.Column("lock", sa.String(20), nullable=False),
        sa.Column("owner", sa.String(NAME), nullable=False),
        sa.Column("responsible", sa.String(NAME), nullable=True),
        sa.Column("type", sa.String(NAME), nullable=True),
        sa.Column("service", sa.String(NAME), nullable=True),
        sa.Column("sla", sa.String(NAME), nullable=True),
        sa.Column("customer_id", sa.String(150), nullable=True),
        sa.Column("customer_user_id", sa.String(NAME), nullable=True),
        sa.Column("pending_until", TIME, nullable=True),
        sa.Column("process_key", sa.String(NAME), nullable=True),
        sa.Column("process_version", sa.Integer(), nullable=True),
        sa.Column("activity_key", sa.String(NAME), nullable=True),
        sa.Column("process_status", sa.String(20), nullable=True),
        sa.Column("process_failure", sa.Text(), nullable=True),
        sa.Column("parent_ticket_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("changed_at", TIME, nullable=False),
        sa.UniqueConstraint("number", name="uq_tickets_number"),
        sa.ForeignKeyConstraint(
            ["queue"], ["queues.name"], name="fk_tickets_queue_queues", onupdate="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["state"], ["states.name"], name="fk_tickets_state_states", onupdate="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["priority"], ["priorities.name"], name="fk_tickets_priority_priorities", onupdate="CASCADE"
        ),
        _agent_fk("owner"),
        _agent_fk("responsible"),
        sa.ForeignKeyConstraint(
            ["type"], ["ticket_types.name"], name="fk_tickets_type_ticket_types", onupdate="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["service"], ["services.name"], name="fk_tickets_service_services", onupdate="CASCADE"
        ),
        sa.ForeignKeyConstraint(["sla"], ["slas.name"], name="fk_tickets_sla_slas", onupdate="CASCADE"),
        sa.ForeignKeyConstraint(
            ["parent_ticket_id"], ["tickets.id"], name="fk_tickets_parent_ticket_id_tickets"
        ),
    )
    for name, columns in (
        ("ix_tickets_queue_state", ["queue", "state"]),
        ("ix_tickets_state", ["state"]),
        ("ix_tickets_owner", ["owner"]),
        ("ix_tickets_customer_user_id", ["customer_user_id"]),
        ("ix_tickets_process", ["process_key", "activity_key"]),
        ("ix_tickets_process_status", ["process_status"]),
        ("ix_tickets_parent_ticket_id", ["parent_ticket_id"]),
        ("ix_tickets_changed_at", ["changed_at"]),
    ):
        op.create_index(name, "tickets", columns)


def _ticket_fk(table: str, column: str = "ticket_id", ondelete: str = "CASCADE") -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], ["tickets.id"], name=f"fk_{table}_{column}_tickets", ondelete=ondelete
    )


def _create_ticket_companions() -> None:
    op.create_table(
        "ticket_field_values",
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("field_name", sa.String(NAME), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("is_list", sa.Boolean(), nullable=False),
        sa.Column("value_text", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("ticket_id", "field_name", "position", name="pk_ticket_field_values"),
        _ticket_fk("ticket_field_values"),
        sa.ForeignKeyConstraint(
            ["field_name"],
            ["dynamic_fields.name"],
            name="fk_ticket_field_values_field_name_dynamic_fields",
            onupdate="CASCADE",
        ),
    )
    op.create_index("ix_ticket_field_values_field_name", "ticket_field_values", ["field_name"])
    op.create_table(
        "ticket_history",
        *_id("ticket_history"),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("history_type", sa.String(50), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("trace", sa.JSON(), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("created_by", sa.String(NAME), nullable=False),
        _ticket_fk("ticket_history"),
    )
    op.create_index("ix_ticket_history_ticket_id", "ticket_history", ["ticket_id"])
    op.create_table(
        "articles",
        *_id("articles"),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("sender_type", sa.String(20), nullable=False),
        sa.Column("visible_for_customer", sa.Boolean(), nullable=False),
        sa.Column("from_address", sa.Text(), nullable=False),
        sa.Column("to_address", sa.Text(), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("content_type", sa.String(100), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("created_by", sa.String(NAME), nullable=False),
        _ticket_fk("articles"),
        sa.UniqueConstraint("ticket_id", "number", name="uq_articles_ticket_id_number"),
    )
    op.create_table(
        "ticket_links",
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("link_type", sa.String(50), nullable=False),
        sa.PrimaryKeyConstraint("source_id", "target_id", "link_type", name="pk_ticket_links"),
        _ticket_fk("ticket_links", "source_id"),
        _ticket_fk("ticket_links", "target_id"),
    )
    op.create_index("ix_ticket_links_target_id", "ticket_links", ["target_id"])
    op.create_table(
        "ticket_number_counters",
        sa.Column("day", sa.String(8), nullable=False),
        sa.Column("counter", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", name="pk_ticket_number_counters"),
    )


def _create_processes() -> None:
    op.create_table(
        "processes",
        sa.Column("key", sa.String(NAME), nullable=False),
        sa.Column("name", sa.String(NAME), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("draft_document", sa.JSON(), nullable=True),
        sa.Column("draft_revision", sa.Integer(), nullable=True),
        sa.Column("draft_saved_at", TIME, nullable=True),
        sa.Column("draft_saved_by", sa.String(NAME), nullable=True),
        sa.Column("changed_at", TIME, nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_processes"),
    )
    op.create_table(
        "process_versions",
        sa.Column("process_key", sa.String(NAME), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("content_hash", sa.String(128), nullable=False),
        sa.Column("deployed_at", TIME, nullable=False),
        sa.Column("deployed_by", sa.String(NAME), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("process_key", "version", name="pk_process_versions"),
        sa.ForeignKeyConstraint(
            ["process_key"],
            ["processes.key"],
            name="fk_process_versions_process_key_processes",
            ondelete="CASCADE",
        ),
    )


def _create_jobs() -> None:
    op.create_table(
        "jobs",
        *_id("jobs"),
        sa.Column("kind", sa.String(100), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        sa.Column("run_at", TIME, nullable=False),
        sa.Column("locked_until", TIME, nullable=True),
        sa.Column("locked_by", sa.String(NAME), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("finished_at", TIME, nullable=True),
        sa.Column("idempotency_key", sa.String(NAME), nullable=True),
        _ticket_fk("jobs", ondelete="SET NULL"),
        sa.UniqueConstraint("idempotency_key", name="uq_jobs_idempotency_key"),
    )
    op.create_index("ix_jobs_status_run_at", "jobs", ["status", "run_at"])
    op.create_index("ix_jobs_ticket_id", "jobs", ["ticket_id"])


def upgrade() -> None:
    _create_catalog()
    _create_people()
    _create_tickets()
    _create_ticket_companions()
    _create_processes()
    _create_jobs()


def downgrade() -> None:
    for table in (
        "jobs",
        "process_versions",
        "processes",
        "ticket_number_counters",
        "ticket_links",
        "articles",
        "ticket_history",
        "ticket_field_values",
        "tickets",
        "customer_users",
        "customer_companies",
        "agent_roles",
        "agents",
        "role_permissions",
        "notification_templates",
        "web_services",
        "dynamic_fields",
        "roles",
        "slas",
        "services",
        "ticket_types",
        "priorities",
        "states",
        "queues",
        "groups",
    ):
        op.drop_table(table)
