"""The create permission check of a ticket without a process reads the target queue's record once per
catalog TTL (``ProcessRuntime.records``), not once per ticket; the check itself is made every time.
Counted on a real store by the read-only units of work it opens."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pytest
from sqlalchemy import Engine
from usecase_support import NOW

from ticketflow.db.unit_of_work import SqlUnitOfWork
from ticketflow.domain.errors import PermissionDeniedError
from ticketflow.domain.permissions import AgentPermissions
from ticketflow.usecases.access import create_ticket, load_principal
from ticketflow.usecases.admin import add_group, add_queue
from ticketflow.usecases.callers import Caller
from ticketflow.usecases.ports import UnitOfWork
from ticketflow.usecases.records import TicketQuery
from ticketflow.usecases.runtime import ProcessRuntime
from ticketflow.usecases.tickets import TicketInput

Store = Callable[[], UnitOfWork]


class CountedReader:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.made = 0

    def __call__(self) -> SqlUnitOfWork:
        self.made += 1
        return SqlUnitOfWork(self.engine, read_only=True)


def _tickets(store: Store) -> int:
    with store() as uow:
        return uow.tickets.count(TicketQuery())


def test_the_queue_is_read_once_and_the_check_still_refuses(
    store: Store, runtime: ProcessRuntime, engine: Engine
) -> None:
    add_group(store, "vault", cache=runtime)
    add_queue(store, "Vault", group="vault", cache=runtime)
    root = load_principal(store, Caller("root@localhost"))
    reader = CountedReader(engine)

    for _ in range(3):
        create_ticket(
            store, runtime, root, TicketInput({"Title": "A", "Queue": "Management"}), now=NOW, reader=reader
        )
    assert reader.made == 1
    assert _tickets(store) == 3

    outsider = replace(root, permissions=AgentPermissions({"users": frozenset({"rw"})}))
    for _ in range(2):  # the second time from the remembered record
        with pytest.raises(PermissionDeniedError, match="may not create tickets in queue 'Vault'"):
            create_ticket(
                store,
                runtime,
                outsider,
                TicketInput({"Title": "B", "Queue": "Vault"}),
                now=NOW,
                reader=reader,
            )
    assert reader.made == 2
    assert _tickets(store) == 3
