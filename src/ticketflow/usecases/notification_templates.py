"""Notification templates (what the ``SendNotification`` action and e-mail tasks send): create and
change them, refusing a template that would not render as meant, with the field at fault named.

A template has a subject (one line), a body, and the body's format: plain text or HTML (an HTML mail
carries a plain-text alternative made from it). Recipients are not part of a template: the action or
task that sends it names them (``owner``, ``responsible``, ``customer``, ``role:…``, ``queue:…`` or
addresses), so one template serves several processes.

Placeholders are OTOBO's ``<OTOBO_…>`` tags (in HTML also written ``&lt;OTOBO_…&gt;``); only the
families this system replaces are accepted, so that a typo does not reach a customer as ``-``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from ticketflow.domain.catalog import Catalog
from ticketflow.domain.errors import InvalidInputError
from ticketflow.usecases.admin import CatalogCache
from ticketflow.usecases.catalog_records import NotificationTemplate
from ticketflow.usecases.ports import UnitOfWork

UnitOfWorkFactory = Callable[[], UnitOfWork]

CONTENT_TYPES = {"text/plain": "Plain text", "text/html": "HTML"}
MAX_SUBJECT = 250
MAX_BODY = 100_000

_TAG = re.compile(r"(?:<|&lt;)(OTOBO_[A-Za-z0-9_\-:\.\[\]]*)(?:>|&gt;)", re.IGNORECASE)
_OLD_TAG = re.compile(r"(?:<|&lt;)OTRS_[A-Za-z0-9_\-:\.\[\]]*(?:>|&gt;)", re.IGNORECASE)
_ACTIVE_HTML = re.compile(r"<\s*(script|iframe|object|embed)\b|\son[a-z]+\s*=", re.IGNORECASE)
_DYNAMIC_FIELD = re.compile(r"OTOBO_TICKET_DynamicField_([A-Za-z0-9\-]+?)(?:_Value)?$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Placeholder:
    tag: str
    meaning: str


# The families the renderer replaces (domain.notifications, domain.placeholders), for the help text.
PLACEHOLDERS = (
    Placeholder(
        "<OTOBO_TICKET_TicketNumber>", "the ticket number (any ticket attribute: _Title, _Queue, _State …)"
    ),
    Placeholder("<OTOBO_TICKET_DynamicField_Name>", "a dynamic field's stored value"),
    Placeholder("<OTOBO_TICKET_DynamicField_Name_Value>", "a dynamic field's display value (option labels)"),
    Placeholder(
        "<OTOBO_CUSTOMER_DATA_UserFirstname>", "the customer user's data (UserEmail, UserLastname …)"
    ),
    Placeholder("<OTOBO_OWNER_UserFullname>", "the owner (UserLogin, UserFirstname, UserEmail …)"),
    Placeholder("<OTOBO_RESPONSIBLE_UserFullname>", "the responsible agent, like the owner"),
    Placeholder("<OTOBO_NOTIFICATION_RECIPIENT_UserFirstname>", "the person this mail goes to"),
    Placeholder("<OTOBO_CONFIG_FQDN>", "a system setting (passwords are masked)"),
)
_FAMILIES = (
    "OTOBO_TICKET_",
    "OTOBO_CUSTOMER_DATA_",
    "OTOBO_OWNER_",
    "OTOBO_RESPONSIBLE_",
    "OTOBO_NOTIFICATION_RECIPIENT_",
    "OTOBO_CONFIG_",
)


def save_template(
    uow_factory: UnitOfWorkFactory,
    values: Mapping[str, str],
    *,
    existing: str | None = None,
    cache: CatalogCache | None = None,
) -> NotificationTemplate:
    """Create a template (``existing`` None) or change the template named ``existing`` (its name
    stays). ``values``: name, subject, body, content_type, valid ("0"/"1", default valid).
    Placeholders are checked against the catalog as stored now. InvalidInputError names the first
    field at fault, NotFoundError an unknown ``existing``; nothing is stored then."""
    with uow_factory() as uow:
        if existing is not None:
            uow.catalog.get(NotificationTemplate, existing)
        record = _checked(values, uow.catalog.catalog(), existing)
        if existing is None:
            if uow.catalog.find(NotificationTemplate, record.name) is not None:
                raise InvalidInputError(f"notification template '{record.name}' already exists", field="name")
            uow.catalog.add(record)
        else:
            uow.catalog.replace(record)
        uow.commit()
    if cache is not None:
        cache.forget_catalog()
    return record


def _checked(values: Mapping[str, str], catalog: Catalog, existing: str | None) -> NotificationTemplate:
    name = existing if existing is not None else values.get("name", "")
    if not name.strip():
        raise InvalidInputError("must not be empty", field="name")
    if name != name.strip() or len(name) > 200:
        raise InvalidInputError(
            f"'{name}' must not start or end with spaces (at most 200 characters)", "name"
        )
    subject = values.get("subject", "")
    if not subject.strip():
        raise InvalidInputError("must not be empty", field="subject")
    if "\n" in subject or "\r" in subject or len(subject) > MAX_SUBJECT:
        raise InvalidInputError(f"must be one line of at most {MAX_SUBJECT} characters", field="subject")
    content_type = values.get("content_type") or "text/plain"
    if content_type not in CONTENT_TYPES:
        raise InvalidInputError(f"'{content_type}' is not one of {', '.join(CONTENT_TYPES)}", "content_type")
    body = values.get("body", "").replace("\r\n", "\n")
    if not body.strip():
        raise InvalidInputError("must not be empty", field="body")
    if len(body) > MAX_BODY:
        raise InvalidInputError(f"is longer than {MAX_BODY} characters", field="body")
    if content_type == "text/html" and (active := _ACTIVE_HTML.search(body)):
        raise InvalidInputError(
            f"'{active.group(0).strip()}' is not allowed: mail clients do not run scripts", field="body"
        )
    for field, text in (("subject", subject), ("body", body)):
        _check_placeholders(text, field, catalog)
    valid = values.get("valid", "1") not in ("0", "", "false")
    return NotificationTemplate(name, subject.strip(), body, content_type, valid)


def _check_placeholders(text: str, field: str, catalog: Catalog) -> None:
    old = _OLD_TAG.search(text)
    if old:
        raise InvalidInputError(
            f"{old.group(0)} is an OTRS/Znuny tag and stays literal here: write <OTOBO_…> instead", field
        )
    for match in _TAG.finditer(text):
        tag = match.group(1)
        family = next((f for f in _FAMILIES if tag.upper().startswith(f) and len(tag) > len(f)), None)
        if family is None:
            raise InvalidInputError(
                f"<{tag}> is not a placeholder this system replaces (see the list beside the form)", field
            )
        named = _DYNAMIC_FIELD.match(tag)
        if named and named.group(1) not in catalog.dynamic_fields:
            raise InvalidInputError(f"<{tag}>: there is no dynamic field '{named.group(1)}'", field)
