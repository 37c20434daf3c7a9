"""Index only the jobs that have an idempotency key (a partial unique index instead of a constraint).

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-26

The unique constraint on ``jobs.idempotency_key`` indexed every job, and most jobs have no key (the
step's e-mail and web-service jobs; only due reminders carry one): each job queued wrote a NULL
entry into it, about 1.1 of a durable step's ~25.7 WAL pages on SQLite
(bench/durable_step_profile.py). A partial unique index ``WHERE idempotency_key IS NOT NULL`` keeps
the keys unique and serves the lookup ``idempotency_key = ?`` (which implies NOT NULL) as before.

PostgreSQL drops the constraint and creates the index. SQLite cannot drop a table constraint, so
``jobs`` is rebuilt. Dropping the old table would run an implicit ``DELETE`` and cascade to the
attempts and incidents referring to it (foreign keys are on, and cannot be switched off inside the
migration's transaction), so their rows are kept aside and put back after the rename; the rebuilt
table keeps every row and id.

Self-contained: the table is defined inline, as the schema has it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

NAME = 200
TIME = sa.DateTime(timezone=True)
INDEX = "uq_jobs_idempotency_key"
_HAS_KEY = sa.text("idempotency_key IS NOT NULL")
# Tables whose rows refer to jobs with ON DELETE CASCADE: kept aside while SQLite rebuilds ``jobs``.
_CHILDREN = ("job_attempts", "incidents")


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_jobs_on_sqlite(keyed_constraint=False)
    else:
        op.drop_constraint(INDEX, "jobs", type_="unique")
    op.create_index(
        INDEX, "jobs", ["idempotency_key"], unique=True, sqlite_where=_HAS_KEY, postgresql_where=_HAS_KEY
    )


def downgrade() -> None:
    op.drop_index(INDEX, table_name="jobs")
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_jobs_on_sqlite(keyed_constraint=True)
    else:
        op.create_unique_constraint(INDEX, "jobs", ["idempotency_key"])


def _rebuild_jobs_on_sqlite(*, keyed_constraint: bool) -> None:
    constraints: list[sa.Constraint] = [
        sa.PrimaryKeyConstraint("id", name="pk_jobs"),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name="fk_jobs_ticket_id_tickets", ondelete="SET NULL"
        ),
    ]
    if keyed_constraint:
        constraints.append(sa.UniqueConstraint("idempotency_key", name=INDEX))
    op.create_table(
        "jobs_0011",
        sa.Column("id", sa.Integer(), nullable=False),
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
        *constraints,
    )
    columns = (
        "id, kind, payload, ticket_id, status, attempts, max_attempts, run_at, locked_until, locked_by,"
        " last_error, created_at, finished_at, idempotency_key"
    )
    # Constant names only, no input: nothing to inject.
    op.execute(f"INSERT INTO jobs_0011 ({columns}) SELECT {columns} FROM jobs")  # noqa: S608
    for child in _CHILDREN:
        op.execute(f"CREATE TEMP TABLE kept_{child} AS SELECT * FROM {child}")  # noqa: S608
    op.drop_table("jobs")  # cascades to the children's rows, kept above
    op.rename_table("jobs_0011", "jobs")
    for child in _CHILDREN:
        op.execute(f"INSERT INTO {child} SELECT * FROM kept_{child}")  # noqa: S608
        op.execute(f"DROP TABLE kept_{child}")
    op.create_index("ix_jobs_status_run_at", "jobs", ["status", "run_at"])
    op.create_index("ix_jobs_ticket_id", "jobs", ["ticket_id"])
