"""Index each ticket's process steps with their time and name: monitoring reads time spent from them.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-26

A partial covering index: only the process step rows (``ProcessStart``, ``ProcessTransition``,
``ProcessFailed``, ``ProcessCompleted``) are in it, keyed by ticket and type and holding the time, the
name and the row id (the order of a ticket's steps; PostgreSQL needs it in the index for an index-only
scan, SQLite has it anyway). Monitoring reads a process's steps from the index alone instead of
every history row of every ticket (with its trace) from the table: about half the time over 5,000
tickets on SQLite, and 226 → 104 ms of PostgreSQL's own time (EXPLAIN ANALYZE, machine loaded)
(bench/monitoring.py). It costs one more index entry per process step row: +6–11 µs per row committed
alone on SQLite, measured.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

_STEPS = sa.text("history_type IN ('ProcessStart', 'ProcessTransition', 'ProcessFailed', 'ProcessCompleted')")


def upgrade() -> None:
    op.create_index(
        "ix_ticket_history_process_steps",
        "ticket_history",
        ["ticket_id", "history_type", "created_at", "name", "id"],
        sqlite_where=_STEPS,
        postgresql_where=_STEPS,
    )


def downgrade() -> None:
    op.drop_index("ix_ticket_history_process_steps", table_name="ticket_history")
