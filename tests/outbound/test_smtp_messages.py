"""``build_message``: what a receiver reads back is what the notification said, on the lean path
(ASCII headers) and on ``EmailMessage``'s (anything else)."""

from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage

import pytest

from ticketflow.domain.notifications import OutgoingMail
from ticketflow.outbound.smtp import build_message


def _received(mail: OutgoingMail) -> EmailMessage:
    parsed = email.message_from_bytes(build_message(mail).as_bytes(), policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def _mail(**changes: str | None) -> OutgoingMail:
    fields: dict[str, str | None] = {
        "sender": "ticketflow@example.com",
        "to": "manager@example.com",
        "subject": "Please decide on Chairs <for> the office, a subject long enough to be folded somewhere",
        "text": "Ticket 2026112610000015 waits for your decision.\n",
        "html": None,
        "message_id": "<job-7.manager@example.com>",
    }
    return OutgoingMail(**(fields | changes))  # type: ignore[arg-type]


def test_a_plain_mail_reads_back_as_sent() -> None:
    mail = _mail()
    received = _received(mail)
    assert [received[h] for h in ("From", "To", "Subject", "Message-ID")] == [
        mail.sender,
        mail.to,
        mail.subject,
        mail.message_id,
    ]
    assert received["Date"] is not None
    assert received.get_content_type() == "text/plain"
    assert received.get_content() == mail.text


def test_an_html_mail_carries_both_alternatives() -> None:
    mail = _mail(html="<p>Ticket <b>2026112610000015</b> waits.</p>")
    received = _received(mail)
    assert received.get_content_type() == "multipart/alternative"
    parts = {part.get_content_type(): part.get_content() for part in received.iter_parts()}
    assert parts == {"text/plain": mail.text, "text/html": mail.html}


def test_non_ascii_subjects_and_bodies_are_encoded() -> None:
    mail = _mail(subject="Bestellung für Jörg: 2 × Monitor", text="Grüße — der Einkauf\n")
    received = _received(mail)
    assert received["Subject"] == mail.subject
    assert received.get_content() == mail.text
    assert mail.subject not in build_message(mail).as_string()  # encoded on the wire, not raw


def test_a_line_break_in_a_header_is_refused() -> None:
    with pytest.raises(ValueError, match="linefeed or carriage return"):
        build_message(_mail(subject="Hello\r\nBcc: someone@example.com"))
