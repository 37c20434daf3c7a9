"""History, articles and links round-trip."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from ticketflow.db.unit_of_work import SqlUnitOfWork
from ticketflow.domain.errors import NotFoundError
from ticketflow.usecases.records import HistoryEntry, NewArticle, NewTicket, TicketLink

Factory = Callable[[], SqlUnitOfWork]
AT = datetime(2024, 5, 1, 10, tzinfo=UTC)


def two_tickets(uow: SqlUnitOfWork) -> tuple[int, int]:
    new = NewTicket(title="t", queue="Raw", state="new", priority="3 normal", owner="root@localhost")
    return uow.tickets.add(new).id, uow.tickets.add(new).id


def test_history_keeps_order_and_trace(uow_factory: Factory) -> None:
    trace = ({"transition": "T1", "matched": True, "conditions": [{"field": "Queue", "ok": True}]},)
    with uow_factory() as uow:
        ticket_id, _ = two_tickets(uow)
        uow.tickets.add_history(HistoryEntry(ticket_id, "NewTicket", "%%1%%Raw", AT, "root@localhost"))
        uow.tickets.add_history(HistoryEntry(ticket_id, "ProcessTransition", "%%T1", AT, "system", trace))
        uow.commit()
    with uow_factory() as uow:
        history = uow.tickets.list_history(ticket_id)
    assert [(h.history_type, h.name) for h in history] == [
        ("NewTicket", "%%1%%Raw"),
        ("ProcessTransition", "%%T1"),
    ]
    assert history[1].trace == trace
    assert history[1].created_at == AT
    assert history[0].id is not None


def test_history_of_a_missing_ticket_is_not_found(uow_factory: Factory) -> None:
    with uow_factory() as uow, pytest.raises(NotFoundError):
        uow.tickets.add_history(HistoryEntry(404, "Misc", "x", AT, "root@localhost"))


def test_articles_are_numbered_per_ticket(uow_factory: Factory) -> None:
    with uow_factory() as uow:
        first_id, second_id = two_tickets(uow)
        note = NewArticle(subject="Hi", body="Body", created_by="root@localhost", created_at=AT)
        mail = NewArticle(
            subject="Re",
            body="<p>x</p>",
            created_by="max@example.com",
            channel="Email",
            sender_type="customer",
            visible_for_customer=True,
            from_address="max@example.com",
            to_address="support@example.com",
            content_type="text/html; charset=utf-8",
        )
        uow.tickets.add_article(first_id, note)
        added = uow.tickets.add_article(first_id, mail)
        other = uow.tickets.add_article(second_id, note)
        uow.commit()
    with uow_factory() as uow:
        stored = uow.tickets.list_articles(first_id)
    assert [a.number for a in stored] == [1, 2]
    assert other.number == 1
    assert stored[1] == added
    assert (added.channel, added.sender_type, added.visible_for_customer) == ("Email", "customer", True)
    assert stored[0].created_at == AT


def test_links_are_listed_from_both_ends_and_not_duplicated(uow_factory: Factory) -> None:
    with uow_factory() as uow:
        parent, child = two_tickets(uow)
        uow.tickets.add_link(parent, child, "ParentChild")
        uow.tickets.add_link(parent, child, "ParentChild")
        uow.commit()
    with uow_factory() as uow:
        assert uow.tickets.list_links(child) == [TicketLink(parent, child, "ParentChild")]
        assert uow.tickets.list_links(parent) == [TicketLink(parent, child, "ParentChild")]
        with pytest.raises(NotFoundError):
            uow.tickets.add_link(parent, 999, "Normal")
