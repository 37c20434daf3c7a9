"""Entering an activity, by its type: what each kind of activity does on arrival."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final, assert_never

from ticketflow.domain.definitions import Activity, ActivityType
from ticketflow.domain.effects import CallWebService, StartSubProcess
from ticketflow.domain.engine.compiled import CompiledTransition, ScriptMemo
from ticketflow.domain.engine.moves import fail
from ticketflow.domain.engine.state import COMPLETED, USER_TASK, WAITING, StepState, new_entered
from ticketflow.domain.errors import ScriptError
from ticketflow.domain.frozen import builder
from ticketflow.domain.placeholders import render_text
from ticketflow.domain.positions import ProcessPosition
from ticketflow.domain.scripts import Script, ScriptContext
from ticketflow.domain.scripts.contract import ScriptRun
from ticketflow.domain.tickets import Value
from ticketflow.domain.trace import JobQueued, ProcessCompleted, ScriptFailed, ScriptRan

WEB_SERVICE_CALL: Final = "web service call"
SUB_PROCESS: Final = "sub-process"
_new_script_context: Final = builder(ScriptContext)


def enter(state: StepState, activity: Activity) -> ProcessPosition | CompiledTransition | None:
    """Enter ``activity``: a position where the step stops, an error transition to take, or None
    (check the activity's transitions next)."""
    kind = activity.type
    process = state.process
    entry = process.entered.get(activity.key)
    state.trace.append(entry if entry is not None else new_entered(activity.key, kind))
    if kind is USER_TASK:  # the common case, without the match's enum lookups
        return None
    match kind:
        case ActivityType.SCRIPT_TASK:
            return _run_script(state, activity)
        case ActivityType.SERVICE_TASK:
            return _call_service(state, activity)
        case ActivityType.SUB_PROCESS:
            return _start_sub_process(state, activity)
        case ActivityType.END:
            state.trace.append(process.completed.get(activity.key) or ProcessCompleted(activity.key))
            return state.at(activity.key, COMPLETED)
    assert_never(kind)


def _run_script(state: StepState, activity: Activity) -> ProcessPosition | CompiledTransition | None:
    call = activity.script
    if call is None:
        return fail(state, activity, f"script task '{activity.key}' names no script", activity.error_code)
    script = state.context.scripts.get(call.script)
    error_code = activity.error_code
    if script is None:
        message = f"script '{call.script}' is not registered"
    else:
        context: ScriptContext = _new_script_context(
            state.snapshot,
            call.parameters,
            state.context.now,
            activity.key,
            state.context.dynamic_field_labels,
        )
        run, memo = _script_run(state, activity.key, call.script, script, call.parameters)
        try:
            effects = tuple(run(context))
        except ScriptError as error:
            message, error_code = error.message, error.error_code or activity.error_code
        except Exception as error:  # a plugin's bug is recorded like any failure, never raised
            message = f"crashed: {type(error).__name__}: {error}"
        else:
            state.apply(effects)
            last = memo[0]
            if last[0] is effects:  # a shortcut's prebuilt effects again: their entry too (0.4 µs)
                state.trace.append(last[1])
            else:
                entry = ScriptRan(activity.key, call.script, effects)
                memo[0] = (effects, entry)
                state.trace.append(entry)
            return None
    state.trace.append(ScriptFailed(activity.key, call.script, message, error_code))
    return fail(state, activity, f"script '{call.script}' failed: {message}", error_code)


def _script_run(
    state: StepState, key: str, name: str, script: Script, parameters: Mapping[str, str]
) -> tuple[ScriptRun, ScriptMemo]:
    """``script.run``, or the script's shortcut for these parameters (``FunctionScript.prepare``),
    worked out once per process version and script; and the task's memo of its last ``ScriptRan``."""
    cache = state.process.script_runs
    known = cache.get(key)
    if known is not None and known[0] is script:
        return known[1], known[2]
    prepare = getattr(script, "prepare", None)
    run: ScriptRun = (prepare(parameters) if callable(prepare) else None) or script.run
    memo: ScriptMemo = [((), ScriptRan(key, name, ()))]
    cache[key] = (script, run, memo)
    return run, memo


def _call_service(state: StepState, activity: Activity) -> ProcessPosition | CompiledTransition:
    service = activity.service
    if service is None:
        return fail(
            state, activity, f"service task '{activity.key}' names no web service", activity.error_code
        )
    snapshot, labels = state.snapshot, state.context.dynamic_field_labels
    parameters = {key: render_text(value, snapshot, labels) for key, value in service.parameters.items()}
    effect = CallWebService(
        activity.key, service.web_service, service.invoker, parameters, service.timeout, activity.error_code
    )
    state.effects.append(effect)
    state.trace.append(JobQueued(activity.key, WEB_SERVICE_CALL, (effect,)))
    return state.at(activity.key, WAITING)


def _start_sub_process(state: StepState, activity: Activity) -> ProcessPosition | CompiledTransition:
    call = activity.sub_process
    if call is None:
        return fail(state, activity, f"sub-process '{activity.key}' names no process", activity.error_code)
    values: dict[str, Value] = {}
    for child_field, parent_field in call.fields_in.items():
        value = state.snapshot.value(parent_field)
        if value is not None:
            values[child_field] = value
    effect = StartSubProcess(activity.key, call.process_key, call.version, values)
    state.effects.append(effect)
    state.trace.append(JobQueued(activity.key, SUB_PROCESS, (effect,)))
    return state.at(activity.key, WAITING)
