"""collect_references / missing_references: the import prerequisite check that names what is missing."""

from __future__ import annotations

from ticketflow.domain.catalog import Catalog, DynamicFieldDefinition, DynamicFieldType
from ticketflow.domain.conditions import Condition, ConditionGroup, FieldMatch, Linking, MatchType
from ticketflow.domain.definitions import (
    Activity,
    ActivityDialog,
    ActivityType,
    DialogField,
    FieldDisplay,
    Process,
    ScriptCall,
    ServiceCall,
    SubProcessCall,
    Transition,
    TransitionAction,
)
from ticketflow.domain.errors import Problem
from ticketflow.domain.references import (
    Reference,
    ReferenceKind,
    Usage,
    collect_references,
    missing_reference_usages,
    missing_references,
)

K = ReferenceKind


def process_using_everything() -> Process:
    dialog = ActivityDialog(
        "D1",
        "Apply",
        fields=(
            DialogField("DynamicField_PreProcApplicationRecorded", FieldDisplay.HIDDEN, default="1"),
            DialogField("Queue", FieldDisplay.HIDDEN, default="Sales"),
            DialogField("Owner", FieldDisplay.MANDATORY, default="anna"),
            DialogField("Type", FieldDisplay.MANDATORY, default="Incident"),
        ),
    )
    condition = Condition(
        Linking.AND,
        (
            ConditionGroup(
                "1",
                Linking.AND,
                (
                    FieldMatch("DynamicField_PreProcApplicationRecorded", MatchType.STRING, "1"),
                    FieldMatch("State", MatchType.NOT_EQUAL, "open"),
                    FieldMatch("Priority", MatchType.REGEXP, "^5"),
                ),
            ),
        ),
    )
    actions = (
        TransitionAction(
            "TA1",
            "Create",
            "TicketCreate",
            {
                "Title": "Child",
                "Queue": "Support",
                "Responsible": "bert",
                "Service": "Mail",
                "SLA": "Gold",
                "DynamicField_Budget": "<OTOBO_TICKET_DynamicField_Amount_Value>",
                "StoreTicketIDDynamicField": "ChildID",
                "Priority": "<OTOBO_TICKET_Priority>",
            },
        ),
        TransitionAction("TA2", "Set", "DynamicFieldSet", {"DynamicField_UserID": "x", "TicketID": "5"}),
        TransitionAction(
            "TA3",
            "Tell",
            "SendNotification",
            {"Recipients": "role:approvers,queue:Sales,owner", "Template": "Done"},
        ),
        TransitionAction("TA4", "Start", "StartSubProcess", {"Process": "audit"}),
    )
    return Process(
        key="p",
        name="P",
        start_activity="A1",
        activities=(
            Activity("A1", "Apply", ActivityType.USER_TASK, dialogs=(dialog,)),
            Activity(
                "A2",
                "Score",
                ActivityType.SCRIPT_TASK,
                script=ScriptCall("score", {"Into": "DynamicField_Score"}),
            ),
            Activity(
                "A3",
                "Ask",
                ActivityType.SERVICE_TASK,
                service=ServiceCall("CRM", "Lookup", {"Id": "<OTOBO_TICKET_DynamicField_CustomerNo>"}),
            ),
            Activity(
                "A4",
                "Child",
                ActivityType.SUB_PROCESS,
                sub_process=SubProcessCall("review", fields_in={"DynamicField_Topic": "Title"}),
            ),
            Activity("End", "End", ActivityType.END),
        ),
        transitions=(Transition("T1", "go", "A1", "A2", condition=condition, actions=actions),),
    )


def test_every_kind_of_reference_is_collected() -> None:
    refs = collect_references(process_using_everything())

    assert refs.names(K.DYNAMIC_FIELD) == {
        "PreProcApplicationRecorded",
        "Budget",
        "Amount",
        "ChildID",
        "UserID",
        "Score",
        "CustomerNo",
        "Topic",
    }
    assert refs.names(K.QUEUE) == {"Sales", "Support"}
    assert refs.names(K.STATE) == {"open"}
    assert refs.names(K.USER) == {"anna", "bert"}
    assert refs.names(K.TYPE) == {"Incident"}
    assert refs.names(K.SERVICE) == {"Mail"}
    assert refs.names(K.SLA) == {"Gold"}
    assert refs.names(K.ROLE) == {"approvers"}
    assert refs.names(K.NOTIFICATION_TEMPLATE) == {"Done"}
    assert refs.names(K.PROCESS) == {"audit", "review"}
    assert refs.names(K.SCRIPT) == {"score"}
    assert refs.names(K.WEB_SERVICE) == {"CRM"}
    assert refs.of(K.INVOKER) == (Reference(K.INVOKER, "Lookup", (Usage("activity:A3", "invoker"),), "CRM"),)


def test_placeholders_and_patterns_name_nothing() -> None:
    refs = collect_references(process_using_everything())

    # Priority only appears as a tag in TA1 and as a Regexp in the condition.
    assert refs.names(K.PRIORITY) == frozenset()


def test_a_reference_lists_every_usage_once() -> None:
    refs = collect_references(process_using_everything())

    (recorded,) = (r for r in refs.of(K.DYNAMIC_FIELD) if r.name == "PreProcApplicationRecorded")
    assert recorded.used_by == (
        Usage("dialog:A1/D1", "DynamicField_PreProcApplicationRecorded"),
        Usage("transition:T1", "DynamicField_PreProcApplicationRecorded"),
    )
    sales = refs.of(K.QUEUE)[0]
    assert sales.name == "Sales"
    assert sales.used_by == (Usage("dialog:A1/D1", "Queue"), Usage("action:T1/2", "Recipients"))


def test_missing_references_name_the_thing_and_every_user() -> None:
    refs = collect_references(process_using_everything())
    catalog = Catalog(queues=frozenset({"Sales", "Support"}))

    problems = missing_references(refs, catalog)

    assert (
        Problem(
            "dialog:A1/D1",
            "dynamic field 'PreProcApplicationRecorded' does not exist (used by dialog:A1/D1, transition:T1)",
        )
        in problems
    )
    assert Problem("activity:A3", "web service 'CRM' does not exist (used by activity:A3)") in problems
    # The invoker of a missing web service is not reported on its own.
    assert not any("invoker" in p.message for p in problems)
    assert len(problems) == len(refs.items) - 2 - 1  # two queues exist, one invoker skipped


def test_nothing_is_missing_from_a_complete_catalog() -> None:
    refs = collect_references(process_using_everything())
    catalog = Catalog(
        queues=refs.names(K.QUEUE),
        states=dict.fromkeys(refs.names(K.STATE), "open"),
        priorities=refs.names(K.PRIORITY),
        types=refs.names(K.TYPE),
        services=refs.names(K.SERVICE),
        slas=refs.names(K.SLA),
        users=refs.names(K.USER),
        roles=refs.names(K.ROLE),
        dynamic_fields={
            n: DynamicFieldDefinition(n, n, DynamicFieldType.TEXT) for n in refs.names(K.DYNAMIC_FIELD)
        },
        web_services={"CRM": frozenset({"Lookup"})},
        scripts=refs.names(K.SCRIPT),
        processes=dict.fromkeys(refs.names(K.PROCESS), (1,)),
        notification_templates=refs.names(K.NOTIFICATION_TEMPLATE),
    )

    assert missing_references(refs, catalog) == ()
    assert missing_reference_usages(refs, catalog) == ()


def test_missing_invoker_of_an_existing_web_service_is_reported() -> None:
    refs = collect_references(process_using_everything())
    catalog = Catalog(web_services={"CRM": frozenset({"Create"})})

    problems = missing_references(refs, catalog)

    assert (
        Problem("activity:A3", "invoker 'Lookup' of web service 'CRM' does not exist (used by activity:A3)")
        in problems
    )


def test_usages_are_reported_one_by_one_for_the_editor() -> None:
    refs = collect_references(process_using_everything())
    catalog = Catalog(queues=frozenset({"Support"}))

    problems = [p for p in missing_reference_usages(refs, catalog) if "queue" in p.message]

    assert problems == [
        Problem("dialog:A1/D1", "queue 'Sales' does not exist", "Queue"),
        Problem("action:T1/2", "queue 'Sales' does not exist", "Recipients"),
    ]


def test_a_dynamic_field_set_key_that_cannot_be_a_field_name_names_nothing() -> None:
    # Travel_expense.yml ships a DynamicFieldSet key joined from a name and a field by a tab: no
    # field can be called that, so the import must not demand one (the action fails at runtime).
    corrupted = "set State to Not Approved\tPreProcTravelExpansesProcessState"
    action = TransitionAction(
        "TA1", "Set", "DynamicFieldSet", {corrupted: "Not Approved", "Ns-Field": "x", "DynamicField_Ok": "y"}
    )
    process = Process(
        key="p",
        name="P",
        start_activity="A1",
        activities=(Activity("A1", "A", ActivityType.USER_TASK), Activity("E", "E", ActivityType.END)),
        transitions=(Transition("T1", "go", "A1", "E", actions=(action,)),),
    )

    assert collect_references(process).names(K.DYNAMIC_FIELD) == {"Ns-Field", "Ok"}
