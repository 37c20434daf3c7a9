"""``SmtpMailer``: the ``Mailer`` port over smtplib.

One connection per message: notifications are few per job and a fresh connection never carries a
half-broken session from an earlier failure. SMTP answers are translated for the worker: a 5xx
refusal is final (``PermanentError``), a 4xx answer or a connection problem is worth another try
(``RetryableError``), as OTOBO's mail queue does (reference §5.3).
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
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


class SmtpMailer:
    """Sends each ``OutgoingMail`` as a multipart (text + HTML) or plain-text message."""

    def __init__(self, settings: SmtpSettings, *, tls_context: ssl.SSLContext | None = None) -> None:
        self._settings = settings
        self._tls = tls_context or ssl.create_default_context()

    def send(self, mail: OutgoingMail) -> None:
        """See ``ticketflow.usecases.ports.Mailer.send``."""
        message = build_message(mail)
        try:
            with self._connect() as smtp:
                if self._settings.security == "starttls":
                    smtp.starttls(context=self._tls)
                if self._settings.user:
                    smtp.login(self._settings.user, self._settings.password or "")
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

    def _connect(self) -> smtplib.SMTP:
        settings = self._settings
        if settings.security == "tls":
            return smtplib.SMTP_SSL(
                settings.host, settings.port, timeout=settings.timeout_seconds, context=self._tls
            )
        return smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout_seconds)


def build_message(mail: OutgoingMail) -> EmailMessage:
    """The MIME message: text/plain, plus a text/html alternative when the mail has HTML."""
    message = EmailMessage()
    message["From"] = mail.sender
    message["To"] = mail.to
    message["Subject"] = mail.subject
    message["Date"] = formatdate(localtime=False, usegmt=True)
    if mail.message_id:
        message["Message-ID"] = mail.message_id
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
