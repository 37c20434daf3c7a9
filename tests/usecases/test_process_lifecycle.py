"""A process from import to a ticket waiting at a service task, through the real store."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from usecase_support import NOW, read_process

from ticketflow.domain.definitions import ProcessState
from ticketflow.domain.errors import ConflictError, DefinitionError, ImportRefusedError, InvalidInputError
from ticketflow.domain.positions import PositionStatus
from ticketflow.usecases.callers import Caller
from ticketflow.usecases.dialogs import list_ticket_dialogs, submit_dialog
from ticketflow.usecases.ports import UnitOfWork
from ticketflow.usecases.processes import (
    deploy_process,
    diff_versions,
    import_process,
    list_versions,
    save_draft,
    set_process_state,
)
from ticketflow.usecases.records import TicketQuery
from ticketflow.usecases.runtime import ProcessRuntime
from ticketflow.usecases.testmode import ProcessSource, parse_test_input, run_test_mode
from ticketflow.usecases.tickets import TicketInput, create_ticket, show_ticket, ticket_history, update_ticket

AGENT = Caller("root@localhost")
Store = Callable[[], UnitOfWork]


def _deployed(store: Store, runtime: ProcessRuntime) -> None:
    import_process(store, runtime, read_process("purchase_request.json"), imported_by="admin", now=NOW)
    deploy_process(store, runtime, "purchase-request", deployed_by="admin", now=NOW)


def _request(store: Store, runtime: ProcessRuntime, amount: str = "480") -> int:
    ticket = create_ticket(
        store,
        runtime,
        request=TicketInput(),
        caller=AGENT,
        now=NOW,
        process_key="purchase-request",
        start_values={"Title": "Two monitors", "DynamicField_Amount": amount},
    )
    return ticket.id


def test_start_dialog_moves_the_new_ticket_on_by_its_hidden_default(
    store: Store, runtime: ProcessRuntime
) -> None:
    _deployed(store, runtime)
    view = show_ticket(store, runtime, _request(store, runtime), caller=AGENT)
    assert view.ticket.process is not None
    assert (view.ticket.process.activity_key, view.ticket.process.version) == ("approval", 1)
    assert view.ticket.queue == "Management"  # the transition action ran
    assert view.ticket.dynamic_fields["Status"] == "requested"
    assert [d.key for d in view.dialogs] == ["decide"]
    assert view.recent_steps, "the start is recorded with its trace"


def test_approval_sends_the_ticket_to_the_service_task_with_a_job(
    store: Store, runtime: ProcessRuntime
) -> None:
    _deployed(store, runtime)
    ticket_id = _request(store, runtime)
    ticket = submit_dialog(
        store, runtime, ticket_id, "decide", {"DynamicField_Status": "approved"}, caller=AGENT, now=NOW
    )
    assert ticket.process is not None
    assert (ticket.process.activity_key, ticket.process.status) == ("order", PositionStatus.WAITING)
    with store() as uow:
        jobs = uow.jobs.list_jobs(ticket_id=ticket_id)
    assert [(j.kind, j.payload["invoker"], j.payload["parameters"]) for j in jobs] == [
        ("web_service", "CreateOrder", {"amount": "480"})
    ]
    assert list_ticket_dialogs(store, runtime, ticket_id, AGENT) == ()


def test_rejection_closes_the_ticket_and_history_says_why(store: Store, runtime: ProcessRuntime) -> None:
    _deployed(store, runtime)
    ticket_id = _request(store, runtime)
    ticket = submit_dialog(
        store, runtime, ticket_id, "decide", {"DynamicField_Status": "rejected"}, caller=AGENT, now=NOW
    )
    assert ticket.process is not None
    assert ticket.process.status is PositionStatus.COMPLETED
    assert (ticket.state, ticket.state_type) == ("closed unsuccessful", "closed")
    history = ticket_history(store, ticket_id, caller=AGENT)
    types = [h.history_type for h in history]
    assert "ProcessCompleted" in types
    assert "StateUpdate" in types
    completed = next(h for h in history if h.history_type == "ProcessCompleted")
    assert any(entry.get("kind") == "transition_checked" for entry in completed.trace)


def test_a_dialog_of_another_activity_is_refused_and_nothing_changes(
    store: Store, runtime: ProcessRuntime
) -> None:
    _deployed(store, runtime)
    ticket_id = _request(store, runtime)
    before = show_ticket(store, runtime, ticket_id, caller=AGENT).ticket
    with pytest.raises(InvalidInputError, match="does not belong to the ticket's current activity"):
        submit_dialog(store, runtime, ticket_id, "request-form", {"Title": "x"}, caller=AGENT, now=NOW)
    assert show_ticket(store, runtime, ticket_id, caller=AGENT).ticket == before


def test_an_update_that_lost_a_race_is_refused(store: Store, runtime: ProcessRuntime) -> None:
    _deployed(store, runtime)
    ticket_id = _request(store, runtime)
    version = show_ticket(store, runtime, ticket_id, caller=AGENT).ticket.version
    update_ticket(
        store, runtime, ticket_id, {"Title": "first"}, caller=AGENT, now=NOW, expected_version=version
    )
    with pytest.raises(ConflictError):
        update_ticket(
            store, runtime, ticket_id, {"Title": "second"}, caller=AGENT, now=NOW, expected_version=version
        )
    assert show_ticket(store, runtime, ticket_id, caller=AGENT).ticket.title == "first"


def test_running_tickets_keep_their_version_and_new_ones_take_the_latest(
    store: Store, runtime: ProcessRuntime
) -> None:
    _deployed(store, runtime)
    old_ticket = _request(store, runtime)
    document = read_process("purchase_request.json")
    document["activities"][1]["name"] = "Manager approval"
    save_draft(store, document, saved_by="admin", expected_revision=None)
    result = deploy_process(store, runtime, "purchase-request", deployed_by="admin", now=NOW)
    assert (result.version, result.unchanged) == (2, False)
    new_ticket = _request(store, runtime)
    assert show_ticket(store, runtime, old_ticket, caller=AGENT).ticket.process.version == 1  # type: ignore[union-attr]
    assert show_ticket(store, runtime, new_ticket, caller=AGENT).ticket.process.version == 2  # type: ignore[union-attr]
    assert [v.version for v in list_versions(store, "purchase-request")] == [1, 2]
    assert [c.element for c in diff_versions(store, "purchase-request", 1, 2)] == ["activity:approval"]


def test_deploying_the_same_content_again_changes_nothing(store: Store, runtime: ProcessRuntime) -> None:
    _deployed(store, runtime)
    again = deploy_process(store, runtime, "purchase-request", deployed_by="admin", now=NOW)
    assert (again.version, again.unchanged) == (1, True)


def test_import_lists_everything_missing_and_stores_nothing(store: Store, runtime: ProcessRuntime) -> None:
    document = read_process("purchase_request.json")
    document["activities"][2]["service"]["web_service"] = "SAP"
    document["transitions"][0]["actions"][0]["config"]["Queue"] = "Purchasing"
    with pytest.raises(ImportRefusedError) as refused:
        import_process(store, runtime, document, imported_by="admin", now=NOW)
    messages = " | ".join(str(p) for p in refused.value.problems)
    assert "SAP" in messages
    assert "Purchasing" in messages
    with store() as uow:
        assert uow.processes.find_draft("purchase-request") is None


def test_deploy_refuses_an_invalid_draft_with_every_error(store: Store, runtime: ProcessRuntime) -> None:
    document = read_process("purchase_request.json")
    document["activities"][1]["dialogs"] = []
    document["transitions"] = [t for t in document["transitions"] if t["key"] != "ordered"]
    save_draft(store, document, saved_by="admin", expected_revision=None)
    with pytest.raises(DefinitionError) as refused:
        deploy_process(store, runtime, "purchase-request", deployed_by="admin", now=NOW)
    elements = {p.element for p in refused.value.problems}
    assert {"activity:approval", "activity:done"} <= elements  # no dialog; unreachable without "ordered"
    with store() as uow:
        assert uow.processes.find_latest_version("purchase-request") is None
        assert uow.tickets.count(TicketQuery()) == 0


def test_customers_see_only_their_own_tickets(store: Store, runtime: ProcessRuntime) -> None:
    _deployed(store, runtime)
    ticket_id = _request(store, runtime)
    with pytest.raises(Exception, match="not a ticket of customer"):
        show_ticket(store, runtime, ticket_id, caller=Caller.parse("customer:mallory"))


def test_fade_away_lets_running_tickets_finish_but_starts_no_new_ones(
    store: Store, runtime: ProcessRuntime
) -> None:
    _deployed(store, runtime)
    running = _request(store, runtime)
    set_process_state(store, runtime, "purchase-request", ProcessState.FADE_AWAY, changed_by="admin", now=NOW)
    with pytest.raises(InvalidInputError, match="FadeAway"):
        _request(store, runtime)
    ticket = submit_dialog(
        store, runtime, running, "decide", {"DynamicField_Status": "rejected"}, caller=AGENT, now=NOW
    )
    assert ticket.process is not None
    assert ticket.process.status is PositionStatus.COMPLETED


def test_inactive_freezes_running_tickets(store: Store, runtime: ProcessRuntime) -> None:
    _deployed(store, runtime)
    running = _request(store, runtime)
    set_process_state(store, runtime, "purchase-request", ProcessState.INACTIVE, changed_by="admin", now=NOW)
    assert list_ticket_dialogs(store, runtime, running, AGENT) == ()
    ticket = update_ticket(
        store, runtime, running, {"DynamicField_Status": "rejected"}, caller=AGENT, now=NOW
    )
    assert ticket.process is not None
    assert (ticket.process.activity_key, ticket.process.version) == ("approval", 1)
    assert ticket.dynamic_fields["Status"] == "rejected"  # the change itself is kept; the process is frozen


def test_state_change_refuses_to_deploy_unrelated_draft_edits(store: Store, runtime: ProcessRuntime) -> None:
    _deployed(store, runtime)
    document = read_process("purchase_request.json")
    document["description"] = "edited but not deployed"
    save_draft(store, document, saved_by="admin", expected_revision=None)
    with pytest.raises(InvalidInputError, match="not deployed"):
        set_process_state(
            store, runtime, "purchase-request", ProcessState.INACTIVE, changed_by="admin", now=NOW
        )


def test_test_mode_on_a_copy_of_a_real_ticket_changes_nothing(store: Store, runtime: ProcessRuntime) -> None:
    _deployed(store, runtime)
    ticket_id = _request(store, runtime)
    before = show_ticket(store, runtime, ticket_id, caller=AGENT).ticket
    scenario = parse_test_input(
        {"submissions": [{"dialog": "decide", "fields": {"DynamicField_Status": "approved"}}]}
    )
    report = run_test_mode(
        store, runtime, ProcessSource(key="purchase-request"), scenario, now=NOW, from_ticket=ticket_id
    )
    assert report.path[-1] == "order"
    assert report.final_position.status is PositionStatus.WAITING
    assert any("call web service ERP" in effect for effect in report.to_dict()["effects"])
    assert show_ticket(store, runtime, ticket_id, caller=AGENT).ticket == before
    with store() as uow:
        assert uow.jobs.list_jobs(ticket_id=ticket_id) == []
