"""OTOBO's YAML export ⇄ Process: the 25 shipped examples, condition rules, warnings, refusals, export."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from ticketflow.domain.conditions import Condition, ConditionGroup, FieldMatch, Linking, MatchType
from ticketflow.domain.definitions import (
    ActivityType,
    FieldDisplay,
    Interface,
    Position,
    Process,
    ProcessState,
)
from ticketflow.domain.errors import ImportRefusedError
from ticketflow.domain.formats.native_json import process_from_dict
from ticketflow.domain.formats.otobo_actions import duration_words
from ticketflow.domain.formats.otobo_export import entity_id
from ticketflow.domain.formats.otobo_yaml import OtoboImport, process_from_otobo, process_to_otobo, slug

SAMPLES = Path(__file__).parents[1] / "data" / "processes"
EXAMPLES = Path(__file__).parents[2] / ".." / "shared" / "otobo-examples"
needs_examples = pytest.mark.skipif(not EXAMPLES.is_dir(), reason=f"OTOBO examples not found at {EXAMPLES}")

# Reference §7.1: activities / dialogs / transitions / transition actions (distinct entities), and
# the number of Path edges (one Transition each).
EXPECTED = {
    "Application_for_leave": (4, 3, 4, 5, 4),
    "Conference_Room_Reservation": (3, 2, 3, 1, 3),
    "Office_Materials_Procurement": (2, 2, 1, 0, 1),
    "Order_Request_Management": (5, 4, 4, 1, 6),
    "Request_For_Leave_Management": (4, 4, 4, 3, 4),
    "Service_Design_Availability_Management_(proactive)": (9, 0, 8, 0, 8),
    "Service_Design_Availability_Management_(reactive)": (3, 0, 2, 0, 2),
    "Service_Design_Catalogue_Management": (6, 0, 5, 0, 5),
    "Service_Design_Continuity_Management": (5, 0, 5, 0, 5),
    "Service_Design_Service_Design_Coordination_(individual_design)": (5, 0, 5, 0, 5),
    "Service_Design_Service_Level_Management": (11, 0, 10, 0, 10),
    "Service_Design_Supplier_Management": (6, 0, 5, 0, 5),
    "Service_Operation_Access_Management": (8, 0, 10, 0, 12),
    "Service_Operation_Event_Management": (11, 0, 15, 0, 15),
    "Service_Operation_Incident_Management": (11, 6, 12, 3, 12),
    "Service_Operation_Problem_Management": (12, 0, 14, 0, 14),
    "Service_Operation_Request_Fulfillment_Management": (10, 0, 14, 0, 14),
    "Service_Operation_Service_Validation_and_Testing": (6, 0, 5, 0, 5),
    "Service_Transition_Change_Evaluation": (6, 0, 7, 0, 7),
    "Service_Transition_Knowledge_Management": (7, 0, 6, 0, 6),
    "Service_Transition_Release_And_Deployment_Management": (5, 5, 4, 0, 4),
    "Service_Transition_Service_Asset_and_Configuration_Management": (5, 0, 4, 0, 4),
    "Service_Transition_Service_Transition_Planning_and_Support": (5, 0, 4, 0, 4),
    "Start_RMA": (3, 3, 3, 3, 3),
    "Travel_expense": (4, 3, 5, 6, 5),
}


def example(name: str, loader: type[yaml.SafeLoader] | None = None) -> dict[str, Any]:
    text = (EXAMPLES / f"{name}.yml").read_text(encoding="utf-8")
    document = yaml.load(text, Loader=loader) if loader else yaml.safe_load(text)
    assert isinstance(document, dict)
    return document


def imported(name: str) -> OtoboImport:
    return process_from_otobo(example(name))


def counts(process: Process) -> tuple[int, int, int, int, int]:
    dialogs = {d.key for a in process.activities for d in a.dialogs}
    transitions = {t.key.split("@")[0] for t in process.transitions}
    actions = {a.key for t in process.transitions for a in t.actions}
    return len(process.activities), len(dialogs), len(transitions), len(actions), len(process.transitions)


def warnings_text(result: OtoboImport) -> list[str]:
    assert all(w.severity == "warning" for w in result.warnings)
    return [str(w) for w in result.warnings]


def refusal(document: object) -> list[str]:
    with pytest.raises(ImportRefusedError) as caught:
        process_from_otobo(document)  # type: ignore[arg-type]
    return [str(p) for p in caught.value.problems]


def test_the_expected_table_covers_every_shipped_example() -> None:
    if EXAMPLES.is_dir():
        assert {p.stem for p in EXAMPLES.glob("*.yml")} == set(EXPECTED)
    assert len(EXPECTED) == 25


@needs_examples
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_example_imports_with_the_expected_counts(name: str) -> None:
    process = imported(name).process
    assert counts(process) == EXPECTED[name]
    assert process.find_activity(process.start_activity) is not None
    assert process.key == slug(process.name)


@needs_examples
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_base_loader_text_gives_the_same_structure(name: str) -> None:
    process = process_from_otobo(example(name, yaml.BaseLoader)).process  # type: ignore[arg-type]
    assert counts(process) == EXPECTED[name]


@needs_examples
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_example_survives_export_and_import(name: str) -> None:
    first = imported(name)
    exported = process_to_otobo(first.process, first.entity_id)
    assert list(exported.document) == [
        "Process",
        "Activities",
        "ActivityDialogs",
        "Transitions",
        "TransitionActions",
    ]
    assert exported.document["Process"]["EntityID"] == first.entity_id
    assert process_from_otobo(exported.document).process == first.process
    # The export is plain data, ready for a YAML or JSON writer.
    assert json.loads(json.dumps(exported.document)) == exported.document


@needs_examples
def test_office_materials_procurement_maps_every_part() -> None:
    result = imported("Office_Materials_Procurement")
    process = result.process
    assert process.key == "office-materials-procurement"
    assert process.state is ProcessState.ACTIVE
    assert process.description.startswith("Office Materials Procurement\r\n")
    assert process.startable_by is Interface.BOTH
    start, end = process.activities
    assert process.start_activity == start.key == "Activity-7e784910f34ba6aebadf92b339220211"
    assert start.type is ActivityType.USER_TASK
    assert end.type is ActivityType.END  # no outgoing Path edges; its dialog stays (§3.7)
    assert [d.key for d in end.dialogs] == ["ActivityDialog-1cbfae9db9b63eb3ef8bb9908f7e2d63"]
    dialog = start.dialogs[0]
    assert [f.name for f in dialog.fields] == [
        "CustomerID",
        "DynamicField_PreProcMaterialsProcurementItems",
        "Article",
    ]
    assert [f.display for f in dialog.fields] == [
        FieldDisplay.MANDATORY,
        FieldDisplay.OPTIONAL,
        FieldDisplay.OPTIONAL,
    ]
    assert dialog.fields[2].config == {
        "communication_channel": "Internal",
        "visible_for_customer": "1",
        "time_units": "0",
    }
    assert dialog.permission is None
    assert dialog.required_lock is False
    (transition,) = process.transitions
    assert (transition.source, transition.target) == (start.key, end.key)
    assert transition.name == "Queue is not empty"
    assert transition.condition == Condition(
        Linking.AND, (ConditionGroup("1", Linking.AND, (FieldMatch("Queue", MatchType.REGEXP, "^"),)),)
    )
    assert process.layout[start.key] == Position(276, 132)
    assert result.dynamic_fields == ("PreProcMaterialsProcurementItems", "PreProcMaterialsProcurementstate")
    assert result.entity_id == "Process-adf27457e567fe3db29983207776eff3"


@needs_examples
def test_shared_transitions_get_one_key_per_edge_and_shared_entities_stay_equal() -> None:
    process = imported("Order_Request_Management").process
    assert process.state is ProcessState.INACTIVE
    approved = [
        t for t in process.transitions if t.key.startswith("Transition-84da0e56e0bcc6eaf81f4c8477ab6e6b")
    ]
    assert sorted(t.key for t in approved) == [
        "Transition-84da0e56e0bcc6eaf81f4c8477ab6e6b@Activity-15701296e05199ab53f6a706a55dc21b",
        "Transition-84da0e56e0bcc6eaf81f4c8477ab6e6b@Activity-1b046d8258dbfc0df49cfca2d6032023",
    ]
    assert approved[0].actions == approved[1].actions
    assert approved[0].target != approved[1].target  # the target belongs to the edge (§2.6)


@needs_examples
def test_outgoing_transitions_follow_otobos_id_order_and_say_so() -> None:
    result = imported("Travel_expense")
    source = "Activity-be7378f69cdfba6e3648cc8cc9649d12"
    keys = [t.key for t in result.process.outgoing(source)]
    assert keys == sorted(keys)
    assert len(keys) == 3
    assert any(
        w.startswith(f"activity:{source}.transitions: 3 outgoing transitions") for w in warnings_text(result)
    )
    back = next(
        t for t in result.process.transitions if t.key == "Transition-da3e7102cadce3c1f3a9e91c0df963e2"
    )
    assert [a.key for a in back.actions] == [
        "TransitionAction-ffdf440fac8fca4ea42c2ee5a07634c9",
        "TransitionAction-74eea7774d10d2979eca215864afd5fb",
        "TransitionAction-92f13c65d6165f1ce6584482151f14db",
    ]
    assert back.actions[0].module == "DynamicFieldSet"
    assert back.actions[0].config == {"PreProcTravelExpensesProcessState": "otobo5s-BackToSpecifiedRecording"}


@needs_examples
def test_the_corrupted_travel_expense_key_is_a_warning() -> None:
    found = [w for w in warnings_text(imported("Travel_expense")) if "contains whitespace" in w]
    assert len(found) == 1
    assert found[0].startswith("action:Transition-69a0b0e0cbe4318cd37171ae08f1099e/0.Config.Config: the key ")
    assert "OTOBO would still move the ticket to the transition's target (reference Q8)" in found[0]


@needs_examples
def test_pending_time_diff_warnings_give_precise_numbers() -> None:
    leave = warnings_text(imported("Request_For_Leave_Management"))
    assert any(
        "PendingTimeDiff: is seconds for TicketStateSet (reference Q9): 10080 is 2.8 hours, not 7 days" in w
        for w in leave
    )
    application = warnings_text(imported("Application_for_leave"))
    assert any(w.endswith("604800 is 7 days") for w in application)
    assert duration_words(90) == "1.5 minutes"
    assert duration_words(1) == "1 second"
    assert duration_words(3600) == "1 hour"


@needs_examples
def test_yes_no_booleans_from_safe_load_are_read_as_text_with_a_warning() -> None:
    result = imported("Application_for_leave")
    matches = [
        f.match
        for t in result.process.transitions
        if t.condition
        for g in t.condition.groups
        for f in g.fields
    ]
    assert "yes" in matches
    assert "no" in matches
    assert any("turned an unquoted yes/no into a boolean" in w for w in warnings_text(result))
    exact = process_from_otobo(example("Application_for_leave", yaml.BaseLoader))  # type: ignore[arg-type]
    assert not any("boolean" in str(w) for w in exact.warnings)


@needs_examples
def test_module_conditions_and_empty_start_dialogs_are_warnings() -> None:
    incident = warnings_text(imported("Service_Operation_Incident_Management"))
    assert any("is a Module condition ('asdf')" in w for w in incident)
    process_map = imported("Service_Design_Catalogue_Management")
    assert process_map.process.startable_by is Interface.AGENT
    assert any(
        w.startswith("process.Config.StartActivityDialog: is empty") for w in warnings_text(process_map)
    )


def legacy() -> dict[str, Any]:
    document = yaml.safe_load((SAMPLES / "legacy_ids_otobo.yml").read_text(encoding="utf-8"))
    assert isinstance(document, dict)
    return document


def test_condition_rules_of_otobo() -> None:
    result = process_from_otobo(legacy())
    transitions = {t.key: t for t in result.process.transitions}
    # Condition.Type is the linking when there is no ConditionLinking; the key ConditionLinking inside
    # Condition is skipped; a scalar is a String, a list an Array; a map without Type is ignored (Q2).
    assert transitions["T1"].condition == Condition(
        Linking.OR,
        (
            ConditionGroup(
                "cheap",
                Linking.AND,
                (
                    FieldMatch("DynamicField_Price", MatchType.STRING, "10"),
                    FieldMatch("DynamicField_Tags", MatchType.ARRAY, ("paperback", "used")),
                ),
            ),
            ConditionGroup("legacy", Linking.AND, (FieldMatch("DynamicField_Old", None, "x"),)),
        ),
    )
    assert transitions["T2"].condition == Condition(Linking.AND, ())  # only Type: always true (Q10)
    text = warnings_text(result)
    assert any(
        w.startswith("transition:T1.Config.Condition.legacy.Fields.DynamicField_Old: has no Type")
        for w in text
    )
    assert any(
        w.startswith("transition:T2.Config.Condition: holds only 'Type'") and "always true" in w for w in text
    )
    assert any("<OTRS_CUSTOMER_REALNAME> is an OTRS tag" in w and "not substitute" in w for w in text)


def test_legacy_dialogs_states_and_start_dialog() -> None:
    result = process_from_otobo(legacy())
    process = result.process
    assert process.key == "book-ordering-legacy"
    assert process.state is ProcessState.FADE_AWAY
    assert process.startable_by is Interface.CUSTOMER
    recording = process.activities[0]
    assert [d.key for d in recording.dialogs] == ["AD1", "AD2"]  # order keys '2' < '10' as numbers
    assert recording.dialogs[0].required_lock is True
    assert recording.dialogs[0].fields[1].default == "Perl Cookbook"
    assert recording.dialogs[1].fields[0].config == {
        "communication_channel": "Phone",
        "visible_for_customer": "0",
        "ArticleType": "note-internal",
    }
    assert process.layout == {"A1": Position(10, 20), "A2": Position(210, 20)}
    assert result.dynamic_fields == ("Book",)


def test_legacy_ids_are_replaced_by_derived_entity_ids_on_export() -> None:
    process = process_from_otobo(legacy()).process
    exported = process_to_otobo(process)
    document = exported.document
    assert document["Process"]["EntityID"] == entity_id("Process", "book-ordering-legacy")
    assert set(document["Activities"]) == {entity_id("Activity", key) for key in ("A1", "A2", "A3")}
    assert entity_id("Activity", "A1") == entity_id("Activity", "A1")  # deterministic
    assert entity_id("Activity", "Activity-7e784910f34ba6aebadf92b339220211").endswith(
        "7e784910f34ba6aebadf92b339220211"
    )
    again = process_from_otobo(document).process
    assert [a.name for a in again.activities] == [a.name for a in process.activities]
    # OTOBO's check order is the id order (Q6), so the derived ids may reorder siblings.
    assert sorted((t.name, str(t.condition)) for t in again.transitions) == sorted(
        (t.name, str(t.condition)) for t in process.transitions
    )
    assert any("string order of their ids" in str(w) for w in exported.warnings)


def test_exporting_ticketflow_only_features_warns_and_keeps_the_rest() -> None:
    sample = json.loads((SAMPLES / "purchase_request.json").read_text(encoding="utf-8"))
    process = process_from_dict(sample)
    exported = process_to_otobo(process)
    text = [str(w) for w in exported.warnings]
    assert (
        "activity:order.type: OTOBO has no service task: exported as an activity that waits until a "
        "ticket change moves it on" in text
    )
    assert "transition:erp-failed.error_code: OTOBO has no error transitions; left out" in text
    assert any("OTOBO has no LessThan match" in w for w in text)
    assert any("OTOBO has no GreaterThanOrEqual match" in w for w in text)
    assert all(w.severity == "warning" for w in exported.warnings)
    again = process_from_otobo(exported.document).process
    assert len(again.activities) == len(process.activities)
    assert len(again.transitions) == len(process.transitions) - 1
    request = again.find_activity(entity_id("Activity", "request"))
    assert request is not None
    assert request.dialogs[0].fields == process.activities[0].dialogs[0].fields
    assert again.startable_by is Interface.BOTH


def test_a_broken_document_lists_every_problem_at_once() -> None:
    document = copy.deepcopy(legacy())
    config = document["Process"]["Config"]
    del config["StartActivity"]
    config["Path"]["A2"]["T9"] = {"ActivityEntityID": "A3", "TransitionAction": ["TA9"]}
    config["Path"]["A4"] = {}
    del document["ActivityDialogs"]["AD2"]
    document["ActivityDialogs"]["AD1"]["Config"]["Fields"]["Title"]["Display"] = "3"
    document["Transitions"]["T3"]["Config"]["Condition"]["1"]["Type"] = "nand"
    document["Transitions"]["T3"]["Config"]["Condition"]["2"] = {"Type": "and", "Fields": {}}
    document["Process"]["StateEntityID"] = "S9"
    problems = refusal(document)
    assert problems == [
        "dialog:A1/AD1.Config.Fields.Title.Display: '3' is not one of 0, 1, 2",
        "dialog:A1/AD2: is used by the activity but missing from ActivityDialogs",
        "activity:A4: is used in Config.Path but missing from Activities",
        "transition:T3.Config.Condition.1.Type: 'nand' is not one of and, or, xor",
        "transition:T3.Config.Condition.2.Fields: must name at least one field: OTOBO treats a condition "
        "without fields as a configuration error (reference §3.4)",
        "transition:T9: is used in Config.Path but missing from Transitions",
        "action:T9/0: TA9 is missing from TransitionActions",
        "process.Config.StartActivity: is missing: a process needs a start activity",
        "process.StateEntityID: 'S9' is not one of S1, S2, S3",
    ]


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        (
            [],
            "document: must be a map with the keys "
            "Process, Activities, ActivityDialogs, Transitions, TransitionActions",
        ),
        ({"Activities": {}}, "document.Process: is missing: this is not an OTOBO process export"),
        ({"Process": "P1"}, "document.Process: must be a map"),
    ],
)
def test_documents_that_are_not_exports_are_refused(document: object, expected: str) -> None:
    assert expected in refusal(document)


def test_listed_entities_must_be_present_and_conditions_must_not_be_empty() -> None:
    document = copy.deepcopy(legacy())
    document["Process"]["TransitionActions"].append("TA7")
    document["Transitions"]["T3"]["Config"]["Condition"] = {}
    problems = refusal(document)
    assert "process.TransitionActions: lists TA7, which the export does not contain" in problems
    assert any(p.startswith("transition:T3.Config.Condition: is empty") for p in problems)


def test_slug() -> None:
    assert slug("Service Operation::Incident Management") == "service-operation-incident-management"
    assert slug("Änderung — Größe") == "anderung-groe"
    assert slug("Conference Room Reservation Mgmt.") == "conference-room-reservation-mgmt"
