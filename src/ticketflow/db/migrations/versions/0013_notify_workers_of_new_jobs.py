"""PostgreSQL: a statement that inserts jobs wakes the workers by itself (a trigger NOTIFYs).

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-27

Workers LISTEN on ``ticketflow_jobs``. Each transaction that queued a job used to send
``NOTIFY ticketflow_jobs`` itself, with its COMMIT: one statement more per durable step, about 4% of
the step's client CPU (alternating runs, bench process). A statement-level trigger on ``jobs`` sends
it instead, from the server, for every writer of the table: the notification is still delivered
only when — and if — the transaction commits, once however many jobs it queued. SQLite has no
LISTEN; nothing changes there.
"""

from __future__ import annotations

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        "CREATE FUNCTION ticketflow_notify_jobs() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN PERFORM pg_notify('ticketflow_jobs', ''); RETURN NULL; END $$"
    )
    op.execute(
        "CREATE TRIGGER jobs_notify_workers AFTER INSERT ON jobs "
        "FOR EACH STATEMENT EXECUTE FUNCTION ticketflow_notify_jobs()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER jobs_notify_workers ON jobs")
    op.execute("DROP FUNCTION ticketflow_notify_jobs()")
