"""The engine's step (reference §3.2–3.7 and the better-than-OTOBO rules of the engine contract).

Processes are built with the definition dataclasses; the main one is a six-activity purchase process:
request (user task) → approval (user task: approve / reject) → prepare (script task) → order (service
task with an error transition) → delivery (user task) → end.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from ticketflow.domain.conditions import (
    BUILTIN_VALIDATORS,
    Condition,
    ConditionGroup,
    FieldMatch,
    Linking,
    MatchType,
)
from ticketflow.domain.definitions import (
    Activity,
    ActivityType,
    Process,
    ProcessVersion,
    ScriptCall,
    ServiceCall,
    SubProcessCall,
    Transition,
    TransitionAction,
)
from ticketflow.domain.effects import (
    AddArticle,
    CallWebService,
    CreateTicket,
    Effect,
    ResumeParent,
    SendNotification,
    SetValue,
    StartSubProcess,
)
from ticketflow.domain.engine import (
    CompiledProcess,
    EngineContext,
    Event,
    Retry,
    ServiceTaskCompleted,
    ServiceTaskFailed,
    Started,
    Step,
    SubProcessCompleted,
    TicketChanged,
    advance,
    compile_process,
    sub_process_results,
)
from ticketflow.domain.errors import ScriptError
from ticketflow.domain.parameters import Parameter
from ticketflow.domain.positions import PositionStatus, ProcessPosition
from ticketflow.domain.scripts import BUILTIN_SCRIPTS, Script, ScriptContext
from ticketflow.domain.tickets import TicketSnapshot, Value
from ticketflow.domain.trace import (
    ActionFailed,
    ActionRan,
    ConditionFailedToEvaluate,
    EnteredActivity,
    HopLimitReached,
    JobQueued,
    Moved,
    NothingToDo,
    ProcessCompleted,
    ProcessFailed,
    ResultReceived,
    ScriptFailed,
    ScriptRan,
    TransitionChecked,
    effect_from_dict,
    trace_from_dict,
    trace_to_dict,
)

NOW = datetime(2025, 3, 14, 10, 0, 0, tzinfo=UTC)
STATE_TYPES = {"new": "new", "open": "open", "closed successful": "closed", "closed unsuccessful": "closed"}

# --------------------------------------------------------------------------------------------------
# Builders
# --------------------------------------------------------------------------------------------------


def equals(field: str, value: str) -> Condition:
    return Condition(
        Linking.AND, (ConditionGroup("1", Linking.AND, (FieldMatch(field, MatchType.STRING, value),)),)
    )


def user(key: str) -> Activity:
    return Activity(key, key.title(), ActivityType.USER_TASK)


def end(key: str = "end") -> Activity:
    return Activity(key, key.title(), ActivityType.END)


def script_task(key: str, script: str, error_code: str | None = None, **parameters: str) -> Activity:
    return Activity(
        key,
        key.title(),
        ActivityType.SCRIPT_TASK,
        script=ScriptCall(script, parameters),
        error_code=error_code,
    )


def action(module: str, **config: Value) -> TransitionAction:
    return TransitionAction(f"TA-{module}", module, module, config)


def move(
    key: str,
    source: str,
    target: str,
    condition: Condition | None = None,
    *actions: TransitionAction,
    error_code: str | None = None,
) -> Transition:
    return Transition(key, key, source, target, condition, actions, error_code=error_code)


def version(
    *activities: Activity, transitions: tuple[Transition, ...], start: str | None = None
) -> CompiledProcess:
    process = Process("p", "P", start or activities[0].key, activities, transitions)
    return compile_process(ProcessVersion(process, 1, "hash"))


PURCHASE_ACTIVITIES = (
    user("request"),
    user("approval"),
    script_task(
        "prepare",
        "set_fields",
        DynamicField_OrderStatus="prepared",
        DynamicField_OrderText="Order for <OTOBO_TICKET_Title>",
    ),
    Activity(
        "order",
        "Order",
        ActivityType.SERVICE_TASK,
        service=ServiceCall(
            "erp",
            "CreateOrder",
            {"Number": "<OTOBO_TICKET_TicketNumber>", "Items": "<OTOBO_TICKET_DynamicField_Items_Data>"},
        ),
        error_code="erp_down",
    ),
    user("delivery"),
    end(),
)
PURCHASE_TRANSITIONS = (
    move("submit", "request", "approval", equals("DynamicField_Submitted", "1")),
    move(
        "reject",
        "approval",
        "end",
        equals("DynamicField_Decision", "rejected"),
        action("TicketStateSet", State="closed unsuccessful"),
    ),
    move(
        "approve",
        "approval",
        "prepare",
        equals("DynamicField_Decision", "approved"),
        action("TicketQueueSet", Queue="Purchasing"),
        action("TicketTitleSet", Title="Approved: <OTOBO_TICKET_Title>"),
    ),
    move("prepared", "prepare", "order"),
    move(
        "ordered",
        "order",
        "delivery",
        Condition(
            Linking.AND,
            (
                ConditionGroup(
                    "1", Linking.AND, (FieldMatch("DynamicField_OrderNumber", MatchType.REGEXP, "."),)
                ),
            ),
        ),
    ),
    move(
        "order_failed",
        "order",
        "approval",
        None,
        action("TicketArticleCreate", IsVisibleForCustomer="0", Subject="ERP down", Body="Retry the order"),
        error_code="erp_down",
    ),
    move(
        "delivered",
        "delivery",
        "end",
        equals("DynamicField_Delivered", "1"),
        action("TicketStateSet", State="closed successful"),
    ),
)
PURCHASE = version(*PURCHASE_ACTIVITIES, transitions=PURCHASE_TRANSITIONS)


def ticket(**fields: Value) -> TicketSnapshot:
    attributes = {
        "TicketID": "42",
        "TicketNumber": "2025031400042",
        "Title": "New laptop",
        "Queue": "Raw",
        "State": "new",
        "StateType": "new",
        "Priority": "3 normal",
        "Lock": "unlock",
        "Owner": "root",
    }
    return TicketSnapshot(attributes, {"Items": ("laptop", "mouse"), **fields})


def context(
    scripts: Mapping[str, Script] = BUILTIN_SCRIPTS, hop_limit: int = 100, **changes: object
) -> EngineContext:
    return EngineContext(NOW, scripts, BUILTIN_VALIDATORS, STATE_TYPES, hop_limit=hop_limit)


def at(activity: str, status: PositionStatus = PositionStatus.ACTIVE) -> ProcessPosition:
    return ProcessPosition("p", 1, activity, status)


def step(
    activity: str,
    snapshot: TicketSnapshot,
    event: Event | None = None,
    process: CompiledProcess = PURCHASE,
    status: PositionStatus = PositionStatus.ACTIVE,
    engine: EngineContext | None = None,
) -> Step:
    return advance(process, at(activity, status), snapshot, event or TicketChanged(), engine or context())


def kinds(result: Step) -> list[str]:
    return [str(trace_to_dict(entry)["kind"]) for entry in result.trace]


# --------------------------------------------------------------------------------------------------
# Checking and chaining
# --------------------------------------------------------------------------------------------------


class TestChecking:
    def test_started_enters_the_start_activity_and_stays_when_nothing_matches(self) -> None:
        result = step("request", ticket(), Started())
        assert result.position == at("request")
        assert result.effects == ()
        assert kinds(result) == ["entered_activity", "transition_checked"]
        checked = result.trace[1]
        assert isinstance(checked, TransitionChecked)
        assert not checked.matched
        assert checked.reasons

    def test_a_change_chains_moves_until_the_process_waits(self) -> None:
        result = step("request", ticket(Submitted="1", Decision="approved"))
        assert result.position == at("order", PositionStatus.WAITING)
        assert result.effects == (
            SetValue("Queue", "Purchasing"),
            SetValue("Title", "Approved: New laptop"),
            SetValue("DynamicField_OrderStatus", "prepared"),
            SetValue("DynamicField_OrderText", "Order for Approved: New laptop"),
            CallWebService(
                "order",
                "erp",
                "CreateOrder",
                {"Number": "2025031400042", "Items": "laptop,mouse"},
                ServiceCall("erp", "CreateOrder").timeout,
                "erp_down",
            ),
        )
        assert result.snapshot.attributes["Title"] == "Approved: New laptop"
        assert result.snapshot.dynamic_fields["OrderStatus"] == "prepared"
        assert kinds(result) == [
            "transition_checked",
            "moved",
            "entered_activity",
            "transition_checked",
            "transition_checked",
            "moved",
            "action_ran",
            "action_ran",
            "entered_activity",
            "script_ran",
            "transition_checked",
            "moved",
            "entered_activity",
            "job_queued",
        ]

    def test_the_first_matching_transition_in_listed_order_wins(self) -> None:
        process = version(
            user("a"),
            end("b"),
            end("c"),
            transitions=(move("to_b", "a", "b"), move("to_c", "a", "c")),
        )
        assert step("a", ticket(), process=process).position == at("b", PositionStatus.COMPLETED)
        swapped = version(
            user("a"),
            end("b"),
            end("c"),
            transitions=(move("to_c", "a", "c"), move("to_b", "a", "b")),
        )
        assert step("a", ticket(), process=swapped).position == at("c", PositionStatus.COMPLETED)

    def test_transitions_after_the_winner_are_not_checked(self) -> None:
        result = step("approval", ticket(Decision="rejected"))
        checked = [entry.transition for entry in result.trace if isinstance(entry, TransitionChecked)]
        assert checked == ["reject"]

    def test_a_condition_error_stops_the_check_without_a_move_and_is_recorded(self) -> None:
        process = version(
            user("a"),
            end("b"),
            end("c"),
            transitions=(
                move("broken", "a", "b", equals("Queue", "")),
                move("always", "a", "c"),
            ),
        )
        result = step("a", ticket(), process=process)
        assert result.position == at("a")
        assert result.effects == ()
        (entry,) = result.trace
        assert isinstance(entry, ConditionFailedToEvaluate)
        assert entry.transition == "broken"
        assert "must not be empty" in entry.message
        assert "later transitions were not tried" in entry.describe()

    def test_a_move_back_to_the_same_user_task_does_not_chain(self) -> None:
        process = version(
            user("a"), transitions=(move("again", "a", "a", None, action("DynamicFieldSet", Count="1")),)
        )
        result = step("a", ticket(), process=process)
        assert result.position == at("a")
        assert result.effects == (SetValue("DynamicField_Count", "1"),)
        assert sum(isinstance(entry, Moved) for entry in result.trace) == 1
        assert isinstance(result.trace[-1], NothingToDo)

    def test_an_activity_without_transitions_says_so(self) -> None:
        result = step("a", ticket(), process=version(user("a"), transitions=()))
        assert result.position == at("a")
        assert result.trace == (NothingToDo("'a' has no outgoing transitions"),)

    def test_reaching_an_end_activity_completes_the_process(self) -> None:
        result = step("approval", ticket(Decision="rejected"))
        assert result.position == at("end", PositionStatus.COMPLETED)
        assert result.effects == (SetValue("State", "closed unsuccessful"),)
        assert isinstance(result.trace[-1], ProcessCompleted)

    def test_state_type_follows_a_state_change(self) -> None:
        result = step("approval", ticket(Decision="rejected"))
        assert result.snapshot.attributes["State"] == "closed unsuccessful"
        assert result.snapshot.attributes["StateType"] == "closed"

    @pytest.mark.parametrize(
        "status", [PositionStatus.WAITING, PositionStatus.COMPLETED, PositionStatus.FAILED]
    )
    def test_a_ticket_change_does_nothing_unless_the_position_is_active(self, status: PositionStatus) -> None:
        snapshot = ticket(Submitted="1")
        result = step("request", snapshot, status=status)
        assert result.position == at("request", status)
        assert result.snapshot is snapshot
        assert result.effects == ()
        (entry,) = result.trace
        assert isinstance(entry, NothingToDo)
        assert status.value in entry.reason

    def test_a_position_at_an_unknown_activity_fails(self) -> None:
        result = step("vanished", ticket())
        assert result.position.status is PositionStatus.FAILED
        assert "vanished" in (result.position.failure or "")


# --------------------------------------------------------------------------------------------------
# Transition actions inside a move
# --------------------------------------------------------------------------------------------------


class TestActions:
    def test_each_action_sees_the_changes_of_the_ones_before(self) -> None:
        process = version(
            user("a"),
            user("b"),
            transitions=(
                move(
                    "t",
                    "a",
                    "b",
                    None,
                    action("TicketServiceSet", Service="IT::Mail"),
                    action("TicketSLASet", SLA="Gold"),
                    action("DynamicFieldSet", Summary="<OTOBO_TICKET_Service>/<OTOBO_TICKET_SLA>"),
                ),
            ),
        )
        result = step("a", ticket(), process=process)
        assert result.position == at("b")
        assert result.effects == (
            SetValue("Service", "IT::Mail"),
            SetValue("SLA", "Gold"),
            SetValue("DynamicField_Summary", "IT::Mail/Gold"),
        )

    def test_the_input_snapshot_is_never_changed(self) -> None:
        snapshot = ticket(Submitted="1", Decision="approved")
        before = (dict(snapshot.attributes), dict(snapshot.dynamic_fields))
        step("request", snapshot)
        assert (dict(snapshot.attributes), dict(snapshot.dynamic_fields)) == before

    def test_a_failed_action_discards_its_move_and_fails_at_the_source(self) -> None:
        process = version(
            user("a"),
            user("b"),
            transitions=(
                move("t", "a", "b", None, action("TicketQueueSet", Queue="Junk"), action("TicketTitleSet")),
            ),
        )
        snapshot = ticket()
        result = step("a", snapshot, process=process)
        assert result.position.status is PositionStatus.FAILED
        assert result.position.activity_key == "a"
        assert "config key 'Title' is required" in (result.position.failure or "")
        assert result.effects == ()
        assert result.snapshot is snapshot
        assert kinds(result) == [
            "transition_checked",
            "moved",
            "action_ran",
            "action_failed",
            "process_failed",
        ]
        failed = result.trace[3]
        assert isinstance(failed, ActionFailed)
        assert "undone" in failed.describe()

    def test_a_failed_action_keeps_the_effects_of_earlier_moves(self) -> None:
        process = version(
            user("a"),
            user("b"),
            user("c"),
            transitions=(
                move("t1", "a", "b", None, action("TicketQueueSet", Queue="Junk")),
                move(
                    "t2",
                    "b",
                    "c",
                    None,
                    action("TicketPrioritySet", Priority="5 very high"),
                    action("TicketLockSet", Lock="stolen"),
                ),
            ),
        )
        result = step("a", ticket(), process=process)
        assert result.position.status is PositionStatus.FAILED
        assert result.position.activity_key == "b"
        assert result.effects == (SetValue("Queue", "Junk"),)
        assert result.snapshot.attributes["Queue"] == "Junk"
        assert result.snapshot.attributes["Priority"] == "3 normal"

    @pytest.mark.parametrize("error_code", ["approval_broken", "*"])
    def test_a_failed_action_takes_the_source_error_transition(self, error_code: str) -> None:
        process = version(
            Activity("a", "A", ActivityType.USER_TASK, error_code="approval_broken"),
            user("b"),
            user("fix"),
            transitions=(
                move("t", "a", "b", None, action("TicketQueueSet", Queue="Junk"), action("TicketTitleSet")),
                move(
                    "on_error",
                    "a",
                    "fix",
                    None,
                    action("DynamicFieldSet", Problem="title missing"),
                    error_code=error_code,
                ),
            ),
        )
        result = step("a", ticket(), process=process)
        assert result.position == at("fix")
        assert result.effects == (SetValue("DynamicField_Problem", "title missing"),)
        moves = [entry for entry in result.trace if isinstance(entry, Moved)]
        assert moves == [Moved("t", "a", "b"), Moved("on_error", "a", "fix", error_code)]

    def test_an_error_transition_is_never_checked_normally(self) -> None:
        process = version(
            user("a"),
            user("fix"),
            transitions=(move("on_error", "a", "fix", None, error_code="*"),),
        )
        assert step("a", ticket(), process=process).position == at("a")

    def test_a_failing_error_transition_fails_without_looping(self) -> None:
        process = version(
            Activity("a", "A", ActivityType.USER_TASK, error_code="x"),
            user("b"),
            transitions=(
                move("t", "a", "b", None, action("TicketTitleSet")),
                move("on_error", "a", "b", None, action("TicketLockSet"), error_code="x"),
            ),
        )
        result = step("a", ticket(), process=process)
        assert result.position.status is PositionStatus.FAILED
        assert "Lock" in (result.position.failure or "")
        assert result.effects == ()

    def test_an_unknown_action_module_fails_the_move(self) -> None:
        process = version(
            user("a"), user("b"), transitions=(move("t", "a", "b", None, action("ConfigItemAdd", X="1")),)
        )
        result = step("a", ticket(), process=process)
        assert result.position.status is PositionStatus.FAILED
        assert "ConfigItemAdd" in (result.position.failure or "")

    def test_full_otobo_module_names_work(self) -> None:
        full = TransitionAction(
            "TA1",
            "q",
            "Kernel::System::ProcessManagement::TransitionAction::TicketQueueSet",
            {"Queue": "Junk", "UserID": "1"},
        )
        process = version(user("a"), user("b"), transitions=(move("t", "a", "b", None, full),))
        assert step("a", ticket(), process=process).effects == (SetValue("Queue", "Junk"),)

    def test_effects_on_another_ticket_leave_this_snapshot_alone(self) -> None:
        process = version(
            user("a"),
            user("b"),
            transitions=(move("t", "a", "b", None, action("DynamicFieldSet", Result="ok", TicketID="7")),),
        )
        result = step("a", ticket(), process=process)
        assert result.effects == (SetValue("DynamicField_Result", "ok", ticket_id="7"),)
        assert "Result" not in result.snapshot.dynamic_fields


class TestHopLimit:
    def test_a_loop_of_automatic_moves_stops_at_the_hop_limit(self) -> None:
        process = version(
            user("a"),
            user("b"),
            transitions=(
                move("ab", "a", "b", None, action("DynamicFieldSet", Seen="a")),
                move("ba", "b", "a"),
            ),
        )
        result = step("a", ticket(), process=process, engine=context(hop_limit=5))
        assert result.position.status is PositionStatus.FAILED
        assert result.position.activity_key == "b"
        failure = result.position.failure or ""
        assert failure.startswith("loop: more than 5 automatic moves")
        assert "a → b → a" in failure
        assert sum(isinstance(entry, Moved) for entry in result.trace) == 5
        assert isinstance(result.trace[-2], HopLimitReached)
        assert isinstance(result.trace[-1], ProcessFailed)
        assert len(result.effects) == 3  # the completed moves keep their effects

    def test_exactly_hop_limit_moves_are_allowed(self) -> None:
        activities = [user(f"a{index}") for index in range(4)]
        transitions = tuple(move(f"t{index}", f"a{index}", f"a{index + 1}") for index in range(3))
        process = version(*activities, transitions=transitions)
        assert step("a0", ticket(), process=process, engine=context(hop_limit=3)).position == at("a3")


# --------------------------------------------------------------------------------------------------
# Script tasks
# --------------------------------------------------------------------------------------------------


class FailingScript:
    name = "failing"
    description = "always fails"
    parameters: tuple[Parameter, ...] = ()

    def __init__(self, error: Exception) -> None:
        self.error = error

    def run(self, context: ScriptContext) -> tuple[Effect, ...]:
        raise self.error


def scripted(activity: Activity, *extra: Transition, scripts: Mapping[str, Script] = BUILTIN_SCRIPTS) -> Step:
    process = version(
        user("start"),
        activity,
        user("next"),
        user("fix"),
        transitions=(move("go", "start", activity.key), move("done", activity.key, "next"), *extra),
    )
    return step("start", ticket(Category="hw"), process=process, engine=context(scripts))


class TestScriptTasks:
    def test_a_script_runs_on_entry_and_its_effects_apply_before_checking(self) -> None:
        result = scripted(
            script_task("s", "map_value", Source="DynamicField_Category", Target="Queue", Map="hw=>Hardware")
        )
        assert result.position == at("next")
        assert result.effects == (SetValue("Queue", "Hardware"),)
        assert any(isinstance(entry, ScriptRan) for entry in result.trace)

    def test_a_script_task_stays_active_when_no_transition_matches(self) -> None:
        process = version(
            script_task("s", "set_fields", Title="x"),
            user("b"),
            transitions=(move("t", "s", "b", equals("Queue", "Other")),),
        )
        result = step("s", ticket(), Started(), process=process)
        assert result.position == at("s")
        assert result.effects == (SetValue("Title", "x"),)

    def test_a_failing_script_fails_the_position_at_the_script_task(self) -> None:
        result = scripted(
            script_task("s", "map_value", Source="DynamicField_Category", Target="Queue", Map="sw=>Software")
        )
        assert result.position.status is PositionStatus.FAILED
        assert result.position.activity_key == "s"
        assert "holds 'hw'" in (result.position.failure or "")
        assert result.effects == ()
        assert any(isinstance(entry, ScriptFailed) for entry in result.trace)

    def test_a_failing_script_takes_the_error_transition_of_its_code(self) -> None:
        failing = {"failing": FailingScript(ScriptError("supplier unknown", error_code="no_supplier"))}
        result = scripted(
            script_task("s", "failing", error_code="generic"),
            move("generic_error", "s", "next", None, error_code="generic"),
            move("supplier_error", "s", "fix", None, error_code="no_supplier"),
            scripts=failing,
        )
        assert result.position == at("fix")

    def test_a_script_error_without_code_uses_the_activity_code(self) -> None:
        failing = {"failing": FailingScript(ScriptError("nope"))}
        result = scripted(
            script_task("s", "failing", error_code="generic"),
            move("generic_error", "s", "fix", None, error_code="generic"),
            scripts=failing,
        )
        assert result.position == at("fix")

    def test_a_crashing_plugin_is_recorded_as_a_failure(self) -> None:
        result = scripted(script_task("s", "failing"), scripts={"failing": FailingScript(KeyError("boom"))})
        assert result.position.status is PositionStatus.FAILED
        assert "crashed: KeyError" in (result.position.failure or "")

    def test_an_unregistered_script_fails(self) -> None:
        result = scripted(script_task("s", "nowhere"))
        assert result.position.status is PositionStatus.FAILED
        assert "script 'nowhere' is not registered" in (result.position.failure or "")

    def test_retry_re_enters_a_failed_activity(self) -> None:
        process = version(
            script_task("s", "map_value", Source="DynamicField_Category", Target="Queue", Map="sw=>Software"),
            user("next"),
            transitions=(move("done", "s", "next"),),
        )
        failed = step("s", ticket(Category="hw"), Retry(), process=process, status=PositionStatus.FAILED)
        assert failed.position.status is PositionStatus.FAILED
        fixed = step("s", ticket(Category="sw"), Retry(), process=process, status=PositionStatus.FAILED)
        assert fixed.position == at("next")
        assert fixed.effects == (SetValue("Queue", "Software"),)

    def test_retry_of_a_position_that_did_not_fail_does_nothing(self) -> None:
        result = step("request", ticket(Submitted="1"), Retry())
        assert result.position == at("request")
        assert isinstance(result.trace[0], NothingToDo)


# --------------------------------------------------------------------------------------------------
# Service tasks and sub-processes
# --------------------------------------------------------------------------------------------------


class TestServiceTasks:
    def test_completion_applies_the_values_and_moves_on(self) -> None:
        result = step(
            "order",
            ticket(),
            ServiceTaskCompleted({"DynamicField_OrderNumber": "PO-1"}),
            status=PositionStatus.WAITING,
        )
        assert result.position == at("delivery")
        assert result.effects == (SetValue("DynamicField_OrderNumber", "PO-1"),)
        assert isinstance(result.trace[0], ResultReceived)

    def test_completion_values_update_the_snapshot_like_the_ticket_store_does(self) -> None:
        values: dict[str, Value] = {
            "Title": ("a", "b"),
            "CustomerUser": "joe",
            "Responsible": "",
            "State": "unknown state",
            "DynamicField_Items": (),
        }
        snapshot = replace(ticket(), attributes={**ticket().attributes, "Responsible": "boss"})
        result = step("order", snapshot, ServiceTaskCompleted(values), status=PositionStatus.WAITING)
        attributes = result.snapshot.attributes
        assert attributes["Title"] == "a,b"
        assert attributes["CustomerUserID"] == "joe"
        assert "Responsible" not in attributes
        assert (attributes["State"], attributes["StateType"]) == ("unknown state", "new")
        assert "Items" not in result.snapshot.dynamic_fields

    def test_completion_without_a_matching_transition_leaves_it_active(self) -> None:
        result = step("order", ticket(), ServiceTaskCompleted({}), status=PositionStatus.WAITING)
        assert result.position == at("order")

    def test_failure_takes_the_error_transition_of_the_activity_code(self) -> None:
        result = step("order", ticket(), ServiceTaskFailed("timeout"), status=PositionStatus.WAITING)
        assert result.position == at("approval")
        assert result.effects == (AddArticle(subject="ERP down", body="Retry the order"),)
        assert kinds(result)[:2] == ["activity_failed", "moved"]

    def test_failure_with_an_unhandled_code_fails_the_position(self) -> None:
        result = step(
            "order", ticket(), ServiceTaskFailed("HTTP 400", "bad_request"), status=PositionStatus.WAITING
        )
        assert result.position == replace(at("order", PositionStatus.FAILED), failure="HTTP 400")

    @pytest.mark.parametrize(
        ("activity", "status", "event"),
        [
            ("order", PositionStatus.ACTIVE, ServiceTaskCompleted({"DynamicField_OrderNumber": "PO-1"})),
            ("order", PositionStatus.ACTIVE, ServiceTaskFailed("late")),
            ("approval", PositionStatus.WAITING, ServiceTaskCompleted({})),
            ("order", PositionStatus.WAITING, SubProcessCompleted({})),
            ("order", PositionStatus.WAITING, SubProcessCompleted({}, process_key="purchase-order")),
        ],
    )
    def test_an_unexpected_or_duplicate_job_result_changes_nothing(
        self, activity: str, status: PositionStatus, event: Event
    ) -> None:
        result = step(activity, ticket(), event, status=status)
        assert result.position == at(activity, status)
        assert result.effects == ()
        assert isinstance(result.trace[0], NothingToDo)


CHILD_CALL = SubProcessCall(
    "purchase-order",
    version=2,
    fields_in={
        "Title": "Title",
        "DynamicField_Items": "DynamicField_Items",
        "DynamicField_None": "DynamicField_Nope",
    },
    fields_out={
        "DynamicField_OrderNumber": "DynamicField_Number",
        "DynamicField_Missing": "DynamicField_Nope",
    },
)
WITH_CHILD = version(
    user("a"),
    Activity("child", "Child", ActivityType.SUB_PROCESS, sub_process=CHILD_CALL),
    end(),
    transitions=(
        move("go", "a", "child"),
        move("back", "child", "end", equals("DynamicField_OrderNumber", "PO-7")),
    ),
)


class TestSubProcesses:
    def test_entering_starts_the_child_and_waits(self) -> None:
        result = step("a", ticket(), process=WITH_CHILD)
        assert result.position == at("child", PositionStatus.WAITING)
        assert result.effects == (
            StartSubProcess(
                "child",
                "purchase-order",
                2,
                {"Title": "New laptop", "DynamicField_Items": ("laptop", "mouse")},
            ),
        )
        assert isinstance(result.trace[-1], JobQueued)

    def test_completion_hands_values_back_and_moves_on(self) -> None:
        child = TicketSnapshot({"Title": "Order"}, {"Number": "PO-7"})
        values = sub_process_results(CHILD_CALL, child)
        assert values == {"DynamicField_OrderNumber": "PO-7"}
        result = step(
            "child", ticket(), SubProcessCompleted(values), process=WITH_CHILD, status=PositionStatus.WAITING
        )
        assert result.position == at("end", PositionStatus.COMPLETED)
        assert result.effects == (SetValue("DynamicField_OrderNumber", "PO-7"),)

    def test_completion_of_a_child_in_another_process_changes_nothing(self) -> None:
        event = SubProcessCompleted({"DynamicField_OrderNumber": "PO-7"}, process_key="onboarding")
        result = step("child", ticket(), event, process=WITH_CHILD, status=PositionStatus.WAITING)
        assert result.position == at("child", PositionStatus.WAITING)
        assert result.effects == ()

    def test_completion_naming_the_awaited_process_moves_on(self) -> None:
        event = SubProcessCompleted({"DynamicField_OrderNumber": "PO-7"}, process_key="purchase-order")
        result = step("child", ticket(), event, process=WITH_CHILD, status=PositionStatus.WAITING)
        assert result.position == at("end", PositionStatus.COMPLETED)


class TestMisconfiguredActivities:
    @pytest.mark.parametrize(
        ("activity", "message"),
        [
            (Activity("x", "X", ActivityType.SCRIPT_TASK), "names no script"),
            (Activity("x", "X", ActivityType.SERVICE_TASK), "names no web service"),
            (Activity("x", "X", ActivityType.SUB_PROCESS), "names no process"),
        ],
    )
    def test_a_task_without_its_call_fails(self, activity: Activity, message: str) -> None:
        result = step("x", ticket(), Started(), process=version(activity, transitions=()))
        assert result.position.status is PositionStatus.FAILED
        assert message in (result.position.failure or "")

    def test_a_transition_to_a_missing_activity_fails_at_the_source(self) -> None:
        result = step("a", ticket(), process=version(user("a"), transitions=(move("t", "a", "nowhere"),)))
        assert result.position.status is PositionStatus.FAILED
        assert "'nowhere', which does not exist" in (result.position.failure or "")


# --------------------------------------------------------------------------------------------------
# The trace
# --------------------------------------------------------------------------------------------------


def all_kinds_of_steps() -> list[Step]:
    return [
        step("request", ticket(Submitted="1", Decision="approved")),
        step("approval", ticket(Decision="rejected")),
        step("order", ticket(), ServiceTaskFailed("timeout"), status=PositionStatus.WAITING),
        step(
            "order",
            ticket(),
            ServiceTaskCompleted({"DynamicField_OrderNumber": "1"}),
            status=PositionStatus.WAITING,
        ),
        step("a", ticket(), process=WITH_CHILD),
        step("request", ticket(), status=PositionStatus.COMPLETED),
        scripted(script_task("s", "nowhere")),
        step(
            "a",
            ticket(),
            process=version(user("a"), end("b"), transitions=(move("t", "a", "b", equals("Queue", "")),)),
        ),
        step(
            "a",
            ticket(),
            process=version(user("a"), user("b"), transitions=(move("ab", "a", "b"), move("ba", "b", "a"))),
            engine=context(hop_limit=2),
        ),
        step(
            "a",
            ticket(),
            process=version(
                user("a"), user("b"), transitions=(move("t", "a", "b", None, action("TicketTitleSet")),)
            ),
        ),
    ]


class TestTrace:
    def test_every_kind_of_entry_round_trips_through_json(self) -> None:
        seen: set[str] = set()
        for result in all_kinds_of_steps():
            for entry in result.trace:
                data = trace_to_dict(entry)
                seen.add(str(data["kind"]))
                assert trace_from_dict(json.loads(json.dumps(data))) == entry
        assert seen >= {
            "entered_activity",
            "transition_checked",
            "condition_failed_to_evaluate",
            "moved",
            "action_ran",
            "action_failed",
            "script_ran",
            "script_failed",
            "job_queued",
            "result_received",
            "activity_failed",
            "process_completed",
            "process_failed",
            "hop_limit_reached",
            "nothing_to_do",
        }

    def test_every_entry_describes_itself_in_a_sentence(self) -> None:
        for result in all_kinds_of_steps():
            for entry in result.trace:
                sentence = entry.describe()
                assert sentence[0].isupper()
                assert sentence.endswith(".")

    def test_step_describe_numbers_the_sentences(self) -> None:
        result = step("approval", ticket(Decision="rejected"))
        lines = result.describe().splitlines()
        assert lines[0].startswith("1. Transition 'reject' from 'approval' matched")
        assert lines[-1] == f"{len(lines)}. Reached end activity 'end': the process is completed."

    def test_action_effects_are_described(self) -> None:
        entry = ActionRan(
            "t", "TA1", "TicketQueueSet", (SetValue("Queue", "Junk"), SetValue("DynamicField_X", None))
        )
        assert entry.describe() == (
            "Transition action 'TA1' (TicketQueueSet) of 't' ran: "
            "set Queue to 'Junk'; set DynamicField_X to nothing."
        )

    def test_unknown_kinds_are_refused(self) -> None:
        with pytest.raises(ValueError, match="unknown trace entry kind"):
            trace_from_dict({"kind": "teleported"})
        with pytest.raises(ValueError, match="unknown effect kind"):
            effect_from_dict({"kind": "Teleport"})

    def test_nested_effects_round_trip(self) -> None:
        entry = ActionRan(
            "t",
            "TA1",
            "TicketCreate",
            (
                CreateTicket(
                    {"Title": "Child", "DynamicField_Items": ("a", "b")}, AddArticle("s", "b"), "Child"
                ),
                CreateTicket({"Title": "Bare"}),
                SendNotification(("owner",), "s", "b"),
                ResumeParent("7", {"DynamicField_X": "1"}),
            ),
        )
        assert trace_from_dict(json.loads(json.dumps(trace_to_dict(entry)))) == entry

    def test_missing_optional_fields_take_their_defaults(self) -> None:
        assert trace_from_dict({"kind": "moved", "transition": "t", "source": "a", "target": "b"}) == Moved(
            "t", "a", "b"
        )
        assert effect_from_dict({"kind": "SetValue", "key": "Title", "value": "x"}) == SetValue("Title", "x")

    def test_entered_activity_names_the_type(self) -> None:
        assert (
            EnteredActivity("order", "service_task").describe() == "Entered activity 'order' (service task)."
        )
