"""Pydantic models of the REST API: what it takes and what it answers, converted from use-case values."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from ticketflow.domain.definitions import ActivityDialog
from ticketflow.domain.effects import AddArticle
from ticketflow.domain.errors import InvalidInputError
from ticketflow.domain.tickets import DYNAMIC_FIELD_PREFIX, Ticket, Value
from ticketflow.usecases.records import Article, Attachment, HistoryEntry, NewAttachment

Name = Annotated[str, Field(min_length=1, max_length=200)]
FieldValue = str | list[str]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ProcessPositionOut(BaseModel):
    process_key: str
    version: int
    activity_key: str
    status: str
    failure: str | None = None


class TicketOut(BaseModel):
    id: int
    number: str
    title: str
    queue: str
    state: str
    state_type: str
    priority: str
    lock: str
    owner: str
    responsible: str | None
    type: str | None
    service: str | None
    sla: str | None
    customer_id: str | None
    customer_user_id: str | None
    pending_until: datetime | None
    created_at: datetime
    changed_at: datetime
    version: int
    dynamic_fields: dict[str, FieldValue]
    process: ProcessPositionOut | None

    @classmethod
    def of(cls, ticket: Ticket) -> TicketOut:
        position = ticket.process
        return cls(
            id=ticket.id,
            number=ticket.number,
            title=ticket.title,
            queue=ticket.queue,
            state=ticket.state,
            state_type=ticket.state_type,
            priority=ticket.priority,
            lock=ticket.lock,
            owner=ticket.owner,
            responsible=ticket.responsible,
            type=ticket.type,
            service=ticket.service,
            sla=ticket.sla,
            customer_id=ticket.customer_id,
            customer_user_id=ticket.customer_user_id,
            pending_until=ticket.pending_until,
            created_at=ticket.created_at,
            changed_at=ticket.changed_at,
            version=ticket.version,
            dynamic_fields={
                k: list(v) if isinstance(v, tuple) else v for k, v in ticket.dynamic_fields.items()
            },
            process=None
            if position is None
            else ProcessPositionOut(
                process_key=position.process_key,
                version=position.version,
                activity_key=position.activity_key,
                status=position.status.value,
                failure=position.failure,
            ),
        )


class AttachmentIn(Strict):
    """A file, its bytes in base64 (as OTOBO's API sends them)."""

    filename: Annotated[str, Field(min_length=1, max_length=250)]
    content_type: Annotated[str, Field(max_length=250)] = "application/octet-stream"
    content: Annotated[str, Field(description="the file's bytes, base64")]

    def decoded(self, field: str) -> NewAttachment:
        try:
            content = base64.b64decode(self.content, validate=True)
        except (binascii.Error, ValueError) as error:
            raise InvalidInputError("the content is not base64", field=field) from error
        return NewAttachment(self.filename, self.content_type or "application/octet-stream", content)


class AttachmentOut(BaseModel):
    id: int
    article_id: int
    filename: str
    content_type: str
    size: int
    url: str = Field(description="where to download it")

    @classmethod
    def of(cls, attachment: Attachment) -> AttachmentOut:
        return cls(
            id=attachment.id,
            article_id=attachment.article_id,
            filename=attachment.filename,
            content_type=attachment.content_type,
            size=attachment.size,
            url=f"/api/v1/tickets/{attachment.ticket_id}/attachments/{attachment.id}",
        )


class ArticleIn(Strict):
    subject: Annotated[str, Field(min_length=1, max_length=3800)]
    body: Annotated[str, Field(max_length=1_000_000)]
    channel: Annotated[str, Field(pattern="^(Email|Phone|Internal)$")] = "Internal"
    visible_for_customer: bool = False
    content_type: Annotated[str, Field(max_length=200)] = "text/plain; charset=utf-8"
    from_address: Annotated[str, Field(max_length=500)] = ""
    to_address: Annotated[str, Field(max_length=500)] = ""
    attachments: Annotated[list[AttachmentIn], Field(max_length=20)] = []

    def files(self, field: str = "article.attachments") -> list[NewAttachment]:
        return [file.decoded(f"{field}[{index}].content") for index, file in enumerate(self.attachments)]

    def effect(self, sender_type: str) -> AddArticle:
        return AddArticle(
            subject=self.subject,
            body=self.body,
            channel=self.channel,
            sender_type=sender_type,
            # What a customer writes is theirs to read again.
            visible_for_customer=self.visible_for_customer or sender_type == "customer",
            content_type=self.content_type,
            from_address=self.from_address,
            to_address=self.to_address,
        )


class ArticleOut(BaseModel):
    id: int
    number: int
    subject: str
    body: str
    created_by: str
    created_at: datetime
    channel: str
    sender_type: str
    visible_for_customer: bool
    from_address: str
    to_address: str
    content_type: str
    attachments: list[AttachmentOut] = []

    @classmethod
    def of(cls, article: Article, attachments: Sequence[Attachment] = ()) -> ArticleOut:
        return cls(
            attachments=[AttachmentOut.of(a) for a in attachments if a.article_id == article.id],
            id=article.id,
            number=article.number,
            subject=article.subject,
            body=article.body,
            created_by=article.created_by,
            created_at=article.created_at,
            channel=article.channel,
            sender_type=article.sender_type,
            visible_for_customer=article.visible_for_customer,
            from_address=article.from_address,
            to_address=article.to_address,
            content_type=article.content_type,
        )


class TicketFields(Strict):
    """Ticket attributes by our snake_case names; dynamic fields by their names (no prefix)."""

    title: Annotated[str, Field(min_length=1, max_length=255)] | None = None
    queue: Name | None = None
    state: Name | None = None
    priority: Name | None = None
    type: Name | None = None
    service: Name | None = None
    sla: Name | None = None
    owner: Name | None = None
    responsible: Name | None = None
    lock: Annotated[str, Field(pattern="^(lock|unlock)$")] | None = None
    customer_user: Name | None = None
    customer_id: Annotated[str, Field(min_length=1, max_length=150)] | None = None
    dynamic_fields: dict[Name, FieldValue] = Field(default_factory=dict)

    def values(self) -> dict[str, Value]:
        """The fields given, in OTOBO's ticket-data names (``Queue``, ``DynamicField_<Name>`` …)."""
        names = {
            "title": "Title",
            "queue": "Queue",
            "state": "State",
            "priority": "Priority",
            "type": "Type",
            "service": "Service",
            "sla": "SLA",
            "owner": "Owner",
            "responsible": "Responsible",
            "lock": "Lock",
            "customer_user": "CustomerUserID",
            "customer_id": "CustomerID",
        }
        result: dict[str, Value] = {}
        for attribute, otobo in names.items():
            given = getattr(self, attribute)
            if given is not None:
                result[otobo] = given
        for name, value in self.dynamic_fields.items():
            result[DYNAMIC_FIELD_PREFIX + name] = tuple(value) if isinstance(value, list) else value
        return result


class TicketCreate(TicketFields):
    process: Name | None = Field(None, description="start the ticket in this process (its latest version)")
    start_values: dict[Name, FieldValue] = Field(
        default_factory=dict, description="the process's start dialog fields"
    )
    article: ArticleIn | None = None


class TicketUpdate(TicketFields):
    article: ArticleIn | None = None


class HistoryOut(BaseModel):
    id: int | None
    history_type: str
    name: str
    created_at: datetime
    created_by: str
    trace: list[dict[str, Any]]

    @classmethod
    def of(cls, entry: HistoryEntry) -> HistoryOut:
        return cls(
            id=entry.id,
            history_type=entry.history_type,
            name=entry.name,
            created_at=entry.created_at,
            created_by=entry.created_by,
            trace=[dict(item) for item in entry.trace],
        )


class DialogFieldOut(BaseModel):
    name: str
    display: str
    default: FieldValue | None
    description: str


class DialogOut(BaseModel):
    key: str
    name: str
    description: str
    interface: str
    permission: str | None
    required_lock: bool
    fields: list[DialogFieldOut]

    @classmethod
    def of(cls, dialog: ActivityDialog) -> DialogOut:
        return cls(
            key=dialog.key,
            name=dialog.name,
            description=dialog.description_short,
            interface=dialog.interface.value,
            permission=dialog.permission,
            required_lock=dialog.required_lock,
            fields=[
                DialogFieldOut(
                    name=f.name,
                    display=f.display.value,
                    default=list(f.default) if isinstance(f.default, tuple) else f.default,
                    description=f.description_short,
                )
                for f in dialog.fields
            ],
        )


class DialogSubmit(Strict):
    values: dict[Name, FieldValue] = Field(default_factory=dict)
