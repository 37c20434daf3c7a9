"""Add saved Test Mode scenarios, kept per process key.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26

A scenario is a JSON document (starting ticket, dialog submissions, canned service answers,
expected outcome). It belongs to the process, not to a version: the suite reruns against whichever
version is about to be deployed. Self-contained: the table is defined inline.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "test_scenarios",
        sa.Column("process_key", sa.String(200), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("saved_at", TIME, nullable=False),
        sa.Column("saved_by", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("process_key", "name", name="pk_test_scenarios"),
        sa.ForeignKeyConstraint(
            ["process_key"],
            ["processes.key"],
            name="fk_test_scenarios_process_key_processes",
            ondelete="CASCADE",
        ),
    )


def downgrade() -> None:
    op.drop_table("test_scenarios")
