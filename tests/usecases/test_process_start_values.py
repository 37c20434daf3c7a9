"""A process ticket's fields belong to its start dialog: a value given beside it that the dialog then
sets otherwise is refused, naming the field, and no ticket is made."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import pytest
from usecase_support import NOW, read_process

from ticketflow.domain.errors import InvalidInputError
from ticketflow.domain.tickets import Value
from ticketflow.usecases.callers import Caller
from ticketflow.usecases.ports import UnitOfWork
from ticketflow.usecases.processes import deploy_process, import_process
from ticketflow.usecases.records import TicketQuery
from ticketflow.usecases.runtime import ProcessRuntime
from ticketflow.usecases.tickets import TicketInput, create_ticket

AGENT = Caller("root@localhost")
Store = Callable[[], UnitOfWork]
START = {"Title": "Two monitors", "DynamicField_Amount": "480"}


@pytest.fixture
def deployed(store: Store, runtime: ProcessRuntime) -> None:
    import_process(store, runtime, read_process("purchase_request.json"), imported_by="admin", now=NOW)
    deploy_process(store, runtime, "purchase-request", deployed_by="admin", now=NOW)


def _create(store: Store, runtime: ProcessRuntime, given: Mapping[str, Value]) -> int:
    return create_ticket(
        store,
        runtime,
        request=TicketInput(given),
        caller=AGENT,
        now=NOW,
        process_key="purchase-request",
        start_values=START,
    ).id


def _ticket_count(store: Store) -> int:
    with store() as uow:
        return uow.tickets.count(TicketQuery())


@pytest.mark.usefixtures("deployed")
@pytest.mark.parametrize(
    ("given", "field", "message"),
    [
        # The dialog has no Queue field: a new process ticket starts in the default queue.
        ({"Queue": "Misc"}, "Queue", "sets it to 'Raw' (the default); leave it out"),
        ({"Priority": "5 very high"}, "Priority", "sets it to '3 normal' (the default); leave it out"),
        # Title is shown in the start dialog and submitted there as well, differently.
        ({"Title": "Something else"}, "Title", "it was given twice, with two values: give it once"),
    ],
)
def test_a_value_the_start_dialog_overrules_is_refused_and_nothing_is_made(
    store: Store, runtime: ProcessRuntime, given: Mapping[str, Value], field: str, message: str
) -> None:
    with pytest.raises(InvalidInputError) as refused:
        _create(store, runtime, given)
    assert refused.value.field == field
    assert message in refused.value.message
    assert "process 'purchase-request'" in refused.value.message
    assert _ticket_count(store) == 0


@pytest.mark.usefixtures("deployed")
def test_a_value_the_start_dialog_agrees_with_or_leaves_alone_is_kept(
    store: Store, runtime: ProcessRuntime
) -> None:
    ticket_id = _create(store, runtime, {"Title": "Two monitors", "Queue": "Raw", "Type": "Unclassified"})
    with store() as uow:
        ticket = uow.tickets.get(ticket_id)
    assert (ticket.title, ticket.type) == ("Two monitors", "Unclassified")


def test_a_ticket_for_a_process_never_imported_is_refused_as_unknown(
    store: Store, runtime: ProcessRuntime
) -> None:
    with pytest.raises(InvalidInputError, match="process 'purchase-request' does not exist") as raised:
        _create(store, runtime, {})
    assert raised.value.field == "process"
    assert _ticket_count(store) == 0


def test_a_ticket_for_a_process_imported_but_not_deployed_says_to_deploy(
    store: Store, runtime: ProcessRuntime
) -> None:
    import_process(store, runtime, read_process("purchase_request.json"), imported_by="admin", now=NOW)
    with pytest.raises(InvalidInputError, match="has no deployed version \\(deploy it first\\)"):
        _create(store, runtime, {})
    assert _ticket_count(store) == 0


@pytest.mark.usefixtures("deployed")
def test_a_value_given_beside_the_dialog_for_a_field_it_shows_fills_that_field(
    store: Store, runtime: ProcessRuntime
) -> None:
    ticket = create_ticket(
        store,
        runtime,
        request=TicketInput({"Title": "Two monitors"}),  # as `ticket create --title … --process …`
        caller=AGENT,
        now=NOW,
        process_key="purchase-request",
        start_values={"DynamicField_Amount": "480"},
    )
    with store() as uow:
        assert uow.tickets.get(ticket.id).title == "Two monitors"
