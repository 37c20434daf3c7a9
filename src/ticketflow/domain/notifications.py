"""Rendering an e-mail notification: a subject and a body with OTOBO's tags, as plain text or HTML.

Tags (reference §5.2), case-insensitive:

* ``<OTOBO_TICKET_…>``, ``<OTOBO_CUSTOMER_DATA_…>`` — the ticket's, as ``ticketflow.domain.placeholders``
  renders them;
* ``<OTOBO_OWNER_Attr>``, ``<OTOBO_RESPONSIBLE_Attr>`` (also ``<OTOBO_TICKET_OWNER_…>`` /
  ``<OTOBO_TICKET_RESPONSIBLE_…>``), ``<OTOBO_NOTIFICATION_RECIPIENT_Attr>`` and
  ``<OTOBO_CONFIG_Name>`` — from the ``people`` and ``config`` data the caller passes;
* an unknown attribute of a known family renders as ``-``; attributes that look like secrets
  (``…passw…``, ``…token…`` …) as ``xxx``, as OTOBO masks them.

In HTML bodies tags may be written escaped (``&lt;OTOBO_…&gt;``, as an HTML editor stores them) and
every inserted value is HTML-escaped; a plain-text alternative is derived from the HTML.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from ticketflow.domain.placeholders import Labels, render_text
from ticketflow.domain.tickets import TicketSnapshot

_PEOPLE_TAG = re.compile(
    r"<OTOBO_(?:TICKET_)?(OWNER|RESPONSIBLE|NOTIFICATION_RECIPIENT|CONFIG)_([A-Za-z0-9_\-:]+)>", re.IGNORECASE
)
_ANY_TAG = re.compile(r"<OTOBO_[A-Za-z0-9_\-:\.\[\]]+>", re.IGNORECASE)
_ESCAPED_TAG = re.compile(r"&lt;(OTOBO_[A-Za-z0-9_\-:\.\[\]]+)&gt;", re.IGNORECASE)
_SENSITIVE = re.compile(r"config|secret|passw|userpw|auth|token", re.IGNORECASE)
_BLOCK_END = re.compile(r"<\s*(br|/p|/div|/li|/tr|/h[1-6])\b[^>]*>", re.IGNORECASE)
_ANY_HTML_TAG = re.compile(r"<[^>]+>")
_UNKNOWN = "-"
_MASKED = "xxx"

PersonData = Mapping[str, str]
"""A person's attributes under OTOBO's names: ``UserLogin``, ``UserFirstname``, ``UserLastname``,
``UserFullname``, ``UserEmail``."""


@dataclass(frozen=True, slots=True)
class NotificationData:
    """Everything a notification's tags may read besides the ticket."""

    owner: PersonData
    responsible: PersonData
    recipient: PersonData
    config: Mapping[str, str]
    labels: Labels = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RenderedMail:
    """A rendered notification: ``html`` is None for a plain-text one."""

    subject: str
    text: str
    html: str | None = None


def is_html(content_type: str) -> bool:
    return content_type.split(";", 1)[0].strip().lower() == "text/html"


def render_notification(
    subject: str, body: str, content_type: str, snapshot: TicketSnapshot, data: NotificationData
) -> RenderedMail:
    """The notification for one ticket. The subject is always one line of plain text (line breaks
    in values become spaces, so no value can add a mail header)."""
    rendered_subject = " ".join(render_tags(subject, snapshot, data).split())
    if not is_html(content_type):
        return RenderedMail(rendered_subject, render_tags(body, snapshot, data))
    markup = render_tags(_ESCAPED_TAG.sub(r"<\1>", body), snapshot, data, escape=html.escape)
    return RenderedMail(rendered_subject, html_to_text(markup), markup)


def render_tags(
    text: str,
    snapshot: TicketSnapshot,
    data: NotificationData,
    *,
    escape: Callable[[str], str] | None = None,
) -> str:
    """``text`` with every ``<OTOBO_…>`` tag replaced; ``escape`` is applied to inserted values only."""
    quote = escape or _same
    parts: list[str] = []
    position = 0
    for match in _ANY_TAG.finditer(text):
        parts.append(text[position : match.start()])
        parts.append(quote(_tag_value(match.group(0), snapshot, data)))
        position = match.end()
    parts.append(text[position:])
    return "".join(parts)


def html_to_text(markup: str) -> str:
    """A readable plain-text version of an HTML body: line breaks at block ends, tags dropped."""
    text = _ANY_HTML_TAG.sub("", _BLOCK_END.sub("\n", markup))
    lines = (line.strip() for line in html.unescape(text).splitlines())
    return "\n".join(line for line in lines if line) + "\n"


def person_data(login: str, first_name: str, last_name: str, email: str) -> dict[str, str]:
    """A person's tag data under OTOBO's attribute names."""
    return {
        "UserLogin": login,
        "UserFirstname": first_name,
        "UserLastname": last_name,
        "UserFullname": f"{first_name} {last_name}".strip() or login,
        "UserEmail": email,
    }


def _tag_value(tag: str, snapshot: TicketSnapshot, data: NotificationData) -> str:
    people = _PEOPLE_TAG.fullmatch(tag)
    if people is None:
        return render_text(tag, snapshot, data.labels)
    family, attribute = people.group(1).upper(), people.group(2)
    if _SENSITIVE.search(attribute) and family != "CONFIG":
        return _MASKED
    source = {
        "OWNER": data.owner,
        "RESPONSIBLE": data.responsible,
        "NOTIFICATION_RECIPIENT": data.recipient,
        "CONFIG": data.config,
    }[family]
    if family == "CONFIG" and re.search(r"(password|pw)$", attribute, re.IGNORECASE):
        return _MASKED
    return _lookup(source, attribute)


def _lookup(source: Mapping[str, str], name: str) -> str:
    if name in source:
        return source[name]
    folded = name.casefold()
    return next((v for k, v in source.items() if k.casefold() == folded), _UNKNOWN)


def _same(value: str) -> str:
    return value


@dataclass(frozen=True, slots=True)
class OutgoingMail:
    """One message to send. ``message_id`` is stable for a job and recipient, so a receiver can
    recognise a mail that a retry sends again."""

    sender: str
    to: str
    subject: str
    text: str
    html: str | None = None
    message_id: str | None = None
