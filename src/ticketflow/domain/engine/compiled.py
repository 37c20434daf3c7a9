"""A process version indexed once for stepping, and what a step may use besides it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Final

from ticketflow.domain.conditions import Validator
from ticketflow.domain.definitions import (
    Activity,
    ProcessVersion,
    SubProcessCall,
    Transition,
    TransitionAction,
)
from ticketflow.domain.effects import Effect
from ticketflow.domain.engine.checks import ConditionPlan, compile_condition
from ticketflow.domain.positions import PositionStatus, ProcessPosition
from ticketflow.domain.scripts import Script
from ticketflow.domain.scripts.contract import ScriptRun
from ticketflow.domain.tickets import TicketSnapshot, Value
from ticketflow.domain.trace import (
    ActionRan,
    EnteredActivity,
    Moved,
    ProcessCompleted,
    ScriptRan,
    TransitionChecked,
    checked,
)
from ticketflow.domain.transition_actions import ActionModule, ActionRun, find_action
from ticketflow.domain.transition_actions.call import templated as is_templated


@dataclass(frozen=True, slots=True)
class EngineContext:
    """What a step may use besides the process and the ticket.

    ``state_types`` (state name → type) keeps ``StateType`` current after a State change and tells
    actions which states are pending/closed; ``dynamic_field_labels`` serves ``_Value`` placeholders;
    ``list_fields`` names the Multiselect dynamic fields (comma-separated text is split for them).
    """

    now: datetime
    scripts: Mapping[str, Script]
    validators: Mapping[str, Validator]
    state_types: Mapping[str, str] = field(default_factory=dict)
    dynamic_field_labels: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    list_fields: frozenset[str] = frozenset()
    hop_limit: int = 100


# Trace entries are frozen values: one instance can serve every step that records the same thing.
# Those that depend on the process only (entering an activity, a move, an unconditional check) are
# built here once; a step then appends them instead of building them (about 0.45 µs per entry, five
# to eight entries per step of the benchmark process). ``Memo`` cells hold what depends on the
# ticket too (see ``CompiledAction.memo``, ``CompiledTransition.verdicts``).
Memo = list[tuple[tuple[Effect, ...], ActionRan]]
ScriptMemo = list[tuple[tuple[Effect, ...], ScriptRan]]
VERDICTS_KEPT: Final = 64  # distinct values remembered per condition (a free-text field has many)


@dataclass(frozen=True, slots=True)
class CompiledAction:
    action: TransitionAction
    module: ActionModule | None  # None: an unknown module, which fails when it runs
    templated: tuple[str, ...]  # the config keys whose values contain "<": placeholders to render
    run: ActionRun | None = None  # the module's run, or its shortcut for this config (``prepare``)
    key: str = ""  # action.key and module.name, read on every run
    module_name: str = ""
    config: Mapping[str, Value] = field(default_factory=dict)  # action.config, read on every run
    # The ``ActionRan`` entry of a run without effects, and in ``memo[0]`` the last (effects, entry)
    # pair: a shortcut hands back the same prebuilt effects tuple on every run (``prepare``), so its
    # entry is built once. One cell, replaced whole: a thread never sees one run's effects with
    # another's entry.
    ran_nothing: ActionRan | None = field(default=None, compare=False)
    memo: Memo = field(default_factory=list, compare=False)


@dataclass(frozen=True, slots=True)
class CompiledTransition:
    transition: Transition
    actions: tuple[CompiledAction, ...]
    plan: ConditionPlan | None = None  # None: no condition, or one only the reference can decide
    target: Activity | None = None  # None: the target activity does not exist
    moved: Moved | None = None  # the trace entry of taking it (with a target)
    always: TransitionChecked | None = None  # the trace entry of checking it without a condition
    # A plan that reads one key: (data key, dynamic field name or None), and the entries of the
    # checks so far by the value read (a text or None). A check whose value was seen is one lookup:
    # no data dict, no verdict, no entry to build (about 1.5 µs per check).
    single: tuple[str, str | None] | None = None
    verdicts: dict[str | None, TransitionChecked] = field(default_factory=dict, compare=False)


@dataclass(frozen=True, slots=True)
class CompiledProcess:
    """A process version indexed for stepping. Build once with ``compile_process`` and cache it."""

    version: ProcessVersion
    activities: Mapping[str, Activity]
    outgoing: Mapping[str, tuple[CompiledTransition, ...]]
    error_transitions: Mapping[str, tuple[CompiledTransition, ...]]
    # Script task key → (the registered script, its shortcut for the task's parameters or its run).
    # Filled on first use: scripts come with the context, not with the process. Only ever added to.
    # The last (effects, ``ScriptRan``) pair per script task, as ``CompiledAction.memo``.
    script_runs: dict[str, tuple[Script, ScriptRun, ScriptMemo]] = field(default_factory=dict, compare=False)
    # Trace entries and positions that depend on the activity only, built once (see above).
    entered: Mapping[str, EnteredActivity] = field(default_factory=dict, compare=False)
    completed: Mapping[str, ProcessCompleted] = field(default_factory=dict, compare=False)
    # ACTIVE positions without failure, for positions of this version (``process_key``, ``version``):
    # where most steps stop (about 0.45 µs for building one).
    active: Mapping[str, ProcessPosition] = field(default_factory=dict, compare=False)


def compile_process(version: ProcessVersion) -> CompiledProcess:
    """Index ``version`` for ``advance``: activities by key, normal and error transitions per source in
    listed order, action modules resolved."""
    process = version.process
    outgoing: dict[str, list[CompiledTransition]] = {activity.key: [] for activity in process.activities}
    errors: dict[str, list[CompiledTransition]] = {activity.key: [] for activity in process.activities}
    activities = {activity.key: activity for activity in process.activities}
    for transition in process.transitions:
        compiled = _compile_transition(transition, activities.get(transition.target))
        by_source = outgoing if transition.error_code is None else errors
        by_source.setdefault(transition.source, []).append(compiled)
    return CompiledProcess(
        version=version,
        activities=MappingProxyType(activities),
        outgoing=MappingProxyType({key: tuple(items) for key, items in outgoing.items()}),
        error_transitions=MappingProxyType({key: tuple(items) for key, items in errors.items()}),
        entered=MappingProxyType({key: EnteredActivity(key, a.type) for key, a in activities.items()}),
        completed=MappingProxyType({key: ProcessCompleted(key) for key in activities}),
        active=MappingProxyType(
            {
                key: ProcessPosition(process.key, version.version, key, PositionStatus.ACTIVE)
                for key in activities
            }
        ),
    )


_ALWAYS: Final = ("no condition: always true",)


def _compile_transition(transition: Transition, target: Activity | None) -> CompiledTransition:
    condition = transition.condition
    plan = None if condition is None else compile_condition(condition)
    single = None
    if plan is not None and len(plan.reads) == 1:
        single = plan.reads[0]
    return CompiledTransition(
        transition,
        tuple(_compile_action(transition.key, a) for a in transition.actions),
        plan,
        target,
        None
        if target is None
        else Moved(transition.key, transition.source, target.key, transition.error_code),
        checked(transition.source, transition.key, True, _ALWAYS) if condition is None else None,
        single,
    )


def _compile_action(transition_key: str, action: TransitionAction) -> CompiledAction:
    templated = tuple(key for key, value in action.config.items() if is_templated(value))
    module = find_action(action.module)
    if module is None:
        return CompiledAction(action, None, templated, None, action.key, action.module, action.config)
    run = module.prepare(action.config) if module.prepare is not None else None
    nothing = ActionRan(transition_key, action.key, module.name, ())
    return CompiledAction(
        action,
        module,
        templated,
        run or module.run,
        action.key,
        module.name,
        action.config,
        nothing,
        [((), nothing)],
    )


def sub_process_results(call: SubProcessCall, child: TicketSnapshot) -> dict[str, Value]:
    """The parent values a finished child hands back: ``fields_out`` maps parent field ← child field;
    fields the child does not hold are left out. Use it to build ``SubProcessCompleted``."""
    results: dict[str, Value] = {}
    for parent_field, child_field in call.fields_out.items():
        value = child.value(child_field)
        if value is not None:
            results[parent_field] = value
    return results
