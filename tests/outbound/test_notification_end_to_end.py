"""End to end: ``email`` jobs of the demo through the real handler and ``SmtpMailer`` to aiosmtpd."""

from __future__ import annotations

import email
from dataclasses import replace
from datetime import timedelta
from email.message import Message

import pytest
from fake_servers import MailBox
from outbound_support import NOW

from ticketflow.bootstrap import Application, job_handlers
from ticketflow.domain.definitions import Interface
from ticketflow.domain.errors import PermanentError, RetryableError
from ticketflow.outbound.smtp import SmtpMailer, SmtpSettings
from ticketflow.usecases.callers import Caller
from ticketflow.usecases.catalog_records import NotificationTemplate
from ticketflow.usecases.email_jobs import NotificationJobs
from ticketflow.usecases.jobs import AttemptFinish
from ticketflow.usecases.ports import UnitOfWork
from ticketflow.usecases.records import Job
from ticketflow.usecases.tickets import TicketInput, create_ticket

REQUEST = {
    "Title": "Chairs <for> the office",
    "DynamicField_PurchaseItems": "4 chairs",
    "DynamicField_PurchaseCategory": "office",
    "DynamicField_PurchaseAmount": "800.00",
    "DynamicField_PurchaseJustification": "Old ones broke.",
}


def _request(app: Application) -> int:
    ticket = create_ticket(
        app.uow,
        app.runtime,
        TicketInput(),
        caller=Caller("alice", Interface.CUSTOMER),
        now=NOW,
        process_key="purchase-request",
        start_values=REQUEST,
    )
    return ticket.id


def _mail_job(app: Application, ticket_id: int) -> Job:
    with app.uow() as uow:
        return [job for job in uow.jobs.list_jobs(ticket_id) if job.kind == "email"][-1]


def _received(mailbox: MailBox) -> list[Message]:
    return [email.message_from_bytes(bytes(envelope.content or b"")) for envelope in mailbox.envelopes]


def _text(message: Message) -> str:
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            return payload.decode().replace("\r\n", "\n")
    raise AssertionError("no text part")


def test_the_approval_mail_reaches_the_manager_and_becomes_an_article(
    demo_app: Application, mailbox: MailBox
) -> None:
    ticket_id = _request(demo_app)
    job = _mail_job(demo_app, ticket_id)
    handler = job_handlers(demo_app)["email"]

    handler.run(replace(job, attempts=1), NOW)
    # Claimed again (a retry after a crash): attempt 2 finds the manager's mail sent already.
    handler.run(replace(job, attempts=2), NOW)

    [message] = _received(mailbox)
    with demo_app.uow() as uow:
        ticket = uow.tickets.get(ticket_id)
        [article] = [a for a in uow.tickets.list_articles(ticket_id) if a.channel == "Email"]
        history = [h.history_type for h in uow.tickets.list_history(ticket_id)]
    assert message["To"] == "manager@example.com"
    assert message["From"] == "ticketflow@example.com"
    assert message["Subject"] == "Please decide on Chairs <for> the office"
    assert f"Ticket {ticket.number} waits for your decision." in _text(message)
    assert message["Message-ID"] == f"<job-{job.id}.manager@example.com>"
    assert (article.sender_type, article.to_address, article.visible_for_customer) == (
        "system",
        "manager@example.com",
        False,
    )
    assert article.subject == message["Subject"]
    assert "SendAgentNotification" in history


def test_an_html_template_is_sent_as_html_with_a_text_part(demo_app: Application, mailbox: MailBox) -> None:
    with demo_app.uow() as uow:
        uow.catalog.add(
            NotificationTemplate(
                "Owner HTML",
                "<OTOBO_TICKET_Title> for <OTOBO_OWNER_UserFirstname>",
                "<p>Dear &lt;OTOBO_OWNER_UserFirstname&gt;,</p><p><OTOBO_TICKET_Title></p>",
                "text/html",
            )
        )
        uow.commit()
    ticket_id = _request(demo_app)
    job = _mail_job(demo_app, ticket_id)
    job = Job(
        **{
            **_fields(job),
            "payload": {**job.payload, "template": "Owner HTML", "recipients": ["owner", "customer"]},
        }
    )

    job_handlers(demo_app)["email"].run(job, NOW)

    manager, alice = _received(mailbox)
    assert manager["Subject"] == "Chairs <for> the office for Maria"
    html = next(p for p in manager.walk() if p.get_content_type() == "text/html").get_payload(decode=True)
    assert isinstance(html, bytes)
    assert b"<p>Dear Maria,</p><p>Chairs &lt;for&gt; the office</p>" in html
    assert _text(manager) == "Dear Maria,\nChairs <for> the office\n"
    assert alice["To"] == "alice@example.com"
    with demo_app.uow() as uow:
        articles = [a for a in uow.tickets.list_articles(ticket_id) if a.channel == "Email"]
    assert [(a.to_address, a.visible_for_customer, a.content_type) for a in articles] == [
        ("manager@example.com", False, "text/html; charset=utf-8"),
        ("alice@example.com", True, "text/html; charset=utf-8"),
    ]


def test_role_and_queue_recipients_are_their_agents(demo_app: Application, mailbox: MailBox) -> None:
    ticket_id = _request(demo_app)
    job = _mail_job(demo_app, ticket_id)
    recipients = ["role:Buyers", "queue:Post office", "buyer@example.com", "nobody-known", "role:Nobody"]
    job = Job(**{**_fields(job), "payload": {**job.payload, "recipients": recipients}})

    job_handlers(demo_app)["email"].run(job, NOW)

    assert [m["To"] for m in _received(mailbox)] == ["buyer@example.com", "mailroom@example.com"]


def test_smtp_5xx_is_final_and_4xx_retried(demo_app: Application, mailbox: MailBox) -> None:
    ticket_id = _request(demo_app)
    job = _mail_job(demo_app, ticket_id)
    handler = job_handlers(demo_app)["email"]

    mailbox.refuse = "550 5.1.1 no such user"
    with pytest.raises(PermanentError, match="550"):
        handler.run(job, NOW)
    mailbox.refuse = "451 4.3.0 try again later"
    with pytest.raises(RetryableError, match="451"):
        handler.run(job, NOW)
    assert handler.give_up(job, PermanentError("550"), NOW) is False
    with demo_app.uow() as uow:
        assert [a for a in uow.tickets.list_articles(ticket_id) if a.channel == "Email"] == []


def test_no_mail_server_is_retried(demo_app: Application) -> None:
    ticket_id = _request(demo_app)
    job = _mail_job(demo_app, ticket_id)
    demo_app.settings.smtp_port = 1  # nothing listens there

    with pytest.raises(RetryableError, match="cannot deliver"):
        job_handlers(demo_app)["email"].run(job, NOW)


def _fields(job: Job) -> dict[str, object]:
    return {name: getattr(job, name) for name in job.__dataclass_fields__}


def test_a_mail_rendered_in_its_claims_transaction_is_sent_with_one_transaction(
    demo_app: Application, mailbox: MailBox
) -> None:
    ticket_id = _request(demo_app)
    _mail_job(demo_app, ticket_id)
    opened: list[int] = []

    def counting_store() -> UnitOfWork:
        opened.append(1)
        return demo_app.uow()

    settings = demo_app.settings
    mailer = SmtpMailer(SmtpSettings(host=settings.smtp_host, port=settings.smtp_port))
    handler = NotificationJobs(counting_store, demo_app.runtime, mailer, "ticketflow@example.com")
    with demo_app.uow() as uow:
        claims = uow.jobs.claim(["email"], worker="w1", now=NOW, lease=timedelta(minutes=1), limit=10)
        claim = next(c for c in claims if c.job.ticket_id == ticket_id)
        handler.prepare_claimed(uow, [claim], NOW)
        uow.commit()

    finish = AttemptFinish(claim, "w1", lambda: NOW)
    handler.run_finishing(claim.job, NOW, resume=False, finish=finish)

    assert len(opened) == 1  # the article's transaction only: the mail was rendered at the claim
    assert finish.kept is True
    [message] = _received(mailbox)
    assert message["Subject"] == "Please decide on Chairs <for> the office"
    with demo_app.uow() as uow:
        assert [a.to_address for a in uow.tickets.list_articles(ticket_id) if a.channel == "Email"] == [
            "manager@example.com"
        ]
