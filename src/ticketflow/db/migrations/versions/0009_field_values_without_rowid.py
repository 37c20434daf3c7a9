"""On SQLite, keep dynamic-field values in their primary key's order (a WITHOUT ROWID table).

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-26

A rowid table with a composite primary key is two b-trees: the rows by rowid, and the key's index
pointing at them. Every field row written was two inserts (a durable step writes a few), every
ticket load read the index and then each row by its rowid. Without rowid the table *is* the key's
b-tree: one insert per row, a ticket's fields read in one range; one WAL page fewer per durable
step (bench/durable_step_profile.py). SQLite cannot change this in place, so the table is rebuilt:
the old one renamed, the new one created and filled, the old one dropped. PostgreSQL has no rowid:
nothing to do there.

Self-contained: the table is defined inline, as the schema has it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

NAME = 200


def upgrade() -> None:
    _rebuild(with_rowid=False)


def downgrade() -> None:
    _rebuild(with_rowid=True)


def _rebuild(*, with_rowid: bool) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.rename_table("ticket_field_values", "ticket_field_values_before_0009")
    op.create_table(
        "ticket_field_values",
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("field_name", sa.String(NAME), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("is_list", sa.Boolean(), nullable=False),
        sa.Column("value_text", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("ticket_id", "field_name", "position", name="pk_ticket_field_values"),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name="fk_ticket_field_values_ticket_id_tickets",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["field_name"],
            ["dynamic_fields.name"],
            name="fk_ticket_field_values_field_name_dynamic_fields",
            onupdate="CASCADE",
        ),
        sqlite_with_rowid=with_rowid,
    )
    op.execute(
        "INSERT INTO ticket_field_values (ticket_id, field_name, position, is_list, value_text)"
        " SELECT ticket_id, field_name, position, is_list, value_text FROM ticket_field_values_before_0009"
    )
    op.drop_table("ticket_field_values_before_0009")
