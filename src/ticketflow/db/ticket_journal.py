"""What accumulates around a ticket: history entries, articles, links."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, func, insert, literal_column, or_, select
from sqlalchemy.exc import IntegrityError

from ticketflow.db.prepared import Prepared, PreparedInsert, batch
from ticketflow.db.tables import articles, ticket_history, ticket_links
from ticketflow.domain.errors import ConflictError, NotFoundError
from ticketflow.domain.trace import readable_record
from ticketflow.usecases.records import Article, HistoryEntry, NewArticle, TicketLink

# Built once: statement construction is a large part of a write's cost.
_INSERT_HISTORY = Prepared(insert(ticket_history))
_INSERT_HISTORY_ROWS = PreparedInsert(ticket_history)  # a step's rows in one statement


def _numbered_article_insert() -> Prepared:
    """``INSERT … SELECT``: the article takes the number after the ticket's last one in the same
    statement that writes it (one statement and, on PostgreSQL, one round trip instead of a ``SELECT
    max(number)`` before the insert). The aggregate always yields one row, so a missing ticket still
    reaches the foreign key; a concurrent writer that took the same number meanwhile still meets the
    unique key (ticket, number)."""
    columns = [column for column in articles.c if column.key not in ("id", "number")]
    ticket_id = bindparam("ticket_id", type_=articles.c.ticket_id.type)
    values = [
        ticket_id if column.key == "ticket_id" else bindparam(column.key, type_=column.type)
        for column in columns
    ]
    next_number = func.coalesce(func.max(articles.c.number), literal_column("0")) + literal_column("1")
    numbered = select(*values, next_number).where(articles.c.ticket_id == ticket_id)
    statement = insert(articles).from_select([*columns, articles.c.number], numbered)
    return Prepared(statement.returning(articles.c.id, articles.c.number))


_INSERT_ARTICLE = _numbered_article_insert()


class TicketJournal:
    """History, articles and links of tickets on one connection (one transaction).

    History rows of tickets known to exist in this transaction (read, added or updated through the
    repository) are collected and written in one batch by ``flush`` — before history is read and
    before commit — instead of one statement each: a step writes half a dozen of them.
    """

    def __init__(self, connection: Connection, clock: Callable[[], datetime]) -> None:
        self._connection = connection
        self._clock = clock
        self._known_tickets: set[int] = set()
        self._pending_history: list[dict[str, Any]] = []

    def add_history(self, entry: HistoryEntry) -> None:
        """Append a history row. NotFoundError if the ticket does not exist (at once for a ticket
        this transaction has not seen; a ticket it has seen exists, its row holds our write)."""
        row = _history_row(entry)
        if entry.ticket_id in self._known_tickets:
            self._pending_history.append(row)
            return
        try:
            _INSERT_HISTORY.execute(self._connection, row)
        except IntegrityError as error:
            raise NotFoundError(f"ticket {entry.ticket_id} does not exist") from error

    def flush(self, *, commit: bool = False) -> None:
        """Write the collected history rows (one batch); with ``commit``, commit on the driver in the
        same round trip where the driver can (``batch``: PostgreSQL), else leave it to the caller."""
        rows = self._take_history()
        if not rows:
            return  # nothing to send along: the caller's commit alone
        try:
            with batch(self._connection, commit=commit):
                self._insert_history(rows)
        except IntegrityError as error:  # a seen ticket was deleted meanwhile (PostgreSQL only)
            raise NotFoundError("a ticket of this change does not exist any more") from error

    def _take_history(self) -> list[dict[str, Any]]:
        rows, self._pending_history = self._pending_history, []
        return rows

    def _insert_history(self, rows: list[dict[str, Any]]) -> None:
        _INSERT_HISTORY_ROWS.insert(self._connection, rows)

    def forget_pending(self) -> None:
        """After a rollback: drop collected rows; tickets added in it do not exist any more."""
        self._pending_history = []
        self._known_tickets.clear()

    def list_history(self, ticket_id: int) -> Sequence[HistoryEntry]:
        self.flush()
        statement = (
            select(ticket_history)
            .where(ticket_history.c.ticket_id == ticket_id)
            .order_by(ticket_history.c.id)
        )
        return [_history_from_row(row) for row in self._connection.execute(statement).mappings()]

    def add_article(self, ticket_id: int, article: NewArticle) -> Article:
        """Append an article numbered after the ticket's last one.

        NotFoundError if the ticket does not exist; ConflictError if a concurrent transaction took
        the same article number (PostgreSQL only; SQLite has one writer)."""
        created_at = article.created_at or self._clock()
        row = _article_row(ticket_id, article, created_at)
        try:
            returned = _INSERT_ARTICLE.execute(self._connection, row).fetchone()
        except IntegrityError as error:
            if _is_unique_violation(error):
                raise ConflictError(f"ticket {ticket_id} got another article meanwhile; try again") from error
            raise NotFoundError(f"ticket {ticket_id} does not exist") from error
        assert returned is not None  # INSERT … SELECT of an aggregate writes one row
        article_id, number = returned
        return _article_from_row(row | {"id": article_id, "number": number})

    def list_articles(self, ticket_id: int) -> Sequence[Article]:
        statement = select(articles).where(articles.c.ticket_id == ticket_id).order_by(articles.c.number)
        return [_article_from_row(row) for row in self._connection.execute(statement).mappings()]

    def add_link(self, source_id: int, target_id: int, link_type: str) -> None:
        """Link two tickets; an existing identical link is left alone. NotFoundError for a missing ticket."""
        links = ticket_links.c
        existing = select(links.source_id).where(
            links.source_id == source_id, links.target_id == target_id, links.link_type == link_type
        )
        if self._connection.execute(existing).first() is not None:
            return
        row = {"source_id": source_id, "target_id": target_id, "link_type": link_type}
        try:
            self._connection.execute(insert(ticket_links), row)
        except IntegrityError as error:
            raise NotFoundError(
                f"cannot link ticket {source_id} to {target_id}: a ticket is missing"
            ) from error

    def list_links(self, ticket_id: int) -> Sequence[TicketLink]:
        links = ticket_links.c
        statement = (
            select(links.source_id, links.target_id, links.link_type)
            .where(or_(links.source_id == ticket_id, links.target_id == ticket_id))
            .order_by(links.source_id, links.target_id, links.link_type)
        )
        return [TicketLink(*row) for row in self._connection.execute(statement)]


def _history_row(entry: HistoryEntry) -> dict[str, Any]:
    return {
        "ticket_id": entry.ticket_id,
        "history_type": entry.history_type,
        "name": entry.name,
        "trace": list(entry.trace),  # read only, by the JSON encoder
        "created_at": entry.created_at,
        "created_by": entry.created_by,
    }


def _is_unique_violation(error: IntegrityError) -> bool:
    """Whether the database refused a duplicate (rather than a missing reference).

    Asked of the error, not the database: on PostgreSQL the failed transaction takes no queries."""
    return getattr(error.orig, "sqlstate", None) == "23505" or "UNIQUE constraint" in str(error.orig)


def _history_from_row(row: Mapping[Any, Any]) -> HistoryEntry:
    return HistoryEntry(
        ticket_id=row["ticket_id"],
        history_type=row["history_type"],
        name=row["name"],
        created_at=row["created_at"],
        created_by=row["created_by"],
        trace=tuple(readable_record(record) for record in row["trace"]),
        id=row["id"],
    )


def _article_row(ticket_id: int, article: NewArticle, created_at: datetime) -> dict[str, Any]:
    return {
        "ticket_id": ticket_id,
        "channel": article.channel,
        "sender_type": article.sender_type,
        "visible_for_customer": article.visible_for_customer,
        "from_address": article.from_address,
        "to_address": article.to_address,
        "subject": article.subject,
        "body": article.body,
        "content_type": article.content_type,
        "created_at": created_at,
        "created_by": article.created_by,
    }


def _article_from_row(row: Mapping[Any, Any]) -> Article:
    return Article(
        id=row["id"],
        ticket_id=row["ticket_id"],
        number=row["number"],
        subject=row["subject"],
        body=row["body"],
        created_by=row["created_by"],
        created_at=row["created_at"],
        channel=row["channel"],
        sender_type=row["sender_type"],
        visible_for_customer=bool(row["visible_for_customer"]),
        from_address=row["from_address"],
        to_address=row["to_address"],
        content_type=row["content_type"],
    )
