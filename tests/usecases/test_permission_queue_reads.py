"""Permission checks read a queue's record (for its group) once per catalog TTL through
``ProcessRuntime.records``, not once per request; the check itself is made every time. Counted on a
real store: the read-only units of work a create opens, the SELECTs on queues a dialog submit runs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pytest
from sqlalchemy import Engine, event
from usecase_support import NOW, read_process

from ticketflow.db.unit_of_work import SqlUnitOfWork
from ticketflow.domain.errors import NotFoundError, PermissionDeniedError
from ticketflow.domain.permissions import AgentPermissions
from ticketflow.usecases.access import create_ticket
from ticketflow.usecases.admin import add_group, add_queue
from ticketflow.usecases.callers import Caller
from ticketflow.usecases.dialog_access import permitted_dialog
from ticketflow.usecases.ports import UnitOfWork
from ticketflow.usecases.principals import load_principal
from ticketflow.usecases.processes import deploy_process, import_process
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


def test_the_dialog_check_reads_the_queue_once_per_ttl(
    store: Store, runtime: ProcessRuntime, engine: Engine
) -> None:
    import_process(store, runtime, read_process("purchase_request.json"), imported_by="admin", now=NOW)
    deploy_process(store, runtime, "purchase-request", deployed_by="admin", now=NOW)
    root = load_principal(store, Caller("root@localhost"))
    start = {"Title": "Two monitors", "DynamicField_Amount": "480"}
    ticket = create_ticket(
        store, runtime, root, TicketInput(), now=NOW, process_key="purchase-request", start_values=start
    )
    queue_reads: list[str] = []

    def record(*args: object) -> None:
        if " from queues" in str(args[2]).lower():
            queue_reads.append(str(args[2]))

    event.listen(engine, "before_cursor_execute", record)
    try:
        for _ in range(3):
            _, dialog = permitted_dialog(store, runtime, root, ticket.id, "decide")
            assert dialog.key == "decide"
        runtime.forget_catalog()  # as after an admin change: read again at once
        permitted_dialog(store, runtime, root, ticket.id, "decide")
        outsider = replace(
            root, caller=Caller("outsider"), permissions=AgentPermissions({"vault": frozenset({"rw"})})
        )
        with pytest.raises(NotFoundError):  # neither the ticket's queue nor the ticket is theirs
            permitted_dialog(store, runtime, outsider, ticket.id, "decide")
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert len(queue_reads) <= 2, queue_reads
