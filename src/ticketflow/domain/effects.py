"""Effects: what the engine, a transition action or a script wants done. Plain values, never performed here.

Ticket effects (``SetValue``, ``AddArticle``) change the ticket inside the step's transaction. The
others become jobs for the worker (``SendNotification``, ``CallWebService``) or are carried out by the
use case in the same transaction (``CreateTicket``, ``StartSubProcess``, ``ResumeParent``,
``SetValue`` on another ticket).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta

from ticketflow.domain.tickets import Value


@dataclass(frozen=True, slots=True)
class SetValue:
    """Set a ticket attribute or ``DynamicField_<Name>`` (None clears). ``ticket_id`` targets another."""

    key: str
    value: Value | None
    ticket_id: str | None = None


@dataclass(frozen=True, slots=True)
class AddArticle:
    subject: str
    body: str
    channel: str = "Internal"
    sender_type: str = "system"
    visible_for_customer: bool = False
    content_type: str = "text/plain; charset=utf-8"
    from_address: str = ""
    to_address: str = ""


@dataclass(frozen=True, slots=True)
class CreateTicket:
    """A new ticket (OTOBO's TicketCreate action); ``values`` uses ticket-data names."""

    values: Mapping[str, Value]
    article: AddArticle | None = None
    link_as: str | None = None
    store_ticket_id_field: str | None = None


@dataclass(frozen=True, slots=True)
class SendNotification:
    """An e-mail to send (a job). ``recipients`` are specs: ``owner``, ``responsible``, ``customer``,
    ``role:<name>``, ``queue:<name>`` or a plain address."""

    recipients: tuple[str, ...]
    subject: str
    body: str
    template: str | None = None
    content_type: str = "text/plain"


@dataclass(frozen=True, slots=True)
class CallWebService:
    """A service-task call to make (a job); the ticket waits in ``activity_key`` until it answers."""

    activity_key: str
    web_service: str
    invoker: str
    parameters: Mapping[str, str]
    timeout: timedelta
    error_code: str | None = None


@dataclass(frozen=True, slots=True)
class StartSubProcess:
    """Create a child ticket in ``process_key`` (pinned version) with ``values``; the parent waits."""

    activity_key: str
    process_key: str
    version: int | None
    values: Mapping[str, Value] = field(default_factory=dict)
    title: str = ""


@dataclass(frozen=True, slots=True)
class ResumeParent:
    """A child process reached its end: hand ``values`` back to the parent ticket, which continues."""

    parent_ticket_id: str
    values: Mapping[str, Value]


TicketEffect = SetValue | AddArticle
JobEffect = SendNotification | CallWebService
Effect = (
    SetValue | AddArticle | CreateTicket | SendNotification | CallWebService | StartSubProcess | ResumeParent
)


def describe_effect(effect: Effect) -> str:
    """A readable sentence for an effect: what Test Mode says *would* happen, and the audit trail says did."""
    match effect:
        case SetValue(ticket_id=None):
            return f"set {effect.key} to {_show(effect.value)}"
        case SetValue():
            return f"set {effect.key} of ticket {effect.ticket_id} to {_show(effect.value)}"
        case AddArticle():
            visibility = "visible to the customer" if effect.visible_for_customer else "internal"
            article = "an" if effect.channel[:1].lower() in "aeiou" else "a"
            return f"add {article} {effect.channel} article ({visibility}) '{effect.subject}'"
        case CreateTicket():
            return f"create a ticket {_show(effect.values.get('Title', ''))}" + (
                f" linked as {effect.link_as}" if effect.link_as else ""
            )
        case SendNotification():
            what = (
                f"template '{effect.template}'"
                if effect.template and not effect.subject
                else f"'{effect.subject}'"
            )
            return f"send an e-mail to {', '.join(effect.recipients)}: {what}"
        case CallWebService():
            return (
                f"call web service {effect.web_service} invoker {effect.invoker} "
                f"(timeout {effect.timeout.total_seconds():g} s) with {dict(effect.parameters)}"
            )
        case StartSubProcess():
            return f"start sub-process {effect.process_key} in a child ticket with {dict(effect.values)}"
        case ResumeParent():
            return f"hand {dict(effect.values)} back to ticket {effect.parent_ticket_id}"


def _show(value: Value | None) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, tuple):
        return "[" + ", ".join(f"'{item}'" for item in value) + "]"
    return f"'{value}'"
