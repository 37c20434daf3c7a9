"""Article numbers under two writers on PostgreSQL: the number is taken in the inserting statement,
so a writer that computed the same number as a concurrent one waits for it and then conflicts
(nothing of it is written); a retry takes the next number. Numbers stay unique and in order."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest
from sqlalchemy import Engine, text

from ticketflow.db.connect import create_engine_for
from ticketflow.db.seed import seed_defaults
from ticketflow.db.unit_of_work import SqlUnitOfWork
from ticketflow.domain.errors import ConflictError, NotFoundError
from ticketflow.usecases.records import NewArticle, NewTicket


def _note(subject: str) -> NewArticle:
    return NewArticle(subject=subject, body="b", created_by="root@localhost")


def _wait_until_blocked(engine: Engine) -> None:
    """Until another session of this database waits for a lock (bounded: 30 s)."""
    deadline = time.monotonic() + 30
    with engine.connect() as watcher:
        while time.monotonic() < deadline:
            waiting = watcher.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                    " AND wait_event_type = 'Lock'"
                )
            ).scalar_one()
            watcher.rollback()
            if waiting:
                return
            time.sleep(0.02)
    raise AssertionError("the second writer never waited for the first")


def test_an_article_of_a_missing_ticket_is_not_found_and_writes_nothing(
    uow_factory: Callable[[], SqlUnitOfWork],
) -> None:
    with uow_factory() as uow, pytest.raises(NotFoundError, match="ticket 999"):
        uow.tickets.add_article(999, _note("lost"))
    with uow_factory() as uow:
        assert uow.tickets.list_articles(999) == []


@pytest.mark.postgres
def test_a_concurrent_article_conflicts_and_a_retry_takes_the_next_number(postgres_url: str) -> None:
    engine = create_engine_for(postgres_url)
    try:
        with SqlUnitOfWork(engine) as uow:
            seed_defaults(uow)
            ticket_id = uow.tickets.add(
                NewTicket(title="t", queue="Raw", state="new", priority="3 normal", owner="root@localhost")
            ).id
            uow.commit()
        outcome: list[BaseException | int] = []

        def second_writer() -> None:
            try:
                with SqlUnitOfWork(engine) as uow:
                    outcome.append(uow.tickets.add_article(ticket_id, _note("second")).number)
                    uow.commit()
            except BaseException as error:  # handed to the test's thread
                outcome.append(error)

        with SqlUnitOfWork(engine) as first:
            assert first.tickets.add_article(ticket_id, _note("first")).number == 1
            thread = threading.Thread(target=second_writer)
            thread.start()
            _wait_until_blocked(engine)  # it took number 1 too and waits on the unique key
            first.commit()
        thread.join(timeout=60)
        assert len(outcome) == 1
        assert isinstance(outcome[0], ConflictError)
        with SqlUnitOfWork(engine) as retry:
            assert retry.tickets.add_article(ticket_id, _note("retry")).number == 2
            retry.commit()
        with SqlUnitOfWork(engine) as uow:
            stored = [(article.number, article.subject) for article in uow.tickets.list_articles(ticket_id)]
        assert stored == [(1, "first"), (2, "retry")]
    finally:
        engine.dispose()
