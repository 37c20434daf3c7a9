"""Find due pending tickets by their pending time; drop the index of tickets by state alone.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-27

``ix_tickets_state`` served one query only: the worker's scan for due pending tickets, which read
every ticket in a pending state, due or not, on each pass. A partial index on ``pending_until``
(only tickets that have a pending time are in it) finds the due ones directly, however many tickets
wait for a later time. Every other search by state also names the queue (``ix_tickets_queue_state``),
the owner (``ix_tickets_owner``) or is read newest change first (``ix_tickets_changed_at``).

The dropped index cost each ticket change that moves the state two more WAL pages on SQLite, about
a tenth of a durable step's writes (bench/durable_step_profile.py); the new one changes only when a
ticket's pending time does.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

_HAS_TIME = sa.text("pending_until IS NOT NULL")


def upgrade() -> None:
    op.drop_index("ix_tickets_state", table_name="tickets")
    op.create_index(
        "ix_tickets_pending_until",
        "tickets",
        ["pending_until"],
        sqlite_where=_HAS_TIME,
        postgresql_where=_HAS_TIME,
    )


def downgrade() -> None:
    op.drop_index("ix_tickets_pending_until", table_name="tickets")
    op.create_index("ix_tickets_state", "tickets", ["state"])
