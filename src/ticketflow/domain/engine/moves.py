"""Checking an activity's transitions, taking one (with its actions), and failing over."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from ticketflow.domain.conditions import evaluate
from ticketflow.domain.definitions import Activity, Transition
from ticketflow.domain.effects import SetValue
from ticketflow.domain.engine.checks import NeedsReference, check, read
from ticketflow.domain.engine.compiled import VERDICTS_KEPT, CompiledAction, CompiledTransition
from ticketflow.domain.engine.state import StepState, new_action_ran
from ticketflow.domain.errors import ActionError, ConditionError
from ticketflow.domain.placeholders import render
from ticketflow.domain.positions import ProcessPosition
from ticketflow.domain.tickets import Value
from ticketflow.domain.trace import (
    ActionFailed,
    ConditionFailedToEvaluate,
    HopLimitReached,
    NothingToDo,
    TransitionChecked,
    checked,
    checked_lazily,
)
from ticketflow.domain.transition_actions import ActionCall

_SHOWN_PATH: Final = 8  # activities named in a loop failure


def choose(state: StepState, activity: Activity) -> CompiledTransition | None:
    """The first outgoing transition of ``activity`` whose condition holds, in listed order. A broken
    condition ends the check without a move (OTOBO, Q7), recorded in the trace (Q11)."""
    candidates = state.process.outgoing.get(activity.key, ())
    trace = state.trace
    snapshot = state.snapshot
    for candidate in candidates:
        entry = candidate.always  # no condition: the entry is built already
        if entry is None:
            single = candidate.single
            if single is not None:
                # A one-key plan: the value read keys the entries of earlier checks (see ``compiled``).
                key, field = single
                value = snapshot.dynamic_fields.get(field) if field is not None else None
                if value is None:  # as ``read``: dynamic fields over same-named attributes
                    value = snapshot.attributes.get(key)
                if value is None or type(value) is str:
                    entry = candidate.verdicts.get(value) or _verdict(activity, candidate, key, value)
            if entry is None:
                checked_entry = _check(state, activity, candidate)
                if isinstance(checked_entry, ConditionFailedToEvaluate):
                    trace.append(checked_entry)
                    return None
                entry = checked_entry
        trace.append(entry)
        if entry.matched:
            return candidate
    if not candidates:
        trace.append(NothingToDo(f"'{activity.key}' has no outgoing transitions"))
    return None


def _check(
    state: StepState, activity: Activity, candidate: CompiledTransition
) -> TransitionChecked | ConditionFailedToEvaluate:
    """Check ``candidate``'s condition: with its plan when it has one that decides, else with the
    reference evaluator."""
    transition = candidate.transition
    condition = transition.condition
    assert condition is not None  # ``always`` is set for every transition without one
    plan = candidate.plan
    if plan is not None:
        # The compiled check (see ``checks``): the verdict now, the reasons when read.
        data = read(plan, state.snapshot)
        try:
            matched = check(plan, data)
        except NeedsReference:
            pass
        else:
            return checked_lazily(activity.key, transition.key, matched, condition, data)
    try:
        result = evaluate(condition, state.snapshot.data(), state.context.validators)
    except ConditionError as error:
        return ConditionFailedToEvaluate(activity.key, transition.key, error.message)
    return checked(activity.key, transition.key, result.matched, result.reasons)


def _verdict(
    activity: Activity, candidate: CompiledTransition, key: str, value: str | None
) -> TransitionChecked | None:
    """The entry of checking ``candidate``'s one-key plan on ``value``, remembered while there is room;
    None when the plan needs the reference evaluator (then nothing is remembered)."""
    plan = candidate.plan
    assert plan is not None
    data: dict[str, Value] = {} if value is None else {key: value}
    try:
        matched = check(plan, data)
    except NeedsReference:
        return None
    transition = candidate.transition
    assert transition.condition is not None
    entry = checked_lazily(activity.key, transition.key, matched, transition.condition, data)
    verdicts = candidate.verdicts
    if len(verdicts) < VERDICTS_KEPT:
        verdicts[value] = entry
    return entry


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
    if state.hops >= state.context.hop_limit:
        limit = state.context.hop_limit
        path = tuple(state.path[-_SHOWN_PATH:])
        state.trace.append(HopLimitReached(source.key, limit, path))
        return state.failed(
            source.key,
            f"loop: more than {limit} automatic moves in one step, the last ones {' → '.join(path)}",
        )
    state.hops += 1
    target, moved = taken.target, taken.moved
    if target is None or moved is None:
        reason = (
            f"transition '{transition.key}' leads to activity '{transition.target}', which does not exist"
        )
        return fail(state, source, reason, source.error_code, retrying=transition.error_code is not None)
    state.trace.append(moved)
    if taken.actions:
        mark = state.begin_move()
        failure = run_actions(state, source, transition, taken.actions)
        if failure is not None:
            state.undo(mark)
            return fail(state, source, failure, source.error_code, retrying=transition.error_code is not None)
    state.path.append(target.key)
    return target


def run_actions(
    state: StepState, source: Activity, transition: Transition, actions: tuple[CompiledAction, ...]
) -> str | None:
    """Run a move's actions in order, each on the working snapshot as the ones before left it; None
    on success, else the first failure (already traced). What every action of the move shares is
    read once, before the loop (about 0.3 µs per action); ``StepState.apply`` is inlined (about
    0.3 µs per action)."""
    context, trace, recorded = state.context, state.trace, state.effects
    now, state_types, list_fields = context.now, context.state_types, context.list_fields
    process_key, source_key, transition_key = state.position.process_key, source.key, transition.key
    for compiled in actions:
        run = compiled.run
        if run is None:
            return _unknown_module(state, transition, compiled)
        config = compiled.config
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
        if not effects:
            trace.append(
                compiled.ran_nothing
                or new_action_ran(transition_key, compiled.key, compiled.module_name, effects)
            )
            continue
        recorded.extend(effects)
        for effect in effects:
            if type(effect) is SetValue and effect.ticket_id is None:
                if not state.owned:
                    state.own()
                state.set(effect.key, effect.value)
        memo = compiled.memo
        last = memo[0]
        if last[0] is effects:  # the shortcut's prebuilt effects again: their entry too
            trace.append(last[1])
            continue
        entry = new_action_ran(transition_key, compiled.key, compiled.module_name, effects)
        memo[0] = (effects, entry)
        trace.append(entry)
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
