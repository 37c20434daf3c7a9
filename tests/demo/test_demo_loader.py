"""Loading the demo: everything is created once; loading again changes nothing and fails on nothing."""

from __future__ import annotations

import copy
from typing import Any

from demo_support import NOW, load

from ticketflow.bootstrap import Application
from ticketflow.demo import ProcessOutcome, RecordName
from ticketflow.demo.catalog import DEMO_RECORDS, DYNAMIC_FIELDS
from ticketflow.demo.loader import DEMO_PROCESSES, demo_document
from ticketflow.domain.catalog import DynamicFieldType
from ticketflow.domain.definitions import ActivityType, Interface, ProcessState
from ticketflow.domain.formats.native_json import process_from_dict
from ticketflow.usecases.catalog_records import Queue, record_key
from ticketflow.usecases.processes import (
    deploy_process,
    import_process,
    list_versions,
    load_process,
    validate_document,
)


def test_first_load_creates_every_record_and_deploys_every_process_at_version_1(
    fresh_app: Application,
) -> None:
    summary = load(fresh_app)

    assert len(summary.created) == len(DEMO_RECORDS)
    assert summary.skipped == ()
    assert [(p.key, p.version, p.outcome) for p in summary.processes] == [
        (key, 1, ProcessOutcome.DEPLOYED) for key in DEMO_PROCESSES
    ]
    with fresh_app.uow() as uow:
        catalog = uow.catalog.catalog()
        assert uow.catalog.get(Queue, "Post office").group == "postoffice"
    assert {
        "Purchasing",
        "Management",
        "Post office",
        "IT",
        "HR",
        "Change Management",
        "Raw",
    } <= catalog.queues
    assert {"manager", "buyer", "mailroom", "itops", "hr"} <= catalog.users
    assert catalog.web_services["ERP"] == frozenset({"CreateOrder"})
    assert catalog.processes == dict.fromkeys(DEMO_PROCESSES, (1,))


def test_second_load_creates_nothing_and_redeploys_nothing(fresh_app: Application) -> None:
    load(fresh_app)

    again = load(fresh_app)

    assert again.created == ()
    assert {str(name) for name in again.skipped} == {
        str(RecordName(type(r).__name__, record_key(r))) for r in DEMO_RECORDS
    }
    assert {p.outcome for p in again.processes} == {ProcessOutcome.UNCHANGED}
    assert not again.changed_anything
    assert all(len(list_versions(fresh_app.uow, key)) == 1 for key in DEMO_PROCESSES)


def test_a_version_an_admin_deployed_is_kept(demo_app: Application) -> None:
    document: dict[str, Any] = copy.deepcopy(dict(demo_document("change-request")))
    document["description"] = "Our own change process"
    import_process(demo_app.uow, demo_app.runtime, document, imported_by="root@localhost", now=NOW)
    deploy_process(demo_app.uow, demo_app.runtime, "change-request", deployed_by="root@localhost", now=NOW)

    summary = load(demo_app)

    outcome = next(p for p in summary.processes if p.key == "change-request")
    assert (outcome.version, outcome.outcome) == (2, ProcessOutcome.KEPT)
    assert load_process(demo_app.uow, "change-request", 2).description == "Our own change process"


def test_logins_list_every_demo_agent_and_customer_user(demo_app: Application) -> None:
    logins = {(login.login, login.interface) for login in load(demo_app).logins}

    assert ("manager", Interface.AGENT) in logins
    assert ("buyer", Interface.AGENT) in logins
    assert ("alice", Interface.CUSTOMER) in logins


def test_every_dynamic_field_type_is_used() -> None:
    assert {field.type for field in DYNAMIC_FIELDS} == set(DynamicFieldType)


def test_each_main_process_uses_every_activity_kind_and_lays_out_and_describes_every_element() -> None:
    for key in DEMO_PROCESSES:
        process = process_from_dict(demo_document(key))
        kinds = {activity.type for activity in process.activities}
        if key != "it-equipment":
            assert {ActivityType.USER_TASK, ActivityType.SCRIPT_TASK, ActivityType.SERVICE_TASK} <= kinds, key
            assert any(t.actions for t in process.transitions), key
        assert ActivityType.END in kinds, key
        assert process.state is ProcessState.ACTIVE
        assert set(process.layout) == {a.key for a in process.activities}, key
        described = [process, *process.activities, *process.transitions]
        described += [action for t in process.transitions for action in t.actions]
        assert all(element.description for element in described), key
        dialogs = [dialog for activity in process.activities for dialog in activity.dialogs]
        assert all(dialog.description_short for dialog in dialogs), key


def test_purchase_request_can_be_started_by_customers_and_agents() -> None:
    process = process_from_dict(demo_document("purchase-request"))
    assert process.startable_by is Interface.BOTH


def test_every_demo_process_validates_without_errors_or_warnings(demo_app: Application) -> None:
    for key in DEMO_PROCESSES:
        assert validate_document(demo_app.uow, demo_app.runtime, demo_document(key), NOW) == (), key
