"""A process version indexed once for stepping, and what a step may use besides it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType

from ticketflow.domain.conditions import Validator
from ticketflow.domain.definitions import (
    Activity,
    ProcessVersion,
    SubProcessCall,
    Transition,
    TransitionAction,
)
from ticketflow.domain.engine.checks import ConditionPlan, compile_condition
from ticketflow.domain.scripts import Script
from ticketflow.domain.scripts.contract import ScriptRun
from ticketflow.domain.tickets import TicketSnapshot, Value
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


@dataclass(frozen=True, slots=True)
class CompiledAction:
    action: TransitionAction
    module: ActionModule | None  # None: an unknown module, which fails when it runs
    templated: tuple[str, ...]  # the config keys whose values contain "<": placeholders to render
    run: ActionRun | None = None  # the module's run, or its shortcut for this config (``prepare``)
    key: str = ""  # action.key and module.name, read on every run
    module_name: str = ""


@dataclass(frozen=True, slots=True)
class CompiledTransition:
    transition: Transition
    actions: tuple[CompiledAction, ...]
    plan: ConditionPlan | None = None  # None: no condition, or one only the reference can decide


@dataclass(frozen=True, slots=True)
class CompiledProcess:
    """A process version indexed for stepping. Build once with ``compile_process`` and cache it."""

    version: ProcessVersion
    activities: Mapping[str, Activity]
    outgoing: Mapping[str, tuple[CompiledTransition, ...]]
    error_transitions: Mapping[str, tuple[CompiledTransition, ...]]
    # Script task key → (the registered script, its shortcut for the task's parameters or its run).
    # Filled on first use: scripts come with the context, not with the process. Only ever added to.
    script_runs: dict[str, tuple[Script, ScriptRun]] = field(default_factory=dict, compare=False)


def compile_process(version: ProcessVersion) -> CompiledProcess:
    """Index ``version`` for ``advance``: activities by key, normal and error transitions per source in
    listed order, action modules resolved."""
    process = version.process
    outgoing: dict[str, list[CompiledTransition]] = {activity.key: [] for activity in process.activities}
    errors: dict[str, list[CompiledTransition]] = {activity.key: [] for activity in process.activities}
    for transition in process.transitions:
        condition = transition.condition
        compiled = CompiledTransition(
            transition,
            tuple(_compile_action(a) for a in transition.actions),
            None if condition is None else compile_condition(condition),
        )
        by_source = outgoing if transition.error_code is None else errors
        by_source.setdefault(transition.source, []).append(compiled)
    return CompiledProcess(
        version=version,
        activities=MappingProxyType({activity.key: activity for activity in process.activities}),
        outgoing=MappingProxyType({key: tuple(items) for key, items in outgoing.items()}),
        error_transitions=MappingProxyType({key: tuple(items) for key, items in errors.items()}),
    )


def _compile_action(action: TransitionAction) -> CompiledAction:
    templated = tuple(key for key, value in action.config.items() if is_templated(value))
    module = find_action(action.module)
    if module is None:
        return CompiledAction(action, None, templated, None, action.key, action.module)
    run = module.prepare(action.config) if module.prepare is not None else None
    return CompiledAction(action, module, templated, run or module.run, action.key, module.name)


def sub_process_results(call: SubProcessCall, child: TicketSnapshot) -> dict[str, Value]:
    """The parent values a finished child hands back: ``fields_out`` maps parent field ← child field;
    fields the child does not hold are left out. Use it to build ``SubProcessCompleted``."""
    results: dict[str, Value] = {}
    for parent_field, child_field in call.fields_out.items():
        value = child.value(child_field)
        if value is not None:
            results[parent_field] = value
    return results
