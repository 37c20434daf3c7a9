"""OTOBO's modules that always write: ``DynamicFieldSet``, ``TicketArticleCreate``, ``TicketCreate`` (§4)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

from ticketflow.domain.effects import AddArticle, CreateTicket, Effect, SetValue
from ticketflow.domain.errors import ActionError
from ticketflow.domain.parameters import Parameter
from ticketflow.domain.tickets import DYNAMIC_FIELD_PREFIX, Value
from ticketflow.domain.transition_actions.call import (
    USER_ID,
    ActionCall,
    ActionModule,
    ActionRun,
    dynamic_field_name,
    field_value,
    is_closed,
    is_pending,
    new_set_value,
    pending_time,
    templated,
)

_SENDER_TYPES = ("agent", "system", "customer")
_NOT_FIELDS = frozenset({"UserID", "TicketID"})


def _run_dynamic_field_set(call: ActionCall) -> tuple[Effect, ...]:
    """Each key (sorted, as OTOBO) is a dynamic field name, with or without ``DynamicField_``; ``UserID``
    is OTOBO's acting user and ``TicketID`` another ticket to write to (OTOBO 11)."""
    config = call.config
    other = _other_ticket(call) if "TicketID" in config else None
    keys = [key for key in config if key not in _NOT_FIELDS]
    if not keys:
        raise ActionError("no dynamic field configured (keys are dynamic field names)")
    if len(keys) > 1:
        keys.sort()
    effects: list[Effect] = []
    for key in keys:
        name = dynamic_field_name(key)
        effects.append(
            new_set_value(DYNAMIC_FIELD_PREFIX + name, field_value(call, name, config[key]), other)
        )
    return tuple(effects)


def _prepare_dynamic_field_set(config: Mapping[str, Value]) -> ActionRun | None:
    """For a fixed config writing to this ticket: the effects built once. Only a text value for a
    Multiselect field (from ``list_fields`` or the ticket's current value) needs the split, so such
    runs take the module's ``run``."""
    if "TicketID" in config or any(templated(value) for value in config.values()):
        return None
    keys = sorted(key for key in config if key not in _NOT_FIELDS)
    try:
        names = [dynamic_field_name(key) for key in keys]
    except ActionError:
        return None
    if not names:
        return None
    effects: tuple[Effect, ...] = tuple(
        SetValue(DYNAMIC_FIELD_PREFIX + name, config[key] or None)
        for name, key in zip(names, keys, strict=True)
    )
    texts = tuple(name for name, key in zip(names, keys, strict=True) if type(config[key]) is str)

    def run(call: ActionCall) -> tuple[Effect, ...]:
        list_fields, fields = call.list_fields, call.snapshot.dynamic_fields
        for name in texts:
            if name in list_fields or type(fields.get(name)) is tuple:
                return _run_dynamic_field_set(call)
        return effects

    return run


def _other_ticket(call: ActionCall) -> str | None:
    """The ticket ``TicketID`` names, None for this ticket (or none given)."""
    other = (call.text("TicketID") or "").strip() or None
    if other is None or other == call.snapshot.attributes.get("TicketID"):
        return None
    if not other.isdigit():
        raise ActionError(f"config key 'TicketID' must be a ticket id, not '{other}'")
    return other


def build_article(call: ActionCall) -> AddArticle:
    """The article a config describes (OTOBO's article keys). ``IsVisibleForCustomer`` is required."""
    visible = call.flag("IsVisibleForCustomer")
    if visible is None:
        raise ActionError("config key 'IsVisibleForCustomer' is required (0 or 1)")
    sender_type = call.text("SenderType") or "system"
    if sender_type not in _SENDER_TYPES:
        raise ActionError(f"SenderType must be one of {', '.join(_SENDER_TYPES)}, not '{sender_type}'")
    return AddArticle(
        subject=call.text("Subject") or "",
        body=call.text("Body") or "",
        channel=call.text("CommunicationChannel") or "Internal",
        sender_type=sender_type,
        visible_for_customer=visible,
        content_type=_content_type(call),
        from_address=call.text("From") or "",
        to_address=call.text("To") or "",
    )


def _content_type(call: ActionCall) -> str:
    content_type = call.text("ContentType")
    if content_type:
        return content_type
    mime_type = call.text("MimeType")
    if mime_type:
        return f"{mime_type}; charset={call.text('Charset') or 'utf-8'}"
    return "text/plain; charset=utf-8"


def _run_article_create(call: ActionCall) -> tuple[Effect, ...]:
    return (build_article(call),)


# TicketCreate config key → ticket-data name in CreateTicket.values.
_TICKET_KEYS = {
    "Title": "Title",
    "Queue": "Queue",
    "State": "State",
    "Priority": "Priority",
    "Lock": "Lock",
    "Owner": "Owner",
    "Responsible": "Responsible",
    "Type": "Type",
    "Service": "Service",
    "SLA": "SLA",
    "CustomerID": "CustomerID",
    "CustomerUser": "CustomerUserID",
}
_WITH_ID = frozenset({"Queue", "State", "Priority", "Lock", "Owner", "Responsible", "Type", "Service", "SLA"})


def _run_ticket_create(call: ActionCall) -> tuple[Effect, ...]:
    """A new ticket. Missing Queue/State/Lock/Priority are left out: the use case fills them (OTOBO
    uses its ``Process::Default*`` settings). ``PendingTimeDiff`` is in **minutes** here (Q9). ``TN``
    and ``ArchiveFlag`` are accepted and ignored: ticketflow numbers its tickets, has no archive flag."""
    call.required("Title")
    call.required_name("Owner")
    values: dict[str, Value] = {}
    for key, target in _TICKET_KEYS.items():
        value = call.name_or_id(key) if key in _WITH_ID else call.text(key)
        if value:
            values[target] = value
    values.update(_new_ticket_fields(call))
    state = call.text("State")
    if state and is_closed(call, state):
        values["Lock"] = "unlock"  # OTOBO unlocks tickets created closed
    elif state and is_pending(call, state):
        until = pending_time(call, timedelta(minutes=1))
        if until is not None:
            values["PendingTime"] = until
    article = (
        build_article(call) if "SenderType" in call.config and "IsVisibleForCustomer" in call.config else None
    )
    store = call.text("StoreTicketIDDynamicField")
    return (
        CreateTicket(
            values=values,
            article=article,
            link_as=call.text("LinkAs") or None,
            store_ticket_id_field=dynamic_field_name(store) if store else None,
        ),
    )


def _new_ticket_fields(call: ActionCall) -> dict[str, Value]:
    fields: dict[str, Value] = {}
    for key, value in call.config.items():
        if key.startswith("DynamicField_"):
            name = dynamic_field_name(key)
            stored = field_value(call, name, value)
            if stored is not None:
                fields[key] = stored
    return fields


_ARTICLE_PARAMETERS = (
    Parameter("SenderType", "agent, system or customer.", example="system"),
    Parameter("Subject", "Article subject.", example="Order <OTOBO_TICKET_TicketNumber>"),
    Parameter("Body", "Article body.", example="Approved by <OTOBO_TICKET_Owner>."),
    Parameter(
        "ContentType", "e.g. text/plain; charset=utf-8 (or MimeType and Charset).", example="text/plain"
    ),
    Parameter("CommunicationChannel", "Internal (default), Phone, Email …", example="Internal"),
    Parameter("From", "Sender address.", example="agent@example.com"),
    Parameter("To", "Recipient address (the article is stored, not sent).", example="customer@example.com"),
)

DYNAMIC_FIELD_SET = ActionModule(
    name="DynamicFieldSet",
    description=(
        "Sets dynamic fields: each key is a field name (DynamicField_UserID for a field called UserID). "
        "Comma-separated text fills a Multiselect; empty text clears. TicketID writes to another ticket."
    ),
    parameters=(
        Parameter(
            "<FieldName>", "The value for dynamic field <FieldName>.", required=True, example="approved"
        ),
        Parameter(
            "TicketID", "Write to this ticket instead (OTOBO 11).", example="<OTOBO_TICKET_ParentTicketID>"
        ),
        USER_ID,
    ),
    run=_run_dynamic_field_set,
    prepare=_prepare_dynamic_field_set,
)
TICKET_ARTICLE_CREATE = ActionModule(
    name="TicketArticleCreate",
    description="Adds an article to the ticket. It is stored, never sent as e-mail.",
    parameters=(
        Parameter("IsVisibleForCustomer", "0 or 1.", required=True, example="0"),
        *_ARTICLE_PARAMETERS,
        USER_ID,
    ),
    run=_run_article_create,
)
TICKET_CREATE = ActionModule(
    name="TicketCreate",
    description=(
        "Creates another ticket (with an article when SenderType and IsVisibleForCustomer are given). "
        "PendingTimeDiff is in minutes."
    ),
    parameters=(
        Parameter("Title", "Title of the new ticket.", required=True, example="Follow-up"),
        Parameter("Owner", "Owner login.", required=True, example="jdoe"),
        Parameter("Queue", "Queue name (default: the process default).", example="Raw"),
        Parameter("State", "State name (default: the process default).", example="new"),
        Parameter("Priority", "Priority name (default: the process default).", example="3 normal"),
        Parameter("Lock", "lock or unlock (default: the process default).", example="unlock"),
        Parameter("CustomerID", "Customer id.", example="ACME"),
        Parameter("CustomerUser", "Customer user login.", example="jdoe"),
        Parameter("Type", "Ticket type."),
        Parameter("Service", "Service name."),
        Parameter("SLA", "SLA name."),
        Parameter("Responsible", "Responsible login."),
        Parameter("PendingTime", "Absolute pending time (pending states)."),
        Parameter("PendingTimeDiff", "Minutes from PendingTime or now (pending states).", example="1440"),
        Parameter("DynamicField_<Name>", "A dynamic field of the new ticket."),
        Parameter(
            "LinkAs", "Link type between the new and this ticket: Normal, Parent, Child.", example="Child"
        ),
        Parameter(
            "StoreTicketIDDynamicField", "Dynamic field of this ticket that receives the new ticket id."
        ),
        Parameter("TN", "OTOBO's ticket number: accepted and ignored (ticketflow numbers its tickets)."),
        Parameter("ArchiveFlag", "OTOBO's archive flag: accepted and ignored."),
        Parameter("IsVisibleForCustomer", "0 or 1 (article)."),
        *_ARTICLE_PARAMETERS,
        USER_ID,
    ),
    run=_run_ticket_create,
)
