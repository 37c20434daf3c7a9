"""Add article attachments, stored in the database.

Revision ID: 0004
Revises: 0003
Create Date: 2025-01-04

Hand-written and self-contained: tables are defined inline, never imported from ticketflow.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "article_attachments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(250), nullable=False),
        sa.Column("content_type", sa.String(250), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_article_attachments"),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            name="fk_article_attachments_article_id_articles",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name="fk_article_attachments_ticket_id_tickets",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_article_attachments_ticket_id", "article_attachments", ["ticket_id"])
    op.create_index("ix_article_attachments_article_id", "article_attachments", ["article_id"])


def downgrade() -> None:
    op.drop_table("article_attachments")
