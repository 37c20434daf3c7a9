"""Articles with attachments on the pages: the note form of the agent zoom and the customer ticket
page (a multipart form, files checked against ``attachment_max_bytes``), and downloads, checked like
the API's (a customer only gets files of articles visible to customers)."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.datastructures import UploadFile

from ticketflow.domain.effects import AddArticle
from ticketflow.domain.errors import InvalidInputError
from ticketflow.usecases import attachments
from ticketflow.usecases.principals import Principal
from ticketflow.usecases.records import Attachment, NewAttachment
from ticketflow.web.api.tickets import download
from ticketflow.web.ui.core import (
    AgentForm,
    AgentSession,
    CustomerForm,
    CustomerSession,
    SignedInForm,
    Ui,
    redirect,
)

FILE_FIELD = "attachment"


def files_by_article(ui: Ui, principal: Principal, ticket_id: int) -> dict[int, list[Attachment]]:
    """The ticket's attachments the principal may read, by article id, for the timeline."""
    grouped: dict[int, list[Attachment]] = {}
    for found in attachments.list_attachments(ui.application.uow, principal, ticket_id):
        grouped.setdefault(found.article_id, []).append(found)
    return grouped


async def _uploaded(form: SignedInForm, max_bytes: int) -> list[NewAttachment]:
    """The form's files; an over-large one is refused before more than ``max_bytes + 1`` of it is read."""
    files = []
    for index, upload in enumerate(form.form.getlist(FILE_FIELD)):
        if not isinstance(upload, UploadFile) or not upload.filename:
            continue  # the empty file input of a form sent without a file
        content = await upload.read(max_bytes + 1)
        if len(content) > max_bytes:
            raise InvalidInputError(
                f"'{upload.filename}' is larger than the limit of {max_bytes} bytes",
                field=f"{FILE_FIELD}[{index}]",
            )
        files.append(
            NewAttachment(upload.filename, upload.content_type or "application/octet-stream", content)
        )
    return files


def _article(form: SignedInForm, *, customer: bool) -> AddArticle:
    subject, body = form.text("subject").strip(), form.text("body")
    if not subject:
        raise InvalidInputError("a subject is required", field="subject")
    return AddArticle(
        subject=subject,
        body=body,
        sender_type="customer" if customer else "agent",
        visible_for_customer=customer or form.text("visible_for_customer") == "1",
    )


async def _add(ui: Ui, request: Request, form: SignedInForm, ticket_id: int, *, customer: bool) -> Response:
    max_bytes = ui.application.settings.attachment_max_bytes
    try:
        try:
            article = _article(form, customer=customer)
            files: Sequence[NewAttachment] = await _uploaded(form, max_bytes)
        finally:
            await form.form.close()  # uploaded files are spooled to temporary files
        attachments.update_ticket(
            ui.application.uow,
            ui.application.runtime,
            form.principal,
            ticket_id,
            {},
            files,
            now=ui.now(),
            max_bytes=max_bytes,
            article=article,
            field=FILE_FIELD,
        )
    except InvalidInputError as error:
        # The message names the field at fault (``attachment[0]: 'big.iso' is larger than …``).
        message = f"{error.field}: {error.message}" if error.field else error.message
        return ui.error_page(request, 400, message)
    zoom = "/customer/tickets" if customer else "/agent/tickets"
    return redirect(f"{zoom}/{ticket_id}#articles-heading")


def router(ui: Ui) -> APIRouter:
    routes = ui.router()

    @routes.post("/agent/tickets/{ticket_id}/articles")
    async def agent_add(request: Request, form: AgentForm, ticket_id: int) -> Response:
        return await _add(ui, request, form, ticket_id, customer=False)

    @routes.post("/customer/tickets/{ticket_id}/articles")
    async def customer_add(request: Request, form: CustomerForm, ticket_id: int) -> Response:
        return await _add(ui, request, form, ticket_id, customer=True)

    @routes.get("/agent/tickets/{ticket_id}/attachments/{attachment_id}")
    def agent_download(session: AgentSession, ticket_id: int, attachment_id: int) -> Response:
        found = attachments.get_attachment(ui.application.uow, session.principal, ticket_id, attachment_id)
        return download(found.content or b"", found.filename, found.content_type)

    @routes.get("/customer/tickets/{ticket_id}/attachments/{attachment_id}")
    def customer_download(session: CustomerSession, ticket_id: int, attachment_id: int) -> Response:
        found = attachments.get_attachment(ui.application.uow, session.principal, ticket_id, attachment_id)
        return download(found.content or b"", found.filename, found.content_type)

    return routes
