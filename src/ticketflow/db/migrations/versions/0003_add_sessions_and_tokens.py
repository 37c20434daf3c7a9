"""Add sign-in: server-side sessions, API tokens, failed logins, customer users' password hashes.

Revision ID: 0003
Revises: 0002
Create Date: 2025-01-03

Hand-written and self-contained: tables are defined inline, never imported from ticketflow.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

NAME = 200
TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "sessions",
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("interface", sa.String(20), nullable=False),
        sa.Column("login", sa.String(NAME), nullable=False),
        sa.Column("source", sa.String(50), nullable=False),
        sa.Column("client", sa.String(100), nullable=False),
        sa.Column("csrf_secret", sa.String(100), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("last_seen_at", TIME, nullable=False),
        sa.Column("expires_at", TIME, nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_sessions"),
    )
    op.create_index("ix_sessions_expires_at", "sessions", ["expires_at"])
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agent_login", sa.String(NAME), nullable=False),
        sa.Column("name", sa.String(NAME), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("prefix", sa.String(20), nullable=False),
        sa.Column("scopes", sa.String(100), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("expires_at", TIME, nullable=True),
        sa.Column("last_used_at", TIME, nullable=True),
        sa.Column("revoked_at", TIME, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_api_tokens"),
        sa.ForeignKeyConstraint(
            ["agent_login"],
            ["agents.login"],
            name="fk_api_tokens_agent_login_agents",
            onupdate="CASCADE",
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint("token_hash", name="uq_api_tokens_token_hash"),
    )
    op.create_index("ix_api_tokens_agent_login", "api_tokens", ["agent_login"])
    op.create_table(
        "login_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(300), nullable=False),
        sa.Column("failed_at", TIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_login_failures"),
    )
    op.create_index("ix_login_failures_key_failed_at", "login_failures", ["key", "failed_at"])
    op.create_table(
        "customer_passwords",
        sa.Column("login", sa.String(NAME), nullable=False),
        sa.Column("password_hash", sa.String(500), nullable=False),
        sa.PrimaryKeyConstraint("login", name="pk_customer_passwords"),
        sa.ForeignKeyConstraint(
            ["login"],
            ["customer_users.login"],
            name="fk_customer_passwords_login_customer_users",
            onupdate="CASCADE",
            ondelete="CASCADE",
        ),
    )


def downgrade() -> None:
    op.drop_table("customer_passwords")
    op.drop_table("login_failures")
    op.drop_table("api_tokens")
    op.drop_table("sessions")
