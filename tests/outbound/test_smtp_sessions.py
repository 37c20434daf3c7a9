"""``SmtpMailer`` keeps one SMTP session per thread across messages, and replaces it when needed."""

from __future__ import annotations

import smtplib

import pytest
from fake_servers import RunningSmtp

from ticketflow.domain.errors import PermanentError
from ticketflow.domain.notifications import OutgoingMail
from ticketflow.outbound.smtp import SmtpMailer, SmtpSettings


def mail(to: str = "a@example.com") -> OutgoingMail:
    return OutgoingMail(sender="t@example.com", to=to, subject="Hello", text="Hi", html=None, message_id=None)


def counting(mailer: SmtpMailer, monkeypatch: pytest.MonkeyPatch) -> list[smtplib.SMTP]:
    opened: list[smtplib.SMTP] = []
    connect = mailer._connect

    def recorded() -> smtplib.SMTP:
        opened.append(connect())
        return opened[-1]

    monkeypatch.setattr(mailer, "_connect", recorded)
    return opened


def test_messages_of_a_thread_share_one_session(
    smtp_server: RunningSmtp, monkeypatch: pytest.MonkeyPatch
) -> None:
    mailer = SmtpMailer(SmtpSettings("127.0.0.1", smtp_server.port))
    opened = counting(mailer, monkeypatch)
    for address in ("a@example.com", "b@example.com", "c@example.com"):
        mailer.send(mail(address))
    mailer.close()
    assert [e.rcpt_tos for e in smtp_server.mailbox.envelopes] == [
        ["a@example.com"],
        ["b@example.com"],
        ["c@example.com"],
    ]
    assert len(opened) == 1


def test_a_failure_drops_the_session_and_the_next_message_opens_a_fresh_one(
    smtp_server: RunningSmtp, monkeypatch: pytest.MonkeyPatch
) -> None:
    mailer = SmtpMailer(SmtpSettings("127.0.0.1", smtp_server.port))
    opened = counting(mailer, monkeypatch)
    mailer.send(mail())
    smtp_server.mailbox.refuse = "550 no such user"
    with pytest.raises(PermanentError):
        mailer.send(mail("nobody@example.com"))
    smtp_server.mailbox.refuse = None
    mailer.send(mail("b@example.com"))
    mailer.close()
    assert len(opened) == 2
    assert [e.rcpt_tos for e in smtp_server.mailbox.envelopes] == [["a@example.com"], ["b@example.com"]]


def test_a_session_the_server_closed_is_reopened_and_the_message_sent(
    smtp_server: RunningSmtp, monkeypatch: pytest.MonkeyPatch
) -> None:
    mailer = SmtpMailer(SmtpSettings("127.0.0.1", smtp_server.port))
    opened = counting(mailer, monkeypatch)
    mailer.send(mail())
    opened[0].sock.shutdown(2)  # type: ignore[union-attr]  # as if the server had dropped us
    mailer.send(mail("b@example.com"))
    mailer.close()
    assert len(opened) == 2
    assert [e.rcpt_tos for e in smtp_server.mailbox.envelopes] == [["a@example.com"], ["b@example.com"]]


def test_an_idle_session_is_not_reused(smtp_server: RunningSmtp, monkeypatch: pytest.MonkeyPatch) -> None:
    mailer = SmtpMailer(SmtpSettings("127.0.0.1", smtp_server.port, reuse_seconds=0.0))
    opened = counting(mailer, monkeypatch)
    mailer.send(mail())
    mailer.send(mail("b@example.com"))
    mailer.close()
    assert len(opened) == 2
