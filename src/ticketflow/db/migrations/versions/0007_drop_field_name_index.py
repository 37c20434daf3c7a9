"""Drop the index of dynamic-field values by field name: nothing looks values up by name alone.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26

Every read of ``ticket_field_values`` goes by ticket (the primary key ``ticket_id, field_name,
position``): loading a ticket, the field filter of a ticket search (an EXISTS correlated on the
ticket id). Dynamic fields are never renamed nor deleted (OTOBO invalidates them), so the foreign key
needs no index on the child side either. The index cost a durable step ~2.2 of its ~27 WAL pages
(bench/durable_step.py --profile): each changed field's entry landed on its own page.
"""

from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_ticket_field_values_field_name", table_name="ticket_field_values")


def downgrade() -> None:
    op.create_index("ix_ticket_field_values_field_name", "ticket_field_values", ["field_name"])
