"""The engine's shortcuts give the same steps as its general path.

``compile_process`` prepares what a step would otherwise build every time: trace entries that depend
on the process only (entering, moving, unconditional checks, completing), ACTIVE positions, the
entries of one-key condition checks by the value read, and the last ``ActionRan`` / ``ScriptRan``
per action and script task. Here every step of a warm compiled process (its caches filled by earlier
steps on other tickets) is compared with the step of the general path: a fresh compile with the
caches emptied and every shortcut (action ``prepare``, script ``prepare``, one-key plans) turned off.
"""

from __future__ import annotations

import itertools
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
    Transition,
    TransitionAction,
)
from ticketflow.domain.engine import (
    CompiledProcess,
    EngineContext,
    Started,
    Step,
    TicketChanged,
    advance,
    compile_process,
)
from ticketflow.domain.positions import PositionStatus, ProcessPosition
from ticketflow.domain.scripts import BUILTIN_SCRIPTS
from ticketflow.domain.tickets import TicketSnapshot, Value
from ticketflow.domain.trace import ScriptRan, trace_to_dict

NOW = datetime(2025, 3, 14, 10, 0, 0, tzinfo=UTC)
CONTEXT = EngineContext(
    now=NOW,
    scripts=BUILTIN_SCRIPTS,
    validators=BUILTIN_VALIDATORS,
    state_types={"new": "new", "open": "open", "closed successful": "closed"},
    list_fields=frozenset({"Tags"}),
)


def general(compiled: CompiledProcess) -> CompiledProcess:
    """``compiled`` without its shortcuts and caches: what every step computed before them."""
    outgoing = {
        key: tuple(
            replace(
                candidate,
                single=None,
                verdicts={},
                actions=tuple(
                    replace(
                        action,
                        run=None if action.module is None else action.module.run,
                        memo=[(action.memo[0][0], action.memo[0][1])] if action.memo else [],
                    )
                    for action in candidate.actions
                ),
            )
            for candidate in candidates
        )
        for key, candidates in compiled.outgoing.items()
    }
    plain = replace(compiled, outgoing=outgoing, entered={}, completed={}, active={}, script_runs={})
    for activity in plain.activities.values():
        if activity.script is not None:
            script = CONTEXT.scripts[activity.script.script]
            memo = [((), ScriptRan(activity.key, activity.script.script, ()))]
            plain.script_runs[activity.key] = (script, script.run, memo)
    return plain


def fresh(process: Process) -> CompiledProcess:
    return general(compile_process(ProcessVersion(process, 1, "hash")))


def one_field(field: str, kind: MatchType, match: str | tuple[str, ...]) -> Condition:
    return Condition(Linking.AND, (ConditionGroup("1", Linking.AND, (FieldMatch(field, kind, match),)),))


def approval(condition: Condition) -> Process:
    """``a`` → ``b`` under ``condition`` with actions (all with shortcuts, one templated), else → ``c``
    without a condition; ``b`` checks a field its actions set; ``init`` runs ``set_fields`` first."""
    actions = (
        TransitionAction("queue", "Q", "TicketQueueSet", {"Queue": "Fulfilment"}),
        TransitionAction("state", "S", "TicketStateSet", {"State": "open"}),
        TransitionAction("status", "F", "DynamicFieldSet", {"Status": "approved", "Tags": "x, y"}),
        TransitionAction(
            "mail", "M", "SendNotification", {"Recipients": "<OTOBO_TICKET_DynamicField_To>", "Template": "t"}
        ),
        TransitionAction("fixed-mail", "N", "SendNotification", {"Recipients": "owner", "Template": "t"}),
    )
    activities = (
        Activity(
            "init",
            "Init",
            ActivityType.SCRIPT_TASK,
            script=ScriptCall("set_fields", {"Priority": "3 normal", "DynamicField_Origin": "web"}),
        ),
        Activity("a", "A", ActivityType.USER_TASK),
        Activity("b", "B", ActivityType.USER_TASK),
        Activity("c", "C", ActivityType.END),
        Activity("d", "D", ActivityType.END),
    )
    transitions = (
        Transition("init-a", "init-a", "init", "a"),
        Transition("ab", "ab", "a", "b", condition, actions),
        Transition("ac", "ac", "a", "c", one_field("DynamicField_Other", MatchType.STRING, "go")),
        Transition("bd", "bd", "b", "d", one_field("DynamicField_Status", MatchType.REGEXP, "^appr")),
    )
    return Process("p", "P", "init", activities, transitions)


CONDITIONS = [
    one_field(field, kind, match)
    for field in ("DynamicField_F", "Title", "DynamicField_Title")
    for kind, match in (
        (MatchType.STRING, "x"),
        (MatchType.NOT_EQUAL, "x"),
        (MatchType.REGEXP, "^a"),
        (MatchType.NOT_REGEXP, "^a"),
        (MatchType.ARRAY, ("a", "b")),
        (MatchType.LESS_THAN, "5"),
        (MatchType.GREATER_THAN_OR_EQUAL, "b"),
    )
]
VALUES: list[Value | None] = [None, "", "0", "x", "a", "ab", "5", "9", ("a", "b"), ("x",)]


def snapshots() -> list[TicketSnapshot]:
    result = []
    for value, title, queue, other, to in itertools.product(
        VALUES,
        (None, "abc", "x"),
        ("Raw", "Fulfilment"),
        (None, "go"),
        ("a@example.com", "b@example.com", "nobody"),
    ):
        fields: dict[str, Value] = {"To": to, "Tags": ("x", "y")}
        if value is not None:
            fields["F"] = value
            fields["Title"] = value
        if other is not None:
            fields["Other"] = other
        attributes = {"Queue": queue, "State": "new", "Priority": "3 normal"}
        if title is not None:
            attributes["Title"] = title
        result.append(TicketSnapshot(attributes, fields))
    return result


def same(ours: Step, theirs: Step) -> None:
    assert ours == theirs
    assert ours.describe() == theirs.describe()
    assert [trace_to_dict(entry) for entry in ours.trace] == [trace_to_dict(entry) for entry in theirs.trace]


def steps(compiled: CompiledProcess, snapshot: TicketSnapshot) -> list[Step]:
    """Start at ``init``; a ticket change at ``a``; then one at ``b`` when that moved there."""
    result = [advance(compiled, ProcessPosition("p", 1, "init"), snapshot, Started(), CONTEXT)]
    step = advance(compiled, ProcessPosition("p", 1, "a"), snapshot, TicketChanged(), CONTEXT)
    result.append(step)
    if step.position.activity_key == "b":
        result.append(advance(compiled, step.position, step.snapshot, TicketChanged(), CONTEXT))
    return result


@pytest.mark.parametrize("condition", CONDITIONS, ids=lambda c: f"{c.groups[0].fields[0]}")
def test_a_warm_process_steps_as_the_general_path(condition: Condition) -> None:
    process = approval(condition)
    warm = compile_process(ProcessVersion(process, 1, "hash"))
    tickets = snapshots()
    for _ in range(2):  # the second round runs on caches filled by every ticket
        for snapshot in tickets:
            for ours, theirs in zip(steps(warm, snapshot), steps(fresh(process), snapshot), strict=True):
                same(ours, theirs)


def test_the_verdicts_kept_per_condition_are_bounded() -> None:
    process = approval(one_field("DynamicField_F", MatchType.REGEXP, "."))
    warm = compile_process(ProcessVersion(process, 1, "hash"))
    for number in range(200):
        snapshot = TicketSnapshot({"Queue": "Raw"}, {"F": f"text {number}"})
        same(steps(warm, snapshot)[1], steps(fresh(process), snapshot)[1])
    assert len(warm.outgoing["a"][0].verdicts) == 64


def test_a_position_of_another_version_keeps_its_version() -> None:
    warm = compile_process(ProcessVersion(approval(CONDITIONS[0]), 1, "hash"))
    step = advance(warm, ProcessPosition("p", 7, "a"), TicketSnapshot({}), TicketChanged(), CONTEXT)
    assert step.position == ProcessPosition("p", 7, "a", PositionStatus.ACTIVE)


def test_shared_entries_describe_the_same_when_read_again() -> None:
    """A remembered check entry computes its reasons once, for every step that shares it."""
    warm = compile_process(ProcessVersion(approval(CONDITIONS[0]), 1, "hash"))
    snapshot = TicketSnapshot({"Queue": "Raw"}, {"F": "x", "To": "a@example.com"})
    first, second = (
        advance(warm, ProcessPosition("p", 1, "a"), snapshot, TicketChanged(), CONTEXT) for _ in "12"
    )
    assert first.trace[0] is second.trace[0]
    assert (
        first.describe() == second.describe() == steps(fresh(approval(CONDITIONS[0])), snapshot)[1].describe()
    )
