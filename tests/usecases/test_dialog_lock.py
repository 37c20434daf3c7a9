"""OTOBO's RequiredLock on activity dialogs, through the real store (SQLite, and PostgreSQL under the
``postgres`` marker): opening the form or submitting locks an unlocked ticket to the agent, who becomes
its owner, with OTOBO's history types; someone else's lock, or an agent who may not lock, is refused
and nothing changes; customers never lock.

The sample purchase request waits at "Approval" in queue Management (group ``users``); its dialog
``decide`` needs ``rw`` and the ticket lock."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from usecase_support import NOW, read_process

from ticketflow.domain.definitions import Interface
from ticketflow.domain.dialogs import DialogInputError
from ticketflow.domain.errors import ConflictError, PermissionDeniedError
from ticketflow.domain.tickets import Ticket
from ticketflow.usecases import dialog_access, dialogs, principals
from ticketflow.usecases.callers import Caller
from ticketflow.usecases.catalog_records import Agent, CustomerUser, Role
from ticketflow.usecases.ports import UnitOfWork
from ticketflow.usecases.processes import deploy_process, import_process
from ticketflow.usecases.records import HistoryEntry
from ticketflow.usecases.runtime import ProcessRuntime
from ticketflow.usecases.tickets import TicketInput, create_ticket

Store = Callable[[], UnitOfWork]
ANN = Caller("ann")
BOB = Caller("bob")
NORA = Caller("nora")
ALICE = Caller("alice", Interface.CUSTOMER)


def _deployed(store: Store, runtime: ProcessRuntime, **decide: Any) -> None:
    """The sample process, its dialog ``decide`` changed by ``decide``; ann and bob write queue
    Management, nora may only read it and add notes."""
    document = read_process("purchase_request.json")
    for activity in document["activities"]:
        for dialog in activity.get("dialogs", ()):
            if dialog["key"] == "decide":
                dialog.update(decide)
    with store() as uow:
        uow.catalog.add(Role("Approvers", {"users": frozenset({"rw"})}))
        uow.catalog.add(Role("Noters", {"users": frozenset({"ro", "note"})}))
        uow.catalog.add(Agent("ann", roles=("Approvers",)))
        uow.catalog.add(Agent("bob", roles=("Approvers",)))
        uow.catalog.add(Agent("nora", roles=("Noters",)))
        uow.catalog.add(CustomerUser("alice", "alice@example.com"))
        uow.commit()
    import_process(store, runtime, document, imported_by="admin", now=NOW)
    deploy_process(store, runtime, "purchase-request", deployed_by="admin", now=NOW)


def _request(store: Store, runtime: ProcessRuntime) -> int:
    ticket = create_ticket(
        store,
        runtime,
        TicketInput({"CustomerUserID": "alice"}),
        caller=Caller("root@localhost"),
        now=NOW,
        process_key="purchase-request",
        start_values={"Title": "Two monitors", "DynamicField_Amount": "480"},
    )
    assert (ticket.lock, ticket.owner) == ("unlock", "root@localhost")
    return ticket.id


def _stored(store: Store, ticket_id: int) -> tuple[Ticket, list[HistoryEntry], list[object]]:
    with store() as uow:
        return (
            uow.tickets.get(ticket_id),
            list(uow.tickets.list_history(ticket_id)),
            list(uow.jobs.list_jobs(ticket_id)),
        )


def _new_lines(before: list[HistoryEntry], after: list[HistoryEntry]) -> list[tuple[str, str, str]]:
    return [(h.history_type, h.name, h.created_by) for h in after[len(before) :]]


def test_opening_the_form_locks_the_ticket_to_the_agent_as_its_owner(
    store: Store, runtime: ProcessRuntime
) -> None:
    _deployed(store, runtime)
    ticket_id = _request(store, runtime)
    _, before, _ = _stored(store, ticket_id)

    opened = dialog_access.open_dialog(
        store, runtime, principals.load_principal(store, ANN), ticket_id, "decide", now=NOW
    )

    ticket, history, _ = _stored(store, ticket_id)
    assert opened.locked
    assert opened.ticket == ticket
    assert (ticket.lock, ticket.owner) == ("lock", "ann")
    assert ticket.process is not None
    assert ticket.process.activity_key == "approval"
    assert _new_lines(before, history) == [("OwnerUpdate", "%%ann", "ann"), ("Lock", "%%lock", "ann")]


def test_opening_it_again_as_the_lock_holder_writes_nothing(store: Store, runtime: ProcessRuntime) -> None:
    _deployed(store, runtime)
    ticket_id = _request(store, runtime)
    ann = principals.load_principal(store, ANN)
    dialog_access.open_dialog(store, runtime, ann, ticket_id, "decide", now=NOW)
    before = _stored(store, ticket_id)

    again = dialog_access.open_dialog(store, runtime, ann, ticket_id, "decide", now=NOW)

    assert not again.locked
    assert _stored(store, ticket_id) == before


def test_a_dialog_without_required_lock_opens_without_writing(store: Store, runtime: ProcessRuntime) -> None:
    _deployed(store, runtime, required_lock=False)
    ticket_id = _request(store, runtime)
    before = _stored(store, ticket_id)

    opened = dialog_access.open_dialog(
        store, runtime, principals.load_principal(store, ANN), ticket_id, "decide", now=NOW
    )

    assert not opened.locked
    assert _stored(store, ticket_id) == before


def test_someone_elses_lock_refuses_opening_and_submitting_and_changes_nothing(
    store: Store, runtime: ProcessRuntime
) -> None:
    _deployed(store, runtime)
    ticket_id = _request(store, runtime)
    dialog_access.open_dialog(
        store, runtime, principals.load_principal(store, ANN), ticket_id, "decide", now=NOW
    )
    before = _stored(store, ticket_id)
    bob = principals.load_principal(store, BOB)

    with pytest.raises(PermissionDeniedError, match="locked by 'ann'"):
        dialog_access.open_dialog(store, runtime, bob, ticket_id, "decide", now=NOW)
    with pytest.raises(PermissionDeniedError, match="locked by 'ann'"):
        dialog_access.submit_dialog(
            store, runtime, bob, ticket_id, "decide", {"DynamicField_Status": "approved"}, now=NOW
        )
    # The use case itself refuses too (the CLI calls it without the permission layer).
    with pytest.raises(PermissionDeniedError, match="locked by 'ann'"):
        dialogs.open_dialog(store, runtime, ticket_id, "decide", caller=BOB, now=NOW)
    with pytest.raises(PermissionDeniedError, match="locked by 'ann'"):
        dialogs.submit_dialog(
            store, runtime, ticket_id, "decide", {"DynamicField_Status": "approved"}, caller=BOB, now=NOW
        )

    assert _stored(store, ticket_id) == before


def test_submitting_an_unlocked_ticket_takes_the_lock_in_the_same_transaction(
    store: Store, runtime: ProcessRuntime
) -> None:
    _deployed(store, runtime)
    ticket_id = _request(store, runtime)
    _, before, _ = _stored(store, ticket_id)

    moved = dialog_access.submit_dialog(
        store,
        runtime,
        principals.load_principal(store, ANN),
        ticket_id,
        "decide",
        {"DynamicField_Status": "approved"},
        now=NOW,
    )

    ticket, history, jobs = _stored(store, ticket_id)
    assert moved == ticket
    assert (ticket.lock, ticket.owner) == ("lock", "ann")
    assert ticket.process is not None
    assert ticket.process.activity_key == "order"
    assert len(jobs) == 1  # the service task's call, queued in the same transaction
    lines = _new_lines(before, history)
    assert lines[:3] == [
        ("OwnerUpdate", "%%ann", "ann"),
        ("Lock", "%%lock", "ann"),
        ("ActivityDialogSubmit", "%%decide%%Decide", "ann"),
    ]


def test_an_agent_who_may_not_lock_is_refused_and_nothing_changes(
    store: Store, runtime: ProcessRuntime
) -> None:
    # nora holds 'note', which the dialog asks for, but not 'owner', which locking needs (§1.7).
    _deployed(store, runtime, permission="note")
    ticket_id = _request(store, runtime)
    before = _stored(store, ticket_id)
    nora = principals.load_principal(store, NORA)

    with pytest.raises(PermissionDeniedError, match="lacks the 'owner' permission needed to lock"):
        dialog_access.open_dialog(store, runtime, nora, ticket_id, "decide", now=NOW)
    with pytest.raises(PermissionDeniedError, match="lacks the 'owner' permission needed to lock"):
        dialog_access.submit_dialog(
            store, runtime, nora, ticket_id, "decide", {"DynamicField_Status": "approved"}, now=NOW
        )

    assert dialog_access.available_dialogs(store, runtime, nora, ticket_id) == ()
    assert _stored(store, ticket_id) == before


def test_a_ticket_changed_since_the_check_is_a_conflict_not_a_lock(
    store: Store, runtime: ProcessRuntime
) -> None:
    _deployed(store, runtime)
    ticket_id = _request(store, runtime)
    before = _stored(store, ticket_id)
    stale = before[0].version - 1

    with pytest.raises(ConflictError, match="reload"):
        dialogs.open_dialog(store, runtime, ticket_id, "decide", caller=ANN, now=NOW, expected_version=stale)

    assert _stored(store, ticket_id) == before


def test_customers_never_lock(store: Store, runtime: ProcessRuntime) -> None:
    _deployed(store, runtime, interface="both")
    ticket_id = _request(store, runtime)
    before = _stored(store, ticket_id)

    opened = dialogs.open_dialog(store, runtime, ticket_id, "decide", caller=ALICE, now=NOW)
    assert not opened.locked
    assert _stored(store, ticket_id) == before

    moved = dialogs.submit_dialog(
        store, runtime, ticket_id, "decide", {"DynamicField_Status": "approved"}, caller=ALICE, now=NOW
    )
    assert (moved.lock, moved.owner) == ("unlock", "root@localhost")
    assert moved.process is not None
    assert moved.process.activity_key == "order"


def test_a_submit_with_bad_input_takes_no_lock(store: Store, runtime: ProcessRuntime) -> None:
    _deployed(store, runtime)
    ticket_id = _request(store, runtime)
    before = _stored(store, ticket_id)

    with pytest.raises(DialogInputError) as refused:
        dialog_access.submit_dialog(
            store,
            runtime,
            principals.load_principal(store, ANN),
            ticket_id,
            "decide",
            {"DynamicField_Status": "maybe"},
            now=NOW,
        )

    assert [p.field for p in refused.value.problems] == ["DynamicField_Status"]
    assert _stored(store, ticket_id) == before  # the lock written first went with the rollback


def test_a_customer_is_not_held_up_by_an_agents_lock(store: Store, runtime: ProcessRuntime) -> None:
    _deployed(store, runtime, interface="both")
    ticket_id = _request(store, runtime)
    dialogs.open_dialog(store, runtime, ticket_id, "decide", caller=ANN, now=NOW)

    moved = dialogs.submit_dialog(
        store, runtime, ticket_id, "decide", {"DynamicField_Status": "approved"}, caller=ALICE, now=NOW
    )

    assert (moved.lock, moved.owner) == ("lock", "ann")  # the customer neither refused nor re-locking
    assert moved.process is not None
    assert moved.process.activity_key == "order"
