"""Attachments of articles: checked on the way in, stored with their article in one transaction, and
handed out only to those who may read the article (a customer: articles visible to customers).

The ticket use cases write the caller's article themselves; to store its files in the same transaction
without changing them, the unit of work they get is wrapped: it notes the first article the caller adds
(``tickets.create_ticket`` and ``update_ticket`` write it before the engine runs, whose process
articles are written as the system or a process actor) and stores the files on it just before commit.
A refused request therefore stores neither the article nor any file.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from types import TracebackType
from typing import Any

from ticketflow.domain.effects import AddArticle
from ticketflow.domain.errors import InvalidInputError, NotFoundError
from ticketflow.domain.tickets import Ticket, Value
from ticketflow.usecases import access, principals, tickets
from ticketflow.usecases.ports import (
    AttachmentRepository,
    AuthRepository,
    CatalogRepository,
    IncidentRepository,
    JobQueue,
    ProcessRepository,
    TicketRepository,
    UnitOfWork,
)
from ticketflow.usecases.records import Article, Attachment, NewArticle, NewAttachment
from ticketflow.usecases.runtime import ProcessRuntime
from ticketflow.usecases.scenario_records import ScenarioRepository

UnitOfWorkFactory = Callable[[], UnitOfWork]

DEFAULT_MAX_BYTES = 10 * 1024 * 1024  # per file; Settings.attachment_max_bytes overrides it
MAX_FILENAME = 250  # the column's width
MAX_FILES = 20


def check_files(files: Sequence[NewAttachment], max_bytes: int, field: str = "attachments") -> None:
    """InvalidInputError naming the file's field (``attachments[1]``) for an empty name, a name too
    long or with a path in it, or content over ``max_bytes``."""
    if len(files) > MAX_FILES:
        raise InvalidInputError(f"at most {MAX_FILES} attachments per article", field=field)
    for index, file in enumerate(files):
        where = f"{field}[{index}]"
        name = file.filename
        if not name.strip() or len(name) > MAX_FILENAME or any(c in name for c in "/\\\x00"):
            raise InvalidInputError(
                f"'{name[:50]}' is not a file name (1 to {MAX_FILENAME} characters, no path)", field=where
            )
        if len(file.content) > max_bytes:
            raise InvalidInputError(
                f"'{name}' has {len(file.content)} bytes, more than the limit of {max_bytes}", field=where
            )
        if len(file.content_type) > MAX_FILENAME:
            raise InvalidInputError("the content type is too long", field=where)


class _ArticleSpy:
    """The ticket repository, noting the first article ``login`` adds."""

    def __init__(self, inner: TicketRepository, login: str) -> None:
        self._inner = inner
        self._login = login
        self.article: Article | None = None

    def add_article(self, ticket_id: int, article: NewArticle) -> Article:
        added = self._inner.add_article(ticket_id, article)
        if self.article is None and article.created_by == self._login:
            self.article = added
        return added

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


class _AttachingUnitOfWork:
    """A unit of work that stores ``files`` on the caller's article when it commits."""

    def __init__(self, inner: UnitOfWork, login: str, files: Sequence[NewAttachment], now: datetime) -> None:
        self._inner = inner
        self._login = login
        self._files = files
        self._now = now
        self._spy: _ArticleSpy | None = None
        self.stored: list[Attachment] = []

    @property
    def tickets(self) -> TicketRepository:
        if self._spy is None:
            self._spy = _ArticleSpy(self._inner.tickets, self._login)
        return self._spy  # delegates everything but add_article

    @property
    def catalog(self) -> CatalogRepository:
        return self._inner.catalog

    @property
    def processes(self) -> ProcessRepository:
        return self._inner.processes

    @property
    def jobs(self) -> JobQueue:
        return self._inner.jobs

    @property
    def incidents(self) -> IncidentRepository:
        return self._inner.incidents

    @property
    def auth(self) -> AuthRepository:
        return self._inner.auth

    @property
    def attachments(self) -> AttachmentRepository:
        return self._inner.attachments

    @property
    def scenarios(self) -> ScenarioRepository:
        return self._inner.scenarios

    def __enter__(self) -> _AttachingUnitOfWork:
        self._inner.__enter__()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._spy = None
        self._inner.__exit__(exc_type, exc, traceback)

    def commit(self) -> None:
        article = self._spy.article if self._spy is not None else None
        if self._files and article is not None:
            self.stored = [
                self._inner.attachments.add(article.ticket_id, article.id, file, created_at=self._now)
                for file in self._files
            ]
        self._inner.commit()

    def rollback(self) -> None:
        self._inner.rollback()


class _Attaching:
    """A unit-of-work factory wrapping each unit in ``_AttachingUnitOfWork``; collects what was stored."""

    def __init__(
        self, inner: UnitOfWorkFactory, login: str, files: Sequence[NewAttachment], now: datetime
    ) -> None:
        self._inner = inner
        self._login = login
        self._files = files
        self._now = now
        self._made: list[_AttachingUnitOfWork] = []

    def __call__(self) -> UnitOfWork:
        unit = _AttachingUnitOfWork(self._inner(), self._login, self._files, self._now)
        self._made.append(unit)
        return unit

    def collected(self) -> list[Attachment]:
        return [a for unit in self._made for a in unit.stored]


def create_ticket(
    uow_factory: UnitOfWorkFactory,
    runtime: ProcessRuntime,
    principal: principals.Principal,
    request: tickets.TicketInput,
    files: Sequence[NewAttachment],
    *,
    now: datetime,
    max_bytes: int,
    process_key: str | None = None,
    start_values: access.Submitted | None = None,
    field: str = "attachments",
) -> tuple[Ticket, list[Attachment]]:
    """``access.create_ticket`` with ``files`` on its article, all in one transaction."""
    check_files(files, max_bytes, field)
    if files and request.article is None:
        raise InvalidInputError("attachments need an article to belong to", field=field)
    attaching = _Attaching(uow_factory, principal.caller.login, files, now)
    ticket = access.create_ticket(
        attaching, runtime, principal, request, now=now, process_key=process_key, start_values=start_values
    )
    return ticket, attaching.collected()


def update_ticket(
    uow_factory: UnitOfWorkFactory,
    runtime: ProcessRuntime,
    principal: principals.Principal,
    ticket_id: int,
    values: dict[str, Value],
    files: Sequence[NewAttachment],
    *,
    now: datetime,
    max_bytes: int,
    expected_version: int | None = None,
    article: AddArticle | None = None,
    field: str = "attachments",
) -> tuple[Ticket, list[Attachment]]:
    """``access.update_ticket`` with ``files`` on its article, all in one transaction."""
    check_files(files, max_bytes, field)
    if files and article is None:
        raise InvalidInputError("attachments need an article to belong to", field=field)
    attaching = _Attaching(uow_factory, principal.caller.login, files, now)
    ticket = access.update_ticket(
        attaching,
        runtime,
        principal,
        ticket_id,
        values,
        now=now,
        expected_version=expected_version,
        article=article,
    )
    return ticket, attaching.collected()


def _readable(uow: UnitOfWork, principal: principals.Principal, ticket_id: int) -> set[int] | None:
    """The ids of the ticket's articles the principal may read (None: all of them, an agent).
    NotFoundError if the principal may not see the ticket."""
    ticket = uow.tickets.find(ticket_id)
    if ticket is None or not access.keys_on(uow, principal, ticket):
        raise NotFoundError(f"ticket {ticket_id} does not exist")
    if not principal.is_customer:
        return None
    return {a.id for a in uow.tickets.list_articles(ticket_id) if a.visible_for_customer}


def list_attachments(
    uow_factory: UnitOfWorkFactory,
    principal: principals.Principal,
    ticket_id: int,
    *,
    with_content: bool = False,
) -> list[Attachment]:
    """The ticket's attachments the principal may read (without their bytes unless asked)."""
    with uow_factory() as uow:
        readable = _readable(uow, principal, ticket_id)
        found = uow.attachments.list_for_ticket(ticket_id, with_content=with_content)
    return [a for a in found if readable is None or a.article_id in readable]


def get_attachment(
    uow_factory: UnitOfWorkFactory, principal: principals.Principal, ticket_id: int, attachment_id: int
) -> Attachment:
    """One attachment with its bytes; NotFoundError alike for a missing one and one the principal may
    not read (a customer asking for a file of an internal article learns nothing)."""
    with uow_factory() as uow:
        readable = _readable(uow, principal, ticket_id)
        found = uow.attachments.find(attachment_id)
    if (
        found is None
        or found.ticket_id != ticket_id
        or (readable is not None and found.article_id not in readable)
    ):
        raise NotFoundError(f"ticket {ticket_id} has no attachment {attachment_id}")
    return found
