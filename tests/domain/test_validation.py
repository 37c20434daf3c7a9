"""validate(): one bad thing gives exactly its problem, on the right element; many at once all show."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import pytest

from ticketflow.domain.catalog import Catalog, DynamicFieldDefinition, DynamicFieldType
from ticketflow.domain.conditions import Condition, ConditionGroup, FieldMatch, Linking, MatchType
from ticketflow.domain.definitions import (
    Activity,
    ActivityDialog,
    ActivityType,
    DialogField,
    FieldDisplay,
    Interface,
    Process,
    ProcessState,
    ScriptCall,
    ServiceCall,
    SubProcessCall,
    Transition,
    TransitionAction,
)
from ticketflow.domain.errors import Problem
from ticketflow.domain.parameters import Parameter
from ticketflow.domain.validation import errors_only, has_errors, validate


@dataclass(frozen=True)
class Spec:
    parameters: tuple[Parameter, ...]


def _param(name: str, *, required: bool = False) -> Parameter:
    return Parameter(name, f"the {name}", required=required)


ACTIONS = {
    "TicketQueueSet": Spec((_param("Queue", required=True),)),
    "TicketStateSet": Spec((_param("State", required=True), _param("PendingTimeDiff"))),
    "TicketLockSet": Spec((_param("Lock", required=True),)),
    "DynamicFieldSet": Spec(()),
    "TicketCreate": Spec((_param("Title", required=True), _param("Queue"), _param("DynamicField_<Name>"))),
    "SendNotification": Spec((_param("Recipients", required=True), _param("Template"))),
    "StartSubProcess": Spec(
        (_param("Process", required=True), _param("Version"), _param("DynamicField_<Name>"))
    ),
}
SCRIPTS = {
    "copy_fields": Spec((_param("From", required=True), _param("To"))),
    "set_fields": Spec((_param("<ticket-data name>", required=True),)),
}
VALIDATORS = frozenset({"ValidateDemo"})

CATALOG = Catalog(
    queues=frozenset({"Raw", "Sales"}),
    states={"new": "new", "open": "open", "closed successful": "closed"},
    priorities=frozenset({"3 normal"}),
    users=frozenset({"root", "anna"}),
    roles=frozenset({"approvers"}),
    dynamic_fields={
        "Status": DynamicFieldDefinition(
            "Status", "Status", DynamicFieldType.DROPDOWN, {"approved": "Approved", "rejected": "Rejected"}
        ),
        "Urgent": DynamicFieldDefinition("Urgent", "Urgent", DynamicFieldType.CHECKBOX),
        "Amount": DynamicFieldDefinition("Amount", "Amount", DynamicFieldType.TEXT),
        "Due": DynamicFieldDefinition("Due", "Due", DynamicFieldType.DATE),
    },
    web_services={"CRM": frozenset({"Lookup"})},
    processes={"child": (1, 2)},
    notification_templates=frozenset({"Approved"}),
)

START_DIALOG = ActivityDialog(
    key="D1",
    name="Request",
    interface=Interface.AGENT,
    fields=(
        DialogField("Title", FieldDisplay.MANDATORY),
        DialogField("DynamicField_Status", FieldDisplay.MANDATORY),
        DialogField("Queue", FieldDisplay.HIDDEN, default="Sales"),
        DialogField("State", FieldDisplay.HIDDEN, default="open"),
        DialogField("Article", FieldDisplay.OPTIONAL),
    ),
)


def clean_process() -> Process:
    """A process touching every kind of element, with no problem at all."""
    approved = Condition(
        Linking.AND,
        (
            ConditionGroup(
                "1", Linking.AND, (FieldMatch("DynamicField_Status", MatchType.STRING, "approved"),)
            ),
        ),
    )
    return Process(
        key="order",
        name="Order",
        start_activity="A1",
        activities=(
            Activity("A1", "Request", ActivityType.USER_TASK, dialogs=(START_DIALOG,)),
            Activity(
                "A2",
                "Copy",
                ActivityType.SCRIPT_TASK,
                script=ScriptCall("copy_fields", {"From": "DynamicField_Amount"}),
                error_code="E1",
            ),
            Activity("A3", "Look up", ActivityType.SERVICE_TASK, service=ServiceCall("CRM", "Lookup")),
            Activity("A4", "Child", ActivityType.SUB_PROCESS, sub_process=SubProcessCall("child", 1)),
            Activity("End", "Done", ActivityType.END),
        ),
        transitions=(
            Transition(
                "T1",
                "approved",
                "A1",
                "A2",
                condition=approved,
                actions=(
                    TransitionAction("TA1", "Move", "TicketQueueSet", {"Queue": "Sales"}),
                    TransitionAction(
                        "TA2", "Copy", "DynamicFieldSet", {"Amount": "<OTOBO_TICKET_DynamicField_Status>"}
                    ),
                ),
            ),
            Transition("T2", "copied", "A2", "A3"),
            Transition("T3", "copy failed", "A2", "End", error_code="E1"),
            Transition("T4", "looked up", "A3", "A4"),
            Transition(
                "T5",
                "done",
                "A4",
                "End",
                actions=(
                    TransitionAction("TA3", "Close", "TicketStateSet", {"State": "closed successful"}),
                    TransitionAction(
                        "TA4",
                        "Tell",
                        "SendNotification",
                        {"Recipients": "role:approvers, owner", "Template": "Approved"},
                    ),
                ),
            ),
        ),
    )


def check(process: Process, catalog: Catalog = CATALOG) -> tuple[Problem, ...]:
    return validate(process, catalog, ACTIONS, SCRIPTS, VALIDATORS)


def with_activity(process: Process, key: str, **changes: Any) -> Process:
    activities = tuple(replace(a, **changes) if a.key == key else a for a in process.activities)
    return replace(process, activities=activities)


def with_transition(process: Process, key: str, **changes: Any) -> Process:
    transitions = tuple(replace(t, **changes) if t.key == key else t for t in process.transitions)
    return replace(process, transitions=transitions)


def with_start_fields(process: Process, *fields: DialogField) -> Process:
    dialog = replace(START_DIALOG, fields=fields)
    return with_activity(process, "A1", dialogs=(dialog,))


def with_condition(process: Process, *tests: FieldMatch) -> Process:
    condition = Condition(Linking.AND, (ConditionGroup("1", Linking.AND, tests),))
    return with_transition(process, "T1", condition=condition)


def with_action(process: Process, action: TransitionAction) -> Process:
    return with_transition(process, "T1", actions=(action,))


def test_a_clean_process_has_no_problems() -> None:
    assert check(clean_process()) == ()


def test_an_inactive_process_is_fine() -> None:
    assert check(replace(clean_process(), state=ProcessState.INACTIVE)) == ()


Case = tuple[Callable[[Process], Process], str, str | None, str, str]

# (change to the clean process, element, field, severity, part of the message)
CASES: dict[str, Case] = {
    "start activity missing": (
        lambda p: replace(p, start_activity="Nope"),
        "process",
        "start_activity",
        "error",
        "start activity 'Nope' does not exist",
    ),
    "customer start without customer dialog": (
        lambda p: replace(p, startable_by=Interface.BOTH),
        "process",
        "startable_by",
        "error",
        "start dialog is not visible to customers",
    ),
    "user task without dialog": (
        lambda p: with_activity(p, "A1", dialogs=()),
        "activity:A1",
        "type",
        "error",
        "needs at least one dialog",
    ),
    "script task without script": (
        lambda p: with_activity(p, "A2", script=None),
        "activity:A2",
        "type",
        "error",
        "needs a script",
    ),
    "service task without call": (
        lambda p: with_activity(p, "A3", service=None),
        "activity:A3",
        "type",
        "error",
        "needs a web service call",
    ),
    "sub-process without call": (
        lambda p: with_activity(p, "A4", sub_process=None),
        "activity:A4",
        "type",
        "error",
        "needs a sub-process call",
    ),
    "sub-process pinned to an undeployed version": (
        lambda p: with_activity(p, "A4", sub_process=SubProcessCall("child", 7)),
        "activity:A4",
        "sub_process",
        "error",
        "no deployed version 7",
    ),
    "duplicate dialog key": (
        lambda p: with_activity(p, "A1", dialogs=(START_DIALOG, START_DIALOG)),
        "activity:A1",
        None,
        "error",
        "dialog key 'D1' is used 2 times",
    ),
    "duplicate action key": (
        lambda p: with_transition(
            p, "T5", actions=(p.transitions[4].actions[0], replace(p.transitions[4].actions[1], key="TA3"))
        ),
        "transition:T5",
        None,
        "error",
        "transition action key 'TA3' is used 2 times",
    ),
    "error code never raised": (
        lambda p: with_transition(p, "T3", error_code="E9"),
        "transition:T3",
        "error_code",
        "warning",
        "handles error 'E9', but 'A2' raises 'E1'",
    ),
    "error transition from a user task": (
        lambda p: replace(
            p, transitions=(*p.transitions, Transition("T6", "oops", "A1", "End", error_code="*"))
        ),
        "transition:T6",
        "error_code",
        "warning",
        "a user_task activity never fails",
    ),
    "condition on a missing dynamic field": (
        lambda p: with_condition(p, FieldMatch("DynamicField_Nope", MatchType.STRING, "x")),
        "transition:T1",
        "DynamicField_Nope",
        "error",
        "dynamic field 'Nope' does not exist",
    ),
    "checkbox compared with a word": (
        lambda p: with_condition(p, FieldMatch("DynamicField_Urgent", MatchType.STRING, "yes")),
        "transition:T1",
        "DynamicField_Urgent",
        "error",
        "'yes' is not a possible value of dynamic field 'Urgent'",
    ),
    "dropdown compared with a value it lacks": (
        lambda p: with_condition(p, FieldMatch("DynamicField_Status", MatchType.NOT_EQUAL, "Approved")),
        "transition:T1",
        "DynamicField_Status",
        "error",
        "'Approved' is not a possible value",
    ),
    "dropdown array with a value it lacks": (
        lambda p: with_condition(
            p, FieldMatch("DynamicField_Status", MatchType.ARRAY, ("approved", "maybe"))
        ),
        "transition:T1",
        "DynamicField_Status",
        "error",
        "'maybe' is not a possible value",
    ),
    "invalid regular expression": (
        lambda p: with_condition(p, FieldMatch("Title", MatchType.REGEXP, "(unclosed")),
        "transition:T1",
        "Title",
        "error",
        "'(unclosed' is not a valid regular expression",
    ),
    "ordering against a word": (
        lambda p: with_condition(p, FieldMatch("DynamicField_Amount", MatchType.GREATER_THAN, "much")),
        "transition:T1",
        "DynamicField_Amount",
        "error",
        "needs a number or a date",
    ),
    "unregistered validator module": (
        lambda p: with_condition(p, FieldMatch("x", MatchType.MODULE, "MyCheck")),
        "transition:T1",
        "x",
        "error",
        "no condition validator 'MyCheck' is registered",
    ),
    "array test with a text match": (
        lambda p: with_condition(p, FieldMatch("Title", MatchType.ARRAY, "a")),
        "transition:T1",
        "Title",
        "error",
        "needs a list of values",
    ),
    "hash test with a text match": (
        lambda p: with_condition(p, FieldMatch("Title", MatchType.HASH, "a")),
        "transition:T1",
        "Title",
        "error",
        "needs a map of values",
    ),
    "empty string match": (
        lambda p: with_condition(p, FieldMatch("Title", MatchType.STRING, "")),
        "transition:T1",
        "Title",
        "error",
        "needs a non-empty value",
    ),
    "field test without a type": (
        lambda p: with_condition(p, FieldMatch("Title", None, "a")),
        "transition:T1",
        "Title",
        "warning",
        "no match type",
    ),
    "condition group without fields": (
        lambda p: with_transition(
            p, "T1", condition=Condition(Linking.AND, (ConditionGroup("g", Linking.OR, ()),))
        ),
        "transition:T1",
        None,
        "error",
        "condition 'g' has no fields",
    ),
    "condition without groups": (
        lambda p: with_transition(p, "T1", condition=Condition(Linking.AND, ())),
        "transition:T1",
        None,
        "warning",
        "always holds",
    ),
    "unknown action module": (
        lambda p: with_action(p, TransitionAction("X", "x", "TicketFrobnicate", {"A": "b"})),
        "action:T1/0",
        "module",
        "error",
        "unknown transition action module 'TicketFrobnicate'",
    ),
    "required action parameter missing": (
        lambda p: with_action(p, TransitionAction("X", "x", "TicketQueueSet", {"UserID": "1"})),
        "action:T1/0",
        "Queue",
        "error",
        "required parameter 'Queue' is missing",
    ),
    "unknown action parameter": (
        lambda p: with_action(
            p, TransitionAction("X", "x", "TicketQueueSet", {"Queue": "Raw", "Colour": "red"})
        ),
        "action:T1/0",
        "Colour",
        "warning",
        "unknown parameter 'Colour'",
    ),
    "action moves to a missing queue": (
        lambda p: with_action(p, TransitionAction("X", "x", "TicketQueueSet", {"Queue": "Nowhere"})),
        "action:T1/0",
        "Queue",
        "error",
        "queue 'Nowhere' does not exist",
    ),
    "action with a bad lock value": (
        lambda p: with_action(p, TransitionAction("X", "x", "TicketLockSet", {"Lock": "locked"})),
        "action:T1/0",
        "Lock",
        "error",
        "'locked' is not lock, unlock or tmp_lock",
    ),
    "action sets a missing dynamic field": (
        lambda p: with_action(p, TransitionAction("X", "x", "DynamicFieldSet", {"Colour": "red"})),
        "action:T1/0",
        "Colour",
        "error",
        "dynamic field 'Colour' does not exist",
    ),
    "notification to a missing role": (
        lambda p: with_action(
            p, TransitionAction("X", "x", "SendNotification", {"Recipients": "role:bosses"})
        ),
        "action:T1/0",
        "Recipients",
        "error",
        "role 'bosses' does not exist",
    ),
    "script parameter missing": (
        lambda p: with_activity(p, "A2", script=ScriptCall("copy_fields", {})),
        "activity:A2",
        "From",
        "error",
        "required parameter 'From' is missing",
    ),
    "script without a key of its required pattern": (
        lambda p: with_activity(p, "A2", script=ScriptCall("set_fields", {})),
        "activity:A2",
        "<ticket-data name>",
        "error",
        "required parameter '<ticket-data name>' is missing",
    ),
    "script sets a missing queue": (
        lambda p: with_activity(
            p, "A2", script=ScriptCall("set_fields", {"Queue": "Gone", "DynamicField_Due": ""})
        ),
        "activity:A2",
        "Queue",
        "error",
        "queue 'Gone' does not exist",
    ),
    "sub-process action pinned to an undeployed version": (
        lambda p: with_action(
            p, TransitionAction("X", "x", "StartSubProcess", {"Process": "child", "Version": "3"})
        ),
        "action:T1/0",
        "Version",
        "error",
        "process 'child' has no deployed version 3",
    ),
    "sub-process action to a missing process": (
        lambda p: with_action(p, TransitionAction("X", "x", "StartSubProcess", {"Process": "nope"})),
        "action:T1/0",
        "Process",
        "error",
        "process 'nope' does not exist",
    ),
    "script missing": (
        lambda p: with_activity(p, "A2", script=ScriptCall("teleport")),
        "activity:A2",
        "script",
        "error",
        "script 'teleport' does not exist",
    ),
    "invoker missing": (
        lambda p: with_activity(p, "A3", service=ServiceCall("CRM", "Delete")),
        "activity:A3",
        "invoker",
        "error",
        "invoker 'Delete' of web service 'CRM' does not exist",
    ),
    "sub-process target missing": (
        lambda p: with_activity(p, "A4", sub_process=SubProcessCall("orphan")),
        "activity:A4",
        "sub_process",
        "error",
        "process 'orphan' does not exist",
    ),
    "queue shown optional": (
        lambda p: with_start_fields(p, DialogField("Title"), DialogField("Queue", FieldDisplay.OPTIONAL)),
        "dialog:A1/D1",
        "Queue",
        "error",
        "cannot be optional",
    ),
    "unknown dialog field": (
        lambda p: with_start_fields(p, DialogField("Title"), DialogField("Colour")),
        "dialog:A1/D1",
        "Colour",
        "error",
        "'Colour' is not a dialog field",
    ),
    "dialog field listed twice": (
        lambda p: with_start_fields(p, DialogField("Title"), DialogField("Title")),
        "dialog:A1/D1",
        "Title",
        "error",
        "listed 2 times",
    ),
    "hidden state without default": (
        lambda p: with_start_fields(p, DialogField("Title"), DialogField("State", FieldDisplay.HIDDEN)),
        "dialog:A1/D1",
        "State",
        "warning",
        "hidden without a default",
    ),
    "dialog default that is not a possible value": (
        lambda p: with_start_fields(
            p, DialogField("DynamicField_Status", FieldDisplay.HIDDEN, default="maybe")
        ),
        "dialog:A1/D1",
        "DynamicField_Status",
        "error",
        "default: DynamicField_Status: 'maybe' is not one of its possible values",
    ),
    "dialog default queue missing": (
        lambda p: with_start_fields(p, DialogField("Queue", FieldDisplay.HIDDEN, default="Gone")),
        "dialog:A1/D1",
        "Queue",
        "error",
        "queue 'Gone' does not exist",
    ),
    "dialog uses a missing dynamic field": (
        lambda p: with_start_fields(p, DialogField("Title"), DialogField("DynamicField_Colour")),
        "dialog:A1/D1",
        "DynamicField_Colour",
        "error",
        "dynamic field 'Colour' does not exist",
    ),
    "customer dialog shows the owner": (
        lambda p: with_activity(
            p,
            "A1",
            dialogs=(replace(START_DIALOG, interface=Interface.BOTH, fields=(DialogField("Owner"),)),),
        ),
        "dialog:A1/D1",
        "Owner",
        "warning",
        "is shown to customers",
    ),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_one_mistake_gives_exactly_its_problem(case: Case) -> None:
    change, element, field, severity, message = case

    problems = check(change(clean_process()))

    assert [(p.element, p.field, p.severity) for p in problems] == [(element, field, severity)], problems
    assert message in problems[0].message


def test_unreachable_activity_is_reported_on_it() -> None:
    process = clean_process()
    orphan = Activity("A9", "Orphan", ActivityType.END)

    problems = check(replace(process, activities=(*process.activities, orphan)))

    assert problems == (Problem("activity:A9", "is not reachable from the start activity"),)


def test_activity_without_way_to_an_end_is_reported_on_it() -> None:
    process = clean_process()
    trap = Transition("T9", "to trap", "A1", "A9")
    activities = (
        *process.activities,
        Activity("A9", "Trap", ActivityType.USER_TASK, dialogs=(START_DIALOG,)),
    )

    problems = check(replace(process, activities=activities, transitions=(*process.transitions, trap)))

    assert problems == (Problem("activity:A9", "no end activity can be reached from here"),)


def test_transition_to_a_missing_activity_is_reported_on_the_transition() -> None:
    problems = check(with_transition(clean_process(), "T2", target="Nowhere"))

    # A3 and A4 were only reached through T2; A2 still reaches the end by its error transition.
    assert problems == (
        Problem("transition:T2", "target activity 'Nowhere' does not exist", "target"),
        Problem("activity:A3", "is not reachable from the start activity"),
        Problem("activity:A4", "is not reachable from the start activity"),
    )


def test_transition_leaving_an_end_is_an_error() -> None:
    process = clean_process()
    back = Transition("T9", "again", "End", "A1")

    problems = check(replace(process, transitions=(*process.transitions, back)))

    assert problems == (Problem("transition:T9", "leaves the end activity 'End'", "source"),)


def test_transition_from_a_missing_activity_is_an_error() -> None:
    process = clean_process()
    stray = Transition("T9", "stray", "Ghost", "End")

    problems = check(replace(process, transitions=(*process.transitions, stray)))

    assert problems == (Problem("transition:T9", "source activity 'Ghost' does not exist", "source"),)


def test_process_without_end_reports_it_once() -> None:
    process = clean_process()
    activities = tuple(a for a in process.activities if a.key != "End")
    transitions = tuple(t for t in process.transitions if t.target != "End")

    problems = check(replace(process, activities=activities, transitions=transitions))

    assert problems == (Problem("process", "has no end activity"),)


def test_duplicate_activity_and_transition_keys_are_reported_on_the_process() -> None:
    process = clean_process()

    problems = check(
        replace(
            process,
            activities=(*process.activities, process.activities[-1]),
            transitions=(*process.transitions, process.transitions[1]),
        )
    )

    assert Problem("process", "activity key 'End' is used 2 times") in problems
    assert Problem("process", "transition key 'T2' is used 2 times") in problems


def test_customer_startable_process_with_customer_start_dialog_is_fine() -> None:
    process = with_activity(clean_process(), "A1", dialogs=(replace(START_DIALOG, interface=Interface.BOTH),))

    assert check(replace(process, startable_by=Interface.CUSTOMER)) == ()


def test_action_module_in_otobo_spelling_is_recognised() -> None:
    module = "Kernel::System::ProcessManagement::TransitionAction::TicketQueueSet"
    process = with_action(clean_process(), TransitionAction("X", "x", module, {"Queue": "Raw"}))

    assert check(process) == ()


def test_values_with_placeholders_are_not_looked_up() -> None:
    action = TransitionAction("X", "x", "TicketQueueSet", {"Queue": "<OTOBO_TICKET_DynamicField_Amount>"})

    assert check(with_action(clean_process(), action)) == ()


def test_placeholder_reading_a_missing_dynamic_field_is_reported() -> None:
    action = TransitionAction("X", "x", "TicketQueueSet", {"Queue": "<OTOBO_TICKET_DynamicField_Gone_Value>"})

    problems = check(with_action(clean_process(), action))

    assert problems == (Problem("action:T1/0", "dynamic field 'Gone' does not exist", "Queue"),)


def test_tmp_lock_and_a_deployed_pinned_version_are_fine() -> None:
    process = with_transition(
        clean_process(),
        "T1",
        actions=(
            TransitionAction("L", "l", "TicketLockSet", {"Lock": "tmp_lock"}),
            TransitionAction("S", "s", "StartSubProcess", {"Process": "child", "Version": "2"}),
        ),
    )

    assert check(process) == ()


def test_pattern_parameter_admits_every_key_of_its_shape() -> None:
    action = TransitionAction("X", "x", "TicketCreate", {"Title": "t", "DynamicField_Amount": "5"})

    assert check(with_action(clean_process(), action)) == ()


def test_validator_in_otobo_spelling_is_recognised() -> None:
    module = "Kernel::System::ProcessManagement::TransitionValidation::ValidateDemo"

    assert check(with_condition(clean_process(), FieldMatch("PLACEHOLDER", MatchType.MODULE, module))) == ()


def test_ordering_against_a_number_or_date_is_fine() -> None:
    process = with_condition(
        clean_process(),
        FieldMatch("DynamicField_Amount", MatchType.LESS_THAN, "12.5"),
        FieldMatch("DynamicField_Due", MatchType.GREATER_THAN_OR_EQUAL, "2024-05-01"),
        FieldMatch("Created", MatchType.LESS_THAN_OR_EQUAL, "2024-05-01 10:00:00"),
    )

    assert check(process) == ()


def test_script_known_only_from_the_catalog_is_not_missing() -> None:
    process = with_activity(clean_process(), "A2", script=ScriptCall("external"))

    assert check(process, replace(CATALOG, scripts=frozenset({"external"}))) == ()


def test_many_problems_are_reported_at_once() -> None:
    process = with_start_fields(
        clean_process(), DialogField("Queue", FieldDisplay.OPTIONAL), DialogField("DynamicField_Colour")
    )
    process = with_action(process, TransitionAction("X", "x", "TicketStateSet", {"State": "gone"}))
    process = with_activity(process, "A3", service=ServiceCall("ERP", "Get"))

    problems = check(process)

    assert {(p.element, p.field) for p in problems} == {
        ("dialog:A1/D1", "Queue"),
        ("dialog:A1/D1", "DynamicField_Colour"),
        ("action:T1/0", "State"),
        ("activity:A3", "web_service"),
    }
    assert has_errors(problems)


def test_warnings_alone_do_not_count_as_errors() -> None:
    problems = check(with_transition(clean_process(), "T3", error_code="E9"))

    assert problems
    assert not has_errors(problems)
    assert errors_only(problems) == ()
