"""Article attachments in SQL: metadata and bytes in one table, the bytes read only when asked for."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select

from ticketflow.db.tables import article_attachments, articles
from ticketflow.domain.errors import NotFoundError
from ticketflow.usecases.records import Attachment, NewAttachment

_c = article_attachments.c
# Listing leaves the bytes out: a zoom shows names and sizes, and a ticket's files may be large.
_METADATA = (_c.id, _c.article_id, _c.ticket_id, _c.filename, _c.content_type, _c.size, _c.created_at)


class SqlAttachmentRepository:
    """``AttachmentRepository`` on one connection (one transaction)."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def add(self, ticket_id: int, article_id: int, new: NewAttachment, *, created_at: datetime) -> Attachment:
        owner = select(articles.c.ticket_id).where(articles.c.id == article_id)
        if self._connection.execute(owner).scalar_one_or_none() != ticket_id:
            raise NotFoundError(f"ticket {ticket_id} has no article {article_id}")
        row = {
            "article_id": article_id,
            "ticket_id": ticket_id,
            "filename": new.filename,
            "content_type": new.content_type,
            "size": len(new.content),
            "content": new.content,
            "created_at": created_at,
        }
        attachment_id = self._connection.execute(
            insert(article_attachments).returning(_c.id), row
        ).scalar_one()
        return _attachment(row | {"id": attachment_id})

    def list_for_ticket(self, ticket_id: int, *, with_content: bool = False) -> Sequence[Attachment]:
        columns = (*_METADATA, _c.content) if with_content else _METADATA
        statement = select(*columns).where(_c.ticket_id == ticket_id).order_by(_c.article_id, _c.id)
        return [_attachment(row) for row in self._connection.execute(statement).mappings()]

    def find(self, attachment_id: int) -> Attachment | None:
        statement = select(article_attachments).where(_c.id == attachment_id)
        row = self._connection.execute(statement).mappings().first()
        return None if row is None else _attachment(row)


def _attachment(row: Mapping[Any, Any]) -> Attachment:
    content = row.get("content")
    return Attachment(
        id=int(row["id"]),
        article_id=int(row["article_id"]),
        ticket_id=int(row["ticket_id"]),
        filename=str(row["filename"]),
        content_type=str(row["content_type"]),
        size=int(row["size"]),
        created_at=row["created_at"],
        content=None if content is None else bytes(content),
    )
