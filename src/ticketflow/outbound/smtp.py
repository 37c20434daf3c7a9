"""``SmtpMailer``: the ``Mailer`` port over smtplib.

A worker thread keeps its SMTP session open across messages: connect, greeting, EHLO and QUIT
(plus STARTTLS and login when configured) were four round trips or more per mail on top of the
message's own. A session idle longer than ``reuse_seconds`` is replaced by a fresh one (servers
drop idle clients), one the server closed meanwhile is reopened and the message sent again on it,
and any failure drops the session, so that a message never rides on a half-broken one. SMTP
answers are translated for the worker: a 5xx refusal is final (``PermanentError``), a 4xx answer
or a connection problem is worth another try (``RetryableError``), as OTOBO's mail queue
does (reference §5.3).
"""

from __future__ import annotations

import smtplib
import ssl
import threading
import time
import weakref
from dataclasses import dataclass
from email.message import EmailMessage, Message
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formatdate

from ticketflow.domain.errors import PermanentError, RetryableError
from ticketflow.domain.notifications import OutgoingMail


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    """Where and how to deliver: ``security`` is ``none``, ``starttls`` or ``tls``."""

    host: str
    port: int
    security: str = "none"
    user: str | None = None
    password: str | None = None
    timeout_seconds: float = 30.0
    reuse_seconds: float = 10.0  # an idle session older than this is closed, not reused


class SmtpMailer:
    """Sends each ``OutgoingMail`` as a multipart (text + HTML) or plain-text message."""

    def __init__(self, settings: SmtpSettings, *, tls_context: ssl.SSLContext | None = None) -> None:
        self._settings = settings
        self._tls = tls_context or ssl.create_default_context()
        self._local = threading.local()  # per thread: (session, last used, monotonic) or None
        # Every open session, so that they are closed with the mailer (a finalizer, not __del__:
        # it holds the list, so the sockets cannot be collected unclosed before it has run).
        self._open_sessions: set[smtplib.SMTP] = set()
        self._sessions_lock = threading.Lock()
        weakref.finalize(self, _close_all, self._open_sessions, self._sessions_lock)

    def send(self, mail: OutgoingMail) -> None:
        """See ``ticketflow.usecases.ports.Mailer.send``."""
        message = build_message(mail)
        try:
            self._send(message)
        except BaseException:
            self._drop()  # never reuse a session after a failure (no QUIT: it may hang as well)
            raise

    def close(self) -> None:
        """End this thread's session, if any."""
        kept = getattr(self._local, "session", None)
        self._local.session = None
        if kept is not None:
            self._forget(kept[0])
            try:
                kept[0].quit()
            except (smtplib.SMTPException, OSError):
                kept[0].close()

    def _drop(self) -> None:
        kept = getattr(self._local, "session", None)
        self._local.session = None
        if kept is not None:
            self._forget(kept[0])
            kept[0].close()

    def _forget(self, smtp: smtplib.SMTP) -> None:
        with self._sessions_lock:
            self._open_sessions.discard(smtp)

    def _send(self, message: Message) -> None:
        try:
            kept = getattr(self._local, "session", None)
            if kept is not None and time.monotonic() - kept[1] > self._settings.reuse_seconds:
                self.close()
                kept = None
            if kept is not None:
                try:
                    kept[0].send_message(message)
                    self._local.session = (kept[0], time.monotonic())
                    return
                except (smtplib.SMTPServerDisconnected, ConnectionError):
                    self._drop()  # the server ended the idle session: a fresh one below
            smtp = self._open()
            with self._sessions_lock:
                self._open_sessions.add(smtp)
            self._local.session = (smtp, time.monotonic())
            smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as error:
            codes = [code for code, _ in error.recipients.values()]
            raise _by_code(min(codes), f"recipient refused: {_answers(error)}") from None
        except smtplib.SMTPResponseException as error:
            text = (
                error.smtp_error.decode("utf-8", "replace")
                if isinstance(error.smtp_error, bytes)
                else str(error.smtp_error)
            )
            raise _by_code(error.smtp_code, f"SMTP {error.smtp_code} {text}") from None
        except smtplib.SMTPNotSupportedError as error:
            raise PermanentError(f"the mail server does not support this: {error}") from None
        except (smtplib.SMTPException, OSError) as error:
            # Connection refused, reset, timed out, TLS handshake failures: the server may come back.
            raise RetryableError(
                f"cannot deliver through {self._settings.host}:{self._settings.port}: {error}"
            ) from None

    def _open(self) -> smtplib.SMTP:
        smtp = self._connect()
        try:
            if self._settings.security == "starttls":
                smtp.starttls(context=self._tls)
            if self._settings.user:
                smtp.login(self._settings.user, self._settings.password or "")
        except BaseException:
            smtp.close()
            raise
        return smtp

    def _connect(self) -> smtplib.SMTP:
        settings = self._settings
        if settings.security == "tls":
            return smtplib.SMTP_SSL(
                settings.host, settings.port, timeout=settings.timeout_seconds, context=self._tls
            )
        return smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout_seconds)


def _close_all(sessions: set[smtplib.SMTP], lock: threading.Lock) -> None:
    with lock:
        left = list(sessions)
        sessions.clear()
    for smtp in left:
        smtp.close()


def build_message(mail: OutgoingMail) -> Message:
    """The MIME message: text/plain, plus a text/html alternative when the mail has HTML.

    Headers that are plain ASCII on one line — nearly every notification — take the lean path:
    compat32 ``MIMEText`` parts (UTF-8 bodies, base64). ``EmailMessage``'s header registry parsed
    each header into an object model and formatted it again, 0.7 ms of CPU per mail (measured),
    about a seventh of an e-mail job in the worker. Anything else (a non-ASCII subject or address,
    a line break in a header) keeps ``EmailMessage``, which encodes it or refuses it properly."""
    date = formatdate(localtime=False, usegmt=True)
    headers = [("From", mail.sender), ("To", mail.to), ("Subject", mail.subject), ("Date", date)]
    if mail.message_id:
        headers.append(("Message-ID", mail.message_id))
    if not all(value.isascii() and "\r" not in value and "\n" not in value for _, value in headers):
        return _rich_message(mail, headers)
    text = MIMEText(mail.text, "plain", "utf-8")
    message: Message = (
        text
        if mail.html is None
        else MIMEMultipart("alternative", _subparts=[text, MIMEText(mail.html, "html", "utf-8")])
    )
    for name, value in headers:
        message[name] = value
    return message


def _rich_message(mail: OutgoingMail, headers: list[tuple[str, str]]) -> EmailMessage:
    message = EmailMessage()
    for name, value in headers:
        message[name] = value
    message.set_content(mail.text)
    if mail.html is not None:
        message.add_alternative(mail.html, subtype="html")
    return message


def _by_code(code: int, message: str) -> PermanentError | RetryableError:
    if 500 <= code < 600:
        return PermanentError(message, response=message)
    return RetryableError(message, response=message)


def _answers(error: smtplib.SMTPRecipientsRefused) -> str:
    return "; ".join(
        f"{address}: {code} {reply.decode('utf-8', 'replace')}"
        for address, (code, reply) in error.recipients.items()
    )
