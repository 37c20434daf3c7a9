"""Checking an activity's transitions, taking one (with its actions), and failing over."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from ticketflow.domain.conditions import evaluate
from ticketflow.domain.definitions import Activity, Transition
from ticketflow.domain.engine.checks import NeedsReference, check, read
from ticketflow.domain.engine.compiled import CompiledAction, CompiledTransition
from ticketflow.domain.engine.state import StepState, new_action_ran, new_moved
from ticketflow.domain.errors import ActionError, ConditionError
from ticketflow.domain.placeholders import render
from ticketflow.domain.positions import ProcessPosition
from ticketflow.domain.tickets import Value
from ticketflow.domain.trace import (
    ActionFailed,
    ConditionFailedToEvaluate,
    HopLimitReached,
    NothingToDo,
    checked,
    checked_lazily,
)
from ticketflow.domain.transition_actions import ActionCall

_ALWAYS: Final = ("no condition: always true",)
_SHOWN_PATH: Final = 8  # activities named in a loop failure


def choose(state: StepState, activity: Activity) -> CompiledTransition | None:
    """The first outgoing transition of ``activity`` whose condition holds, in listed order. A broken
    condition ends the check without a move (OTOBO, Q7), recorded in the trace (Q11)."""
    candidates = state.process.outgoing.get(activity.key, ())
    trace = state.trace
    for candidate in candidates:
        transition = candidate.transition
        condition = transition.condition
        if condition is None:
            trace.append(checked(activity.key, transition.key, True, _ALWAYS))
            return candidate
        plan = candidate.plan
        if plan is not None:
            # The compiled check (see ``checks``): the verdict now, the reasons when read.
            data = read(plan, state.snapshot)
            try:
                matched = check(plan, data)
            except NeedsReference:
                pass
            else:
                trace.append(checked_lazily(activity.key, transition.key, matched, condition, data))
                if matched:
                    return candidate
                continue
        try:
            result = evaluate(condition, state.snapshot.data(), state.context.validators)
        except ConditionError as error:
            trace.append(ConditionFailedToEvaluate(activity.key, transition.key, error.message))
            return None
        trace.append(checked(activity.key, transition.key, result.matched, result.reasons))
        if result.matched:
            return candidate
    if not candidates:
        trace.append(NothingToDo(f"'{activity.key}' has no outgoing transitions"))
    return None


def fail(
    state: StepState, activity: Activity, reason: str, error_code: str | None, *, retrying: bool = False
) -> ProcessPosition | CompiledTransition:
    """``activity``'s error transition for ``error_code`` (or ``*``), else a FAILED position there.
    ``retrying``: the failure happened on an error transition already, so only FAILED is left."""
    if not retrying:
        for candidate in state.process.error_transitions.get(activity.key, ()):
            code = candidate.transition.error_code
            if code == "*" or (error_code is not None and code == error_code):
                return candidate
    return state.failed(activity.key, reason)


def move(
    state: StepState, source: Activity, taken: CompiledTransition
) -> Activity | CompiledTransition | ProcessPosition:
    """Take ``taken`` from ``source``: the target activity; or, when an action failed (the move's
    effects are then discarded), the source's error transition or a FAILED position."""
    transition = taken.transition
    limit = state.context.hop_limit
    if state.hops >= limit:
        path = tuple(state.path[-_SHOWN_PATH:])
        state.trace.append(HopLimitReached(source.key, limit, path))
        return state.failed(
            source.key,
            f"loop: more than {limit} automatic moves in one step, the last ones {' → '.join(path)}",
        )
    state.hops += 1
    retrying = transition.error_code is not None
    target = state.process.activities.get(transition.target)
    if target is None:
        reason = (
            f"transition '{transition.key}' leads to activity '{transition.target}', which does not exist"
        )
        return fail(state, source, reason, source.error_code, retrying=retrying)
    state.trace.append(new_moved(transition.key, source.key, target.key, transition.error_code))
    if taken.actions:
        mark = state.begin_move()
        failure = run_actions(state, source, transition, taken.actions)
        if failure is not None:
            state.undo(mark)
            return fail(state, source, failure, source.error_code, retrying=retrying)
    state.path.append(target.key)
    return target


def run_actions(
    state: StepState, source: Activity, transition: Transition, actions: tuple[CompiledAction, ...]
) -> str | None:
    """Run a move's actions in order, each on the working snapshot as the ones before left it; None
    on success, else the first failure (already traced). What every action of the move shares is
    read once, before the loop (about 0.3 µs per action)."""
    context, trace = state.context, state.trace
    now, state_types, list_fields = context.now, context.state_types, context.list_fields
    process_key, source_key, transition_key = state.position.process_key, source.key, transition.key
    for compiled in actions:
        run = compiled.run
        if run is None:
            return _unknown_module(state, transition, compiled)
        config = compiled.action.config
        if compiled.templated:
            config = _rendered(state, config, compiled.templated)
        # tuple.__new__ skips the NamedTuple's generated Python __new__ (about 0.2 µs per action).
        call = _new_call(
            ActionCall,
            (
                config,
                state.snapshot,
                now,
                process_key,
                source_key,
                transition_key,
                compiled.key,
                state_types,
                list_fields,
            ),
        )
        try:
            effects = run(call)
        except ActionError as error:
            trace.append(ActionFailed(transition_key, compiled.key, compiled.module_name, error.message))
            return f"transition action '{compiled.key}' ({compiled.module_name}): {error.message}"
        if effects:
            state.apply(effects)
        trace.append(new_action_ran(transition_key, compiled.key, compiled.module_name, effects))
    return None


_new_call: Final = tuple.__new__


def _rendered(state: StepState, config: Mapping[str, Value], templated: tuple[str, ...]) -> dict[str, Value]:
    snapshot, labels, rendered = state.snapshot, state.context.dynamic_field_labels, dict(config)
    for key in templated:
        rendered[key] = render(rendered[key], snapshot, labels)
    return rendered


def _unknown_module(state: StepState, transition: Transition, compiled: CompiledAction) -> str:
    action = compiled.action
    message = f"transition action module '{action.module}' does not exist"
    state.trace.append(ActionFailed(transition.key, action.key, action.module, message))
    return message
