"""``/api/v1/tickets``: create, get (with ETag), update (If-Match → 412), search, history, articles;
``/api/v1/tickets/{id}/dialogs``: the activity dialogs a caller may submit, and submitting one."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import Header, Path, Query, Request, Response, status

from ticketflow.domain.errors import InvalidInputError
from ticketflow.domain.positions import PositionStatus
from ticketflow.usecases import access, attachments, dialog_access, principals
from ticketflow.usecases.records import TicketOrder, TicketQuery
from ticketflow.usecases.tickets import TicketInput
from ticketflow.web.api.common import (
    Limit,
    Offset,
    Page,
    etag,
    expected_version,
    now,
    page,
    router,
    slice_page,
)
from ticketflow.web.api.models import (
    ArticleIn,
    ArticleOut,
    AttachmentOut,
    DialogOut,
    DialogSubmit,
    HistoryOut,
    TicketCreate,
    TicketOut,
    TicketUpdate,
)
from ticketflow.web.deps import CurrentApplication, CurrentPrincipal

tickets_router = router("tickets")
TicketId = Annotated[int, Path(ge=1, le=2**31 - 1)]  # database ids are 32-bit
IfMatch = Annotated[str | None, Header(description='the ETag of the version you read, e.g. "3"')]
Text = Annotated[str | None, Query(max_length=200)]


def _sender(principal: principals.Principal) -> str:
    return "customer" if principal.is_customer else "agent"


@tickets_router.post("/tickets", status_code=status.HTTP_201_CREATED)
def create_ticket(
    body: TicketCreate, application: CurrentApplication, principal: CurrentPrincipal, response: Response
) -> TicketOut:
    """Create a ticket, optionally with a first article (and its attachments, base64) and started in
    a process."""
    article = body.article.effect(_sender(principal)) if body.article else None
    files = body.article.files() if body.article else []
    start_values = {k: tuple(v) if isinstance(v, list) else v for k, v in body.start_values.items()}
    if files:
        ticket, _ = attachments.create_ticket(
            application.uow,
            application.runtime,
            principal,
            TicketInput(body.values(), article),
            files,
            now=now(),
            max_bytes=application.settings.attachment_max_bytes,
            process_key=body.process,
            start_values=start_values,
            field="article.attachments",
        )
    else:  # nothing to attach: the permission check reads beside the writers
        ticket = access.create_ticket(
            application.uow,
            application.runtime,
            principal,
            TicketInput(body.values(), article),
            now=now(),
            process_key=body.process,
            start_values=start_values,
            reader=application.reader,
        )
    response.headers["ETag"] = etag(ticket.version)
    response.headers["Location"] = f"/api/v1/tickets/{ticket.id}"
    return TicketOut.of(ticket)


@tickets_router.get("/tickets")
def search_tickets(
    request: Request,
    response: Response,
    application: CurrentApplication,
    principal: CurrentPrincipal,
    queue: Annotated[list[str], Query(max_length=50)] = [],  # noqa: B006 - FastAPI copies defaults
    state: Annotated[list[str], Query(max_length=50)] = [],  # noqa: B006
    state_type: Annotated[list[str], Query(max_length=50)] = [],  # noqa: B006
    owner: Text = None,
    customer_user: Text = None,
    customer_id: Text = None,
    process: Text = None,
    process_version: Annotated[
        int | None, Query(ge=1, le=10**6, description="the version tickets are pinned to")
    ] = None,
    activity: Text = None,
    process_status: PositionStatus | None = None,
    title: Text = None,
    field: Annotated[
        list[str], Query(max_length=20, description="dynamic field filter NAME:VALUE (repeatable)")
    ] = [],  # noqa: B006
    order_by: TicketOrder = TicketOrder.ID,
    descending: bool = False,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[TicketOut]:
    """Tickets the caller may see, filtered by attributes and dynamic fields (all filters must hold)."""
    if process_version is not None and process is None:
        raise InvalidInputError("needs process (versions are numbered per process)", field="process_version")
    fields: dict[str, str] = {}
    for item in field:
        name, separator, value = item.partition(":")
        if not separator or not name:
            raise InvalidInputError(f"'{item}' is not NAME:VALUE", field="field")
        fields[name] = value
    query = TicketQuery(
        queues=tuple(queue),
        states=tuple(state),
        state_types=tuple(state_type),
        owner=owner,
        customer_user_id=customer_user,
        customer_id=customer_id,
        process_key=process,
        process_version=process_version,
        activity_key=activity,
        process_status=process_status,
        title_contains=title,
        dynamic_field_equals=fields,
        order_by=order_by,
        descending=descending,
        limit=limit,
        offset=offset,
    )
    found, total = access.list_tickets(application.reader, principal, query)
    return page(request, response, [TicketOut.of(t) for t in found], total, limit, offset)


@tickets_router.get("/tickets/{ticket_id}")
def get_ticket(
    ticket_id: TicketId, application: CurrentApplication, principal: CurrentPrincipal, response: Response
) -> TicketOut:
    """The ticket; its ``ETag`` is the version to send back in ``If-Match`` when updating."""
    ticket = access.check_ticket(application.reader, principal, ticket_id)
    response.headers["ETag"] = etag(ticket.version)
    return TicketOut.of(ticket)


@tickets_router.patch("/tickets/{ticket_id}")
def update_ticket(
    ticket_id: TicketId,
    body: TicketUpdate,
    application: CurrentApplication,
    principal: CurrentPrincipal,
    response: Response,
    if_match: IfMatch = None,
) -> TicketOut:
    """Change attributes and dynamic fields (and add an article). With ``If-Match``, a ticket that
    changed since that version is refused with 412 and nothing is written."""
    current = access.check_ticket(application.reader, principal, ticket_id)
    version = expected_version(if_match, current.version)
    article = body.article.effect(_sender(principal)) if body.article else None
    ticket, _ = attachments.update_ticket(
        application.uow,
        application.runtime,
        principal,
        ticket_id,
        dict(body.values()),
        body.article.files() if body.article else [],
        now=now(),
        max_bytes=application.settings.attachment_max_bytes,
        expected_version=version,
        article=article,
        field="article.attachments",
    )
    response.headers["ETag"] = etag(ticket.version)
    return TicketOut.of(ticket)


@tickets_router.get("/tickets/{ticket_id}/history")
def ticket_history(
    ticket_id: TicketId,
    request: Request,
    response: Response,
    application: CurrentApplication,
    principal: CurrentPrincipal,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Page[HistoryOut]:
    """The ticket's history with the process engine's trace, oldest first (agents only)."""
    entries = [HistoryOut.of(e) for e in access.ticket_history(application.reader, principal, ticket_id)]
    return slice_page(request, response, entries, limit, offset)


@tickets_router.get("/tickets/{ticket_id}/articles")
def list_articles(
    ticket_id: TicketId,
    request: Request,
    response: Response,
    application: CurrentApplication,
    principal: CurrentPrincipal,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Page[ArticleOut]:
    """The articles with their attachments, oldest first; customers see only those visible to customers."""
    files = attachments.list_attachments(application.uow, principal, ticket_id)
    articles = [
        ArticleOut.of(a, files) for a in access.list_articles(application.reader, principal, ticket_id)
    ]
    return slice_page(request, response, articles, limit, offset)


@tickets_router.post("/tickets/{ticket_id}/articles", status_code=status.HTTP_201_CREATED)
def add_article(
    ticket_id: TicketId, body: ArticleIn, application: CurrentApplication, principal: CurrentPrincipal
) -> ArticleOut:
    """Add an article with its attachments (base64; each at most the configured size). Agents need
    the ``note`` permission; customers may write to their tickets."""
    _, stored = attachments.update_ticket(
        application.uow,
        application.runtime,
        principal,
        ticket_id,
        {},
        body.files("attachments"),
        now=now(),
        max_bytes=application.settings.attachment_max_bytes,
        article=body.effect(_sender(principal)),
        field="attachments",
    )
    added = access.list_articles(application.reader, principal, ticket_id)
    mine = [a for a in added if a.id == stored[0].article_id] if stored else []
    return ArticleOut.of((mine or added)[-1], stored)


@tickets_router.get("/tickets/{ticket_id}/attachments")
def list_attachments(
    ticket_id: TicketId, application: CurrentApplication, principal: CurrentPrincipal
) -> list[AttachmentOut]:
    """The ticket's attachments the caller may read (customers: of articles visible to customers)."""
    return [AttachmentOut.of(a) for a in attachments.list_attachments(application.uow, principal, ticket_id)]


@tickets_router.get(
    "/tickets/{ticket_id}/attachments/{attachment_id}",
    response_class=Response,
    responses={200: {"content": {"application/octet-stream": {}}, "description": "the file"}},
)
def download_attachment(
    ticket_id: TicketId,
    attachment_id: TicketId,
    application: CurrentApplication,
    principal: CurrentPrincipal,
) -> Response:
    """The file's bytes, as a download."""
    found = attachments.get_attachment(application.uow, principal, ticket_id, attachment_id)
    return download(found.content or b"", found.filename, found.content_type)


def download(content: bytes, filename: str, content_type: str) -> Response:
    """A response that makes the browser save the file (never render it: an uploaded HTML or SVG file
    must not run in our origin)."""
    headers = {
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename, safe='')}",
        "X-Content-Type-Options": "nosniff",
    }
    return Response(content, media_type=content_type or "application/octet-stream", headers=headers)


@tickets_router.get("/tickets/{ticket_id}/dialogs")
def list_dialogs(
    ticket_id: TicketId, application: CurrentApplication, principal: CurrentPrincipal
) -> list[DialogOut]:
    """The dialogs of the ticket's current activity that the caller may submit now."""
    found = dialog_access.available_dialogs(application.reader, application.runtime, principal, ticket_id)
    return [DialogOut.of(d) for d in found]


@tickets_router.post("/tickets/{ticket_id}/dialogs/{dialog_key}")
def submit_dialog(
    ticket_id: TicketId,
    dialog_key: str,
    body: DialogSubmit,
    application: CurrentApplication,
    principal: CurrentPrincipal,
    response: Response,
    if_match: IfMatch = None,
) -> TicketOut:
    """Submit a dialog: its fields are stored and the process moves on. Bad fields are all named in
    the problem's ``errors``."""
    current = access.check_ticket(application.reader, principal, ticket_id)
    version = expected_version(if_match, current.version)
    ticket = dialog_access.submit_dialog(
        application.uow,
        application.runtime,
        principal,
        ticket_id,
        dialog_key,
        {k: tuple(v) if isinstance(v, list) else v for k, v in body.values.items()},
        now=now(),
        expected_version=version,
        reader=application.reader,
    )
    response.headers["ETag"] = etag(ticket.version)
    return TicketOut.of(ticket)
