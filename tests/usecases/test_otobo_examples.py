"""OTOBO's 25 shipped example processes, end to end through the use cases: import on seed data (or a
refusal naming exactly what is missing), import once the missing records exist, deploy, Test Mode runs
along the path OTOBO takes, the quirks of reference §3.12 that decide an outcome, and export back.

The bulk runs on SQLite only (a copy of a migrated file per test); two representative cases run on
PostgreSQL as well, through ``uow_factory``.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
import yaml
from otobo_support import (
    COMPLETE,
    EXAMPLES,
    SKIP_REASON,
    example_names,
    load_example,
    missing_of,
    parsed_example,
    records_for,
)
from sqlalchemy import Engine
from usecase_support import NOW

from ticketflow.db.connect import create_engine_for
from ticketflow.db.seed import seed_defaults
from ticketflow.db.unit_of_work import SqlUnitOfWork
from ticketflow.domain.conditions import MatchType
from ticketflow.domain.definitions import ActivityType, Process
from ticketflow.domain.effects import AddArticle
from ticketflow.domain.errors import DefinitionError, ImportRefusedError, InvalidInputError
from ticketflow.domain.formats.native_json import process_to_dict
from ticketflow.domain.positions import PositionStatus
from ticketflow.domain.references import collect_references, missing_references
from ticketflow.domain.simulation import SimulationReport
from ticketflow.usecases.ports import UnitOfWork
from ticketflow.usecases.processes import (
    ImportResult,
    ProcessFormat,
    deploy_process,
    export_process,
    import_process,
    load_process,
    save_draft,
)
from ticketflow.usecases.runtime import ProcessRuntime
from ticketflow.usecases.testmode import ProcessSource, parse_test_input, run_test_mode

Store = Callable[[], UnitOfWork]

if not EXAMPLES.is_dir():
    print(SKIP_REASON)  # the brief: say why, also without -rs
pytestmark = pytest.mark.skipif(not EXAMPLES.is_dir(), reason=SKIP_REASON)

NAMES = example_names()
# Also deployable as shipped: five activities with yes/no dialogs and no actions (reference §7.1).
RUNNABLE = (*COMPLETE, "Service_Transition_Release_And_Deployment_Management")
# What OTOBO's seed data already satisfies: the ITIL maps whose conditions only name ticket attributes.
IMPORTS_ON_SEED_DATA = frozenset(
    {
        "Order_Request_Management",
        "Request_For_Leave_Management",
        "Service_Design_Availability_Management_(proactive)",
        "Service_Design_Availability_Management_(reactive)",
        "Service_Design_Catalogue_Management",
        "Service_Design_Continuity_Management",
        "Service_Design_Service_Design_Coordination_(individual_design)",
        "Service_Design_Service_Level_Management",
        "Service_Design_Supplier_Management",
        "Service_Operation_Access_Management",
        "Service_Operation_Problem_Management",
        "Service_Operation_Service_Validation_and_Testing",
        "Service_Transition_Change_Evaluation",
        "Service_Transition_Knowledge_Management",
        "Service_Transition_Service_Asset_and_Configuration_Management",
        "Service_Transition_Service_Transition_Planning_and_Support",
    }
)


@pytest.fixture(scope="module")
def _seeded_sqlite(_sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file with OTOBO's seed rows, made once for this module."""
    path = tmp_path_factory.mktemp("otobo-examples") / "seeded.db"
    shutil.copyfile(_sqlite_template, path)
    engine = create_engine_for(f"sqlite:///{path}")
    with SqlUnitOfWork(engine) as uow:
        seed_defaults(uow)
        uow.commit()
    engine.dispose()
    return path


@pytest.fixture
def sqlite_store(_seeded_sqlite: Path, tmp_path: Path) -> Iterator[Store]:
    """A seeded SQLite store of this test's own (the data-driven bulk runs on SQLite only)."""
    path = tmp_path / "ticketflow.db"
    shutil.copyfile(_seeded_sqlite, path)
    engine: Engine = create_engine_for(f"sqlite:///{path}")
    yield lambda: SqlUnitOfWork(engine)
    engine.dispose()


def _add_missing(store: Store, process: Process) -> tuple[str, ...]:
    """Create exactly the catalog records ``process`` lacks; their labels."""
    with store() as uow:
        missing = missing_of(process, uow.catalog.catalog())
        for record in records_for(missing, process):
            uow.catalog.add(record)
        uow.commit()
    return tuple(ref.label for ref in missing)


def _import(store: Store, runtime: ProcessRuntime, name: str) -> ImportResult:
    _add_missing(store, parsed_example(name))
    return import_process(store, runtime, load_example(name), imported_by="admin", now=NOW)


def _activate(store: Store, result: ImportResult) -> None:
    """What an OTOBO admin does before using an example stored as Inactive: set it Active."""
    document = process_to_dict(load_process(store, result.key))
    document["state"] = "Active"
    save_draft(store, document, saved_by="admin", expected_revision=result.revision)


def _labels(problems: Sequence[object]) -> list[str]:
    return [str(p).split(": ", 1)[1].split(" does not exist")[0] for p in problems]


# ---------------------------------------------------------------------------------------------
# 1. Import on OTOBO's seed data: imported, or refused with exactly what is missing.
# ---------------------------------------------------------------------------------------------


def test_all_25_examples_are_there() -> None:
    assert len(NAMES) == 25
    assert set(RUNNABLE) | IMPORTS_ON_SEED_DATA <= set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_on_seed_data_an_example_imports_or_is_refused_naming_exactly_what_is_missing(
    sqlite_store: Store, runtime: ProcessRuntime, name: str
) -> None:
    process = parsed_example(name)
    with sqlite_store() as uow:
        catalog = uow.catalog.catalog()
    expected = missing_of(process, catalog)

    if name in IMPORTS_ON_SEED_DATA:
        assert expected == ()
        result = import_process(sqlite_store, runtime, load_example(name), imported_by="admin", now=NOW)
        assert (result.key, result.revision) == (process.key, 1)
        return

    with pytest.raises(ImportRefusedError) as refused:
        import_process(sqlite_store, runtime, load_example(name), imported_by="admin", now=NOW)
    problems = refused.value.problems
    assert _labels(problems) == [ref.label for ref in expected]  # no more, no less, in order of use
    assert problems == missing_references(collect_references(process), catalog)
    message = str(refused.value)
    # OTOBO's own import rule (§5.2 step 2): every dynamic field of a dialog is named.
    for field in {f.name for a in process.activities for d in a.dialogs for f in d.fields}:
        if field.startswith("DynamicField_"):
            assert f"dynamic field '{field.removeprefix('DynamicField_')}'" in message
    with sqlite_store() as uow:
        assert uow.processes.find_draft(process.key) is None
        assert list(uow.processes.list_processes()) == []


def test_refusals_on_seed_data_name_what_otobos_setup_hooks_would_create(
    sqlite_store: Store, runtime: ProcessRuntime
) -> None:
    refusals: dict[str, str] = {}
    for name in ("Application_for_leave", "Office_Materials_Procurement", "Start_RMA", "Travel_expense"):
        with pytest.raises(ImportRefusedError) as refused:
            import_process(sqlite_store, runtime, load_example(name), imported_by="admin", now=NOW)
        refusals[name] = str(refused.value)

    assert "dynamic field 'PreProcApplicationRecorded' does not exist" in refusals["Application_for_leave"]
    assert _labels(_refusal(sqlite_store, runtime, "Office_Materials_Procurement")) == [
        "dynamic field 'PreProcMaterialsProcurementItems'",
        "dynamic field 'PreProcMaterialsProcurementstate'",
    ]
    # Beyond OTOBO's check: the ticket type a TicketTypeSet action sets must exist too.
    assert "type 'Service Request' does not exist" in refusals["Start_RMA"]
    # The corrupted, tab-joined DynamicFieldSet key names no field anyone could create.
    assert "\t" not in refusals["Travel_expense"]
    assert "PreProcTravelApprovalYesNo" in refusals["Travel_expense"]


def _refusal(store: Store, runtime: ProcessRuntime, name: str) -> Sequence[object]:
    with pytest.raises(ImportRefusedError) as refused:
        import_process(store, runtime, load_example(name), imported_by="admin", now=NOW)
    return refused.value.problems


def test_itil_maps_are_refused_for_the_types_and_fields_their_conditions_name(
    sqlite_store: Store, runtime: ProcessRuntime
) -> None:
    incident = _refusal(sqlite_store, runtime, "Service_Operation_Incident_Management")
    events = _refusal(sqlite_store, runtime, "Service_Operation_Event_Management")

    assert _labels(incident) == ["type 'Incident'"]
    assert sorted(_labels(events)) == [
        "dynamic field 'EventReview'",
        "dynamic field 'Request'",
        "type 'Incident'",
    ]


# ---------------------------------------------------------------------------------------------
# 2. Once exactly the missing records exist, every example imports.
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_with_the_missing_records_created_every_example_imports(
    sqlite_store: Store, runtime: ProcessRuntime, name: str
) -> None:
    process = parsed_example(name)
    created = _add_missing(sqlite_store, process)

    result = import_process(sqlite_store, runtime, load_example(name), imported_by="admin", now=NOW)

    assert bool(created) is (name not in IMPORTS_ON_SEED_DATA)
    assert load_process(sqlite_store, result.key) == process
    with sqlite_store() as uow:
        assert missing_of(process, uow.catalog.catalog()) == ()


def test_fields_compared_with_fixed_values_are_created_as_dropdowns(sqlite_store: Store) -> None:
    _add_missing(sqlite_store, parsed_example("Start_RMA"))
    with sqlite_store() as uow:
        fields = uow.catalog.catalog().dynamic_fields

    assert fields["PreProcRMA"].type.value == "Dropdown"
    assert {"otobo5s-yes", "otobo5s-no"} <= set(fields["PreProcRMA"].possible_values)
    assert fields["PreProcHostName"].type.value == "Text"


# ---------------------------------------------------------------------------------------------
# 3. Deploy: the complete processes deploy; the ITIL maps are templates and are refused.
# ---------------------------------------------------------------------------------------------


def _template_gaps(process: Process) -> set[str]:
    """What keeps an ITIL map from running: activities without dialogs, placeholder Module conditions,
    no end activity."""
    gaps = {
        f"activity:{a.key}" for a in process.activities if a.type is ActivityType.USER_TASK and not a.dialogs
    }
    for transition in process.transitions:
        groups = transition.condition.groups if transition.condition is not None else ()
        if any(m.type is MatchType.MODULE for g in groups for m in g.fields):
            gaps.add(f"transition:{transition.key}")
    if not any(a.type is ActivityType.END for a in process.activities):
        gaps.add("process")
    return gaps


@pytest.mark.parametrize("name", NAMES)
def test_complete_examples_deploy_and_templates_are_refused_naming_their_gaps(
    sqlite_store: Store, runtime: ProcessRuntime, name: str
) -> None:
    result = _import(sqlite_store, runtime, name)
    process = parsed_example(name)

    if name in RUNNABLE:
        deployed = deploy_process(sqlite_store, runtime, result.key, deployed_by="admin", now=NOW)
        assert (deployed.version, deployed.unchanged) == (1, False)
        return

    with pytest.raises(DefinitionError) as refused:
        deploy_process(sqlite_store, runtime, result.key, deployed_by="admin", now=NOW)
    gaps = _template_gaps(process)
    assert gaps, "a template has something to complete"
    assert {p.element for p in refused.value.problems} == gaps
    with sqlite_store() as uow:
        assert uow.processes.find_latest_version(result.key) is None


def test_placeholder_module_conditions_are_named_in_the_refusal(
    sqlite_store: Store, runtime: ProcessRuntime
) -> None:
    result = _import(sqlite_store, runtime, "Service_Operation_Incident_Management")
    with pytest.raises(DefinitionError) as refused:
        deploy_process(sqlite_store, runtime, result.key, deployed_by="admin", now=NOW)
    message = str(refused.value)
    assert "no condition validator 'asdf' is registered" in message
    assert "a user task needs at least one dialog" in message


# ---------------------------------------------------------------------------------------------
# 4. Test Mode: each complete process along the path OTOBO takes, with its effects.
# ---------------------------------------------------------------------------------------------

Submissions = Sequence[tuple[str, Mapping[str, str]]]  # (dialog name, fields)


def _play(
    store: Store,
    runtime: ProcessRuntime,
    name: str,
    submissions: Submissions,
    *,
    activate: bool = False,
    ticket: Mapping[str, str] | None = None,
) -> tuple[SimulationReport, list[str]]:
    """Import, (activate,) deploy and run the scenario in Test Mode; the report and its path by
    activity name."""
    result = _import(store, runtime, name)
    if activate:
        _activate(store, result)
    deploy_process(store, runtime, result.key, deployed_by="admin", now=NOW)
    process = parsed_example(name)
    dialogs = {d.name: d.key for a in process.activities for d in a.dialogs}
    scenario: dict[str, Any] = {
        "ticket": {"CustomerUserID": "jdoe", **(ticket or {})},
        "submissions": [
            {"dialog": dialogs[dialog], "fields": dict(fields)} for dialog, fields in submissions
        ],
    }
    report = run_test_mode(store, runtime, ProcessSource(key=result.key), parse_test_input(scenario), now=NOW)
    activity_names = {a.key: a.name for a in process.activities}
    return report, [activity_names[key] for key in report.path]


def _effects(report: SimulationReport) -> list[str]:
    from ticketflow.domain.effects import describe_effect

    return [describe_effect(effect) for effect in report.effects()]


APPLICATION = (
    "Recording the Application for leave",
    {
        "CustomerID": "ACME",
        "DynamicField_PreProcVacationStart": "2026-12-21",
        "DynamicField_PreProcVacationEnd": "2027-01-04",
        "DynamicField_PreProcDaysUsed": "8",
        "DynamicField_PreProcEmergencyTelephone": "+49 170 1234567",
        "Responsible": "root@localhost",
    },
)


def _application_for_leave(store: Store, runtime: ProcessRuntime) -> None:
    report, path = _play(
        store,
        runtime,
        "Application_for_leave",
        [
            APPLICATION,
            ("Approval", {"DynamicField_PreProcApprovedSuperior": "yes"}),
            ("Request filed", {"DynamicField_PreProcApplicationRecorded": "yes"}),
        ],
    )
    assert path == ["Recording the Application", "Aprroval of manager", "File Request", "Process complete"]
    assert report.final_position.status is PositionStatus.COMPLETED
    # The hidden default of the start dialog is what fires RequestSubmitted.
    assert report.final_data["DynamicField_PreProcProcessStatus"] == "Values filled"
    assert _effects(report) == [
        "set State to 'pending reminder'",
        "set PendingTime to '2026-11-27 09:00:00'",  # +24 h
        "set PendingTime to '2026-12-03 09:00:00'",  # 604800 s: really 7 days here
        "set State to 'closed successful'",
    ]
    assert (report.final_data["State"], report.final_data["StateType"]) == ("closed successful", "closed")


def test_application_for_leave_runs_to_process_complete(sqlite_store: Store, runtime: ProcessRuntime) -> None:
    _application_for_leave(sqlite_store, runtime)


def test_application_for_leave_runs_on_every_store(uow_factory: Store, runtime: ProcessRuntime) -> None:
    _application_for_leave(uow_factory, runtime)


def test_application_for_leave_not_approved_closes_unsuccessful(
    sqlite_store: Store, runtime: ProcessRuntime
) -> None:
    report, path = _play(
        sqlite_store,
        runtime,
        "Application_for_leave",
        [APPLICATION, ("Approval", {"DynamicField_PreProcApprovedSuperior": "no"})],
    )
    assert path == ["Recording the Application", "Aprroval of manager", "Process complete"]
    assert report.final_data["State"] == "closed unsuccessful"


def test_conference_room_reservation_tells_the_requester_by_article(
    sqlite_store: Store, runtime: ProcessRuntime
) -> None:
    report, path = _play(
        sqlite_store,
        runtime,
        "Conference_Room_Reservation",
        [
            (
                "Enter Conference Room Data",
                {
                    "CustomerID": "ACME",
                    "DynamicField_PreProcConferenceRoomNo": "R 4.12",
                    "DynamicField_TicketCalendarStartTime": "2026-12-01 10:00:00",
                    "DynamicField_TicketCalendarEndTime": "2026-12-01 12:00:00",
                },
            ),
            ("Approval Room Reservation", {"DynamicField_PreProcReservationDecision": "otobo5s-rejected"}),
        ],
    )
    # The start dialog creates the ticket; only then does "Queue is not empty" (Regexp ^) move it.
    assert path == ["Reservation Request", "Decission Room Reservation", "Process End"]
    assert report.steps[0].cause.startswith("start dialog")
    articles = [e for e in report.effects() if isinstance(e, AddArticle)]
    assert len(articles) == 1
    article = articles[0]
    assert (article.subject, article.channel, article.visible_for_customer) == (
        "Room Reservation Information",
        "Internal",
        True,
    )
    assert "room R 4.12 was set to otobo5s-rejected" in article.body


def test_a_start_dialog_without_its_mandatory_values_is_refused_in_test_mode(
    sqlite_store: Store, runtime: ProcessRuntime
) -> None:
    with pytest.raises(InvalidInputError, match="DynamicField_PreProcConferenceRoomNo"):
        _play(sqlite_store, runtime, "Conference_Room_Reservation", [("Enter Conference Room Data", {})])


def test_office_materials_procurement_reaches_in_progress(
    sqlite_store: Store, runtime: ProcessRuntime
) -> None:
    report, path = _play(
        sqlite_store,
        runtime,
        "Office_Materials_Procurement",
        [
            (
                "Office Materials Procurement Request",
                {"CustomerID": "ACME", "DynamicField_PreProcMaterialsProcurementItems": "2 staplers"},
            )
        ],
    )
    assert path == ["Office Materials Procurement Request", "Office Materials Procurement in Progress"]
    assert report.final_position.status is PositionStatus.COMPLETED
    assert report.final_data["DynamicField_PreProcMaterialsProcurementItems"] == "2 staplers"


ORDER = [
    ("Demand record", {"CustomerID": "ACME", "Subject": "A laptop", "Body": "For the new colleague"}),
    ("Approval", {"Subject": "Approved", "Body": "ok"}),
    ("Approval", {"Subject": "Ordered", "Body": "ordered"}),
    ("Confirmation", {}),
]


def test_order_request_management_is_frozen_while_inactive(
    sqlite_store: Store, runtime: ProcessRuntime
) -> None:
    result = _import(sqlite_store, runtime, "Order_Request_Management")
    deploy_process(sqlite_store, runtime, result.key, deployed_by="admin", now=NOW)
    process = parsed_example("Order_Request_Management")
    start = process.start_dialog
    assert start is not None
    scenario = parse_test_input({"submissions": [{"dialog": start.key, "fields": dict(ORDER[0][1])}]})
    with pytest.raises(InvalidInputError, match=r"offered: none"):
        run_test_mode(sqlite_store, runtime, ProcessSource(key=result.key), scenario, now=NOW)


def test_order_request_management_once_active_runs_to_completion(
    sqlite_store: Store, runtime: ProcessRuntime
) -> None:
    report, path = _play(sqlite_store, runtime, "Order_Request_Management", ORDER, activate=True)
    # One dialog ("Approval") serves two activities; each submit moves one step, since the
    # TicketStateSet action leaves the state pending and stops the chaining (§3.2).
    assert path == ["Demand recording", "Approval", "Order", "Confirm shipment received", "Process completed"]
    assert report.final_position.status is PositionStatus.COMPLETED
    assert _effects(report).count("set State to 'pending reminder'") == 3
    assert (report.final_data["State"], report.final_data["Lock"]) == ("closed successful", "unlock")


def test_request_for_leave_management_keeps_otobos_pending_units(
    sqlite_store: Store, runtime: ProcessRuntime
) -> None:
    report, path = _play(
        sqlite_store,
        runtime,
        "Request_For_Leave_Management",
        [
            (
                "Recording application",
                {"CustomerID": "ACME", "Owner": "root@localhost", "Subject": "Leave", "Body": "x"},
            ),
            ("Approval", {"Subject": "Approved", "Body": "ok"}),
            ("Confirmation", {}),
        ],
        activate=True,
    )
    assert path == ["Recording application", "Approval", "File Request", "Process completed"]
    assert _effects(report) == [
        "set State to 'pending reminder'",
        "set PendingTime to '2026-11-27 09:00:00'",
        "set Lock to 'lock'",
        "set State to 'pending reminder'",
        # Q9: "+7d" in the file is 10080, which TicketStateSet reads as seconds: 2.8 hours.
        "set PendingTime to '2026-11-26 11:48:00'",
    ]
    assert (report.final_data["State"], report.final_data["StateType"]) == ("closed successful", "closed")


def test_start_rma_sets_type_and_title_then_waits_three_days(
    sqlite_store: Store, runtime: ProcessRuntime
) -> None:
    report, path = _play(
        sqlite_store,
        runtime,
        "Start_RMA",
        [
            ("Verify RMA", {"CustomerID": "ACME", "DynamicField_PreProcRMA": "otobo5s-yes"}),
            (
                "Agent decision",
                {
                    "DynamicField_PreProcFailureDescription": "disk dead",
                    "DynamicField_PreProcHostName": "srv01",
                    "DynamicField_PreProcSerialNo": "SN-1",
                    "DynamicField_PreProcGatheringInformation": "otobo5s-approved",
                    "DynamicField_PreProcRMA": "otobo5s-yes",
                },
            ),
        ],
    )
    assert path == ["Starting RMA", "Gathering information", "Ende"]
    assert (report.final_data["Type"], report.final_data["Title"]) == (
        "Service Request",
        "RMA from CustomerUser",
    )
    assert report.final_data["PendingTime"] == "2026-11-29 09:00:00"  # 259200 s
    assert report.final_data["State"] == "pending reminder"


def test_start_rma_rejected_ends_at_once(sqlite_store: Store, runtime: ProcessRuntime) -> None:
    report, path = _play(
        sqlite_store,
        runtime,
        "Start_RMA",
        [("Verify RMA", {"CustomerID": "ACME", "DynamicField_PreProcRMA": "otobo5s-no"})],
    )
    assert path == ["Starting RMA", "Ende"]
    assert report.effects() == ()


TRAVEL = [
    (
        "Record General Travel Expenses Information",
        {"CustomerID": "ACME", "DynamicField_PreProcExpenseReceiptsRequired": "yes"},
    ),
    (
        "Record Detailed Travel Expenses Information",
        {"DynamicField_PreProcTravelExpensesInformationComplete": "otobo5s-Yes"},
    ),
]
APPROVE = "Check and Approve/Deny Travel Expenses"


def test_travel_expense_approved_records_its_status(sqlite_store: Store, runtime: ProcessRuntime) -> None:
    report, path = _play(
        sqlite_store,
        runtime,
        "Travel_expense",
        [*TRAVEL, (APPROVE, {"DynamicField_PreProcTravelApprovalYesNo": "otobo5s-Yes"})],
    )
    assert path == [
        "Record General Information",
        "Specify Travel Information",
        "Approve Travel Information",
        "Process End",
    ]
    assert (
        report.final_data["DynamicField_PreProcTravelExpensesProcessState"] == "Travel Information Approved"
    )


def test_travel_expense_sent_back_resets_the_approval(sqlite_store: Store, runtime: ProcessRuntime) -> None:
    report, path = _play(
        sqlite_store,
        runtime,
        "Travel_expense",
        [*TRAVEL, (APPROVE, {"DynamicField_PreProcTravelApprovalYesNo": "otobo5s-Back"})],
    )
    assert path[-2:] == ["Approve Travel Information", "Specify Travel Information"]
    assert report.final_position.status is PositionStatus.ACTIVE
    assert "DynamicField_PreProcTravelApprovalYesNo" not in report.final_data
    assert report.final_data["DynamicField_PreProcTravelExpensesInformationComplete"] == "otobo5s-No"


def test_travel_expense_denied_fails_on_the_corrupted_action_as_the_import_warned(
    sqlite_store: Store, runtime: ProcessRuntime
) -> None:
    result = _import(sqlite_store, runtime, "Travel_expense")
    assert any("reference Q8" in w.message for w in result.warnings)
    report, path = _play(
        sqlite_store,
        runtime,
        "Travel_expense",
        [*TRAVEL, (APPROVE, {"DynamicField_PreProcTravelApprovalYesNo": "otobo5s-No"})],
    )
    # OTOBO would end at "Process End" with the status untouched (Q8); ticketflow undoes the move
    # and stops the process as failed at the source, where an admin can retry it.
    assert path[-1] == "Approve Travel Information"
    assert report.final_position.status is PositionStatus.FAILED
    assert "is not a dynamic field name" in (report.final_position.failure or "")
    assert (
        report.final_data["DynamicField_PreProcTravelExpensesProcessState"]
        == "Detailed Travel Information Recorded"
    )


def test_release_and_deployment_runs_through_its_yes_no_gates(
    sqlite_store: Store, runtime: ProcessRuntime
) -> None:
    prefix = "DynamicField_PreProcReleaseDeploymentManagement"
    yes = "otobo5s-yes"
    report, path = _play(
        sqlite_store,
        runtime,
        "Service_Transition_Release_And_Deployment_Management",
        [
            ("Release planning", {f"{prefix}ChangeRecordReferenced": yes}),
            ("Release Build", {f"{prefix}PurchaseRequestsIssued": yes}),
            (
                "Release Deployment",
                {
                    f"{prefix}ReleaseComponentsDeployed": yes,
                    f"{prefix}ReleaseUserDocumentationCreated": yes,
                    f"{prefix}ReleaseUserTrainingCompleted": yes,
                },
            ),
            (
                "Early Life Support",
                {f"{prefix}ReleaseErrorsFixed": yes, f"{prefix}ReleaseEarlyLifeCompleted": yes},
            ),
        ],
    )
    assert path == [
        "Plan Release",
        "Build Release",
        "Deploy Release",
        "Support in Early Life",
        "Close Release",
    ]
    assert report.final_position.status is PositionStatus.COMPLETED


# ---------------------------------------------------------------------------------------------
# 5. Quirks that decide an outcome (reference §3.12), on imported processes, via Test Mode.
# ---------------------------------------------------------------------------------------------

ALWAYS = {"1": {"Type": "and", "Fields": {"Queue": {"Type": "Regexp", "Match": "^"}}}}


def _quirk_document(transitions: Mapping[str, tuple[str, Mapping[str, Any], str]]) -> dict[str, Any]:
    """A small OTOBO export: a start activity with one dialog and the given transitions
    (id → (target "X"/"Y", Condition, ConditionLinking)) to the end activities X and Y, listed in
    the given order."""
    path = {tid: {"ActivityEntityID": f"Activity-{target}"} for tid, (target, _, _) in transitions.items()}
    return {
        "Process": {
            "EntityID": "Process-quirk",
            "Name": "Quirk",
            "StateEntityID": "S1",
            "Config": {
                "Description": "",
                "StartActivity": "Activity-start",
                "StartActivityDialog": "ActivityDialog-describe",
                "Path": {"Activity-start": path, "Activity-X": {}, "Activity-Y": {}},
            },
            "Activities": ["Activity-start", "Activity-X", "Activity-Y"],
            "Transitions": list(transitions),
            "TransitionActions": [],
        },
        "Activities": {
            "Activity-start": {
                "Name": "Start",
                "Config": {"ActivityDialog": {"1": "ActivityDialog-describe"}},
            },
            "Activity-X": {"Name": "X", "Config": {}},
            "Activity-Y": {"Name": "Y", "Config": {}},
        },
        "ActivityDialogs": {
            "ActivityDialog-describe": {
                "Name": "Describe",
                "Config": {
                    "Interface": ["AgentInterface"],
                    "FieldOrder": ["Title"],
                    "Fields": {"Title": {"Display": "1", "DefaultValue": ""}},
                },
            }
        },
        "Transitions": {
            tid: {"Name": tid, "Config": {"Condition": condition, "ConditionLinking": linking}}
            for tid, (_, condition, linking) in transitions.items()
        },
        "TransitionActions": {},
    }


def _run_quirk(
    store: Store, runtime: ProcessRuntime, document: Mapping[str, Any], ticket: Mapping[str, str]
) -> tuple[str, ...]:
    result = import_process(store, runtime, document, imported_by="admin", now=NOW)
    source = ProcessSource(key=result.key, draft=True)
    report = run_test_mode(store, runtime, source, parse_test_input({"ticket": dict(ticket)}), now=NOW)
    return tuple(key.removeprefix("Activity-") for key in report.path)


@pytest.mark.parametrize(
    ("first_listed", "second_listed", "winner"),
    [
        ("Transition-b", "Transition-a", "Y"),  # listed first, but 'a' < 'b'
        ("Transition-2", "Transition-10", "Y"),  # '10' < '2' as strings
        ("Transition-a", "Transition-b", "X"),
    ],
)
def test_q6_of_two_matching_siblings_the_smaller_entity_id_wins(
    sqlite_store: Store, runtime: ProcessRuntime, first_listed: str, second_listed: str, winner: str
) -> None:
    document = _quirk_document({first_listed: ("X", ALWAYS, "and"), second_listed: ("Y", ALWAYS, "and")})
    assert _run_quirk(sqlite_store, runtime, document, {"Title": "anything"}) == ("start", winner)
    result = import_process(sqlite_store, runtime, document, imported_by="admin", now=NOW)
    assert any("reference Q6" in w.message for w in result.warnings)


@pytest.mark.parametrize(("title", "target"), [("", "Y"), ("0", "Y"), ("zero", "X")])
def test_q5_a_regexp_never_matches_an_empty_or_zero_value(
    sqlite_store: Store, runtime: ProcessRuntime, title: str, target: str
) -> None:
    anything = {"1": {"Type": "and", "Fields": {"Title": {"Type": "Regexp", "Match": ".*"}}}}
    document = _quirk_document({"Transition-1": ("X", anything, "and"), "Transition-2": ("Y", ALWAYS, "and")})
    assert _run_quirk(sqlite_store, runtime, document, {"Title": title}) == ("start", target)


@pytest.mark.parametrize(("priority", "target"), [("3 normal", "Y"), ("5 very high", "X")])
def test_q1_xor_does_not_count_a_matching_or_condition(
    sqlite_store: Store, runtime: ProcessRuntime, priority: str, target: str
) -> None:
    condition = {
        "1": {"Type": "or", "Fields": {"Title": {"Type": "String", "Match": "urgent"}}},
        "2": {"Type": "and", "Fields": {"Priority": {"Type": "String", "Match": "5 very high"}}},
    }
    document = _quirk_document(
        {"Transition-1": ("X", condition, "xor"), "Transition-2": ("Y", ALWAYS, "and")}
    )
    # The 'or' condition matches but is never counted under xor: {or ✓, and ✗} is false (not "exactly
    # one"), {or ✓, and ✓} is true.
    ticket = {"Title": "urgent", "Priority": priority}
    assert _run_quirk(sqlite_store, runtime, document, ticket) == ("start", target)


# ---------------------------------------------------------------------------------------------
# 6. Export back to OTOBO YAML and re-import: the same process.
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_export_to_otobo_yaml_and_reimport_gives_the_same_process(
    sqlite_store: Store, runtime: ProcessRuntime, name: str
) -> None:
    result = _import(sqlite_store, runtime, name)
    document, _ = export_process(sqlite_store, result.key, None, ProcessFormat.OTOBO)
    text = yaml.safe_dump(document, sort_keys=False, allow_unicode=True)

    again = import_process(sqlite_store, runtime, yaml.safe_load(text), imported_by="admin", now=NOW)

    assert (again.key, again.revision) == (result.key, 2)
    assert load_process(sqlite_store, again.key, None) == parsed_example(name)


def test_an_example_exports_and_reimports_on_every_store(uow_factory: Store, runtime: ProcessRuntime) -> None:
    result = _import(uow_factory, runtime, "Travel_expense")
    document, _ = export_process(uow_factory, result.key, None, ProcessFormat.OTOBO)
    again = import_process(
        uow_factory, runtime, yaml.safe_load(yaml.safe_dump(document)), imported_by="admin", now=NOW
    )
    assert load_process(uow_factory, again.key) == parsed_example("Travel_expense")
