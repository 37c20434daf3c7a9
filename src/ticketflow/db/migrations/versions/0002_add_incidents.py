"""Add the worker's job attempts and incidents.

Revision ID: 0002
Revises: 0001
Create Date: 2025-01-02

Hand-written and self-contained: tables are defined inline, never imported from ticketflow.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

NAME = 200
TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "job_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("worker", sa.String(NAME), nullable=False),
        sa.Column("started_at", TIME, nullable=False),
        sa.Column("finished_at", TIME, nullable=True),
        sa.Column("outcome", sa.String(20), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("response", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_job_attempts"),
        sa.ForeignKeyConstraint(
            ["job_id"], ["jobs.id"], name="fk_job_attempts_job_id_jobs", ondelete="CASCADE"
        ),
        sa.UniqueConstraint("job_id", "attempt", name="uq_job_attempts_job_id_attempt"),
    )
    op.create_table(
        "incidents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(100), nullable=False),
        sa.Column("step", sa.String(NAME), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("response", sa.Text(), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("opened_at", TIME, nullable=False),
        sa.Column("closed_at", TIME, nullable=True),
        sa.Column("closed_by", sa.String(NAME), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("retried_after_attempt", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_incidents"),
        sa.ForeignKeyConstraint(["job_id"], ["jobs.id"], name="fk_incidents_job_id_jobs", ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name="fk_incidents_ticket_id_tickets", ondelete="SET NULL"
        ),
    )
    op.create_index("ix_incidents_status", "incidents", ["status"])
    op.create_index("ix_incidents_job_id", "incidents", ["job_id"])
    op.create_index("ix_incidents_ticket_id", "incidents", ["ticket_id"])


def downgrade() -> None:
    op.drop_table("incidents")
    op.drop_table("job_attempts")
