"""A unit of work entered again works on its new connection: repositories are made per ``with``
block, on first use, and a block's uncommitted writes never reach the next one."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from ticketflow.db.unit_of_work import SqlUnitOfWork
from ticketflow.domain.errors import TicketflowError
from ticketflow.usecases.records import NewTicket


def _new() -> NewTicket:
    return NewTicket("t", "Raw", "new", "3 normal", "root@localhost")


def test_each_with_block_gets_repositories_on_its_own_connection(engine: Engine) -> None:
    uow = SqlUnitOfWork(engine)
    with uow:
        first = uow.tickets
        kept = uow.tickets.add(_new()).id
        uow.commit()
    with uow:
        assert uow.tickets is not first  # a fresh repository: nothing of the last block remembered
        assert uow.tickets.get(kept).id == kept
        dropped = uow.tickets.add(_new()).id  # left without commit: rolled back
    with uow:
        assert uow.tickets.find(dropped) is None
        assert uow.catalog.catalog().states  # any repository, first used in a later block, works too


def test_repositories_outside_the_with_block_are_refused(engine: Engine) -> None:
    uow = SqlUnitOfWork(engine)
    with pytest.raises(TicketflowError, match="outside its 'with' block"):
        _ = uow.jobs
    with uow:
        uow.tickets.add(_new())
    with pytest.raises(TicketflowError, match="outside its 'with' block"):
        _ = uow.tickets  # not the last block's, on a connection given back
