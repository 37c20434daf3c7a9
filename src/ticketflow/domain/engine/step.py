"""``advance``: handle one event, then drive the position on until it waits, stays, ends or fails."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final, assert_never

from ticketflow.domain.definitions import Activity, ActivityType
from ticketflow.domain.effects import Effect, SetValue
from ticketflow.domain.engine.activities import SUB_PROCESS, WEB_SERVICE_CALL, enter
from ticketflow.domain.engine.compiled import CompiledProcess, CompiledTransition, EngineContext
from ticketflow.domain.engine.events import (
    Event,
    Retry,
    ServiceTaskCompleted,
    ServiceTaskFailed,
    Started,
    SubProcessCompleted,
    TicketChanged,
)
from ticketflow.domain.engine.moves import choose, fail, move
from ticketflow.domain.engine.state import ACTIVE, FAILED, USER_TASK, WAITING, StepState
from ticketflow.domain.frozen import builder
from ticketflow.domain.positions import ProcessPosition
from ticketflow.domain.tickets import TicketSnapshot, Value
from ticketflow.domain.trace import ActivityFailed, NothingToDo, ResultReceived, TraceEntry, describe_trace


@dataclass(frozen=True, slots=True)
class Step:
    """The outcome of one event: where the process stands, the ticket after the step's ticket
    effects, all effects in order, and the trace."""

    position: ProcessPosition
    snapshot: TicketSnapshot
    effects: tuple[Effect, ...]
    trace: tuple[TraceEntry, ...]

    def describe(self) -> str:
        return describe_trace(self.trace)


_new_step: Final = builder(Step)


def advance(
    process: CompiledProcess,
    position: ProcessPosition,
    snapshot: TicketSnapshot,
    event: Event,
    context: EngineContext,
) -> Step:
    """Handle ``event`` for a ticket at ``position`` (see the package docstring). Never raises for a
    process author's mistake; bugs in the engine itself or in an action module do propagate."""
    state = StepState(process, position, snapshot, context)
    final = _handle(state, event)
    step: Step = _new_step(final, state.snapshot, tuple(state.effects), tuple(state.trace))
    return step


def _handle(state: StepState, event: Event) -> ProcessPosition:
    position = state.position
    activity = state.process.activities.get(position.activity_key)
    if activity is None:
        return state.failed(
            position.activity_key,
            f"activity '{position.activity_key}' is not part of version {position.version}",
        )
    match event:
        case TicketChanged():
            if position.status is not ACTIVE:
                return _nothing(state, f"the process is {position.status.value} at '{activity.key}'")
            return _drive(state, activity, enter_first=False)
        case Started():
            return _drive(state, activity, enter_first=True)
        case ServiceTaskCompleted(values=values):
            return _complete(state, activity, values, ActivityType.SERVICE_TASK, WEB_SERVICE_CALL)
        case SubProcessCompleted(values=values, process_key=child_process):
            call = activity.sub_process
            if child_process is not None and (call is None or call.process_key != child_process):
                return _nothing(
                    state, f"'{activity.key}' does not wait for a child in process '{child_process}'"
                )
            return _complete(state, activity, values, ActivityType.SUB_PROCESS, SUB_PROCESS)
        case ServiceTaskFailed(message=message, error_code=error_code):
            return _service_failed(state, activity, message, error_code)
        case Retry():
            if position.status is not FAILED:
                return _nothing(state, f"only a failed process can be retried; it is {position.status.value}")
            return _drive(state, activity, enter_first=True)
    assert_never(event)


def _nothing(state: StepState, reason: str) -> ProcessPosition:
    state.trace.append(NothingToDo(reason))
    return state.position


def _waiting_at(state: StepState, activity: Activity, kind: ActivityType) -> bool:
    return state.position.status is WAITING and activity.type is kind


def _complete(
    state: StepState, activity: Activity, values: Mapping[str, Value], kind: ActivityType, job: str
) -> ProcessPosition:
    if not _waiting_at(state, activity, kind):
        # A job is delivered at least once: a duplicate completion must change nothing.
        return _nothing(state, f"no {job} is awaited at '{activity.key}' ({state.position.status.value})")
    effects = tuple(SetValue(key, value) for key, value in values.items())
    state.apply(effects)
    state.trace.append(ResultReceived(activity.key, job, effects))
    return _drive(state, activity, enter_first=False)


def _service_failed(
    state: StepState, activity: Activity, message: str, error_code: str | None
) -> ProcessPosition:
    if not _waiting_at(state, activity, ActivityType.SERVICE_TASK):
        return _nothing(
            state, f"no {WEB_SERVICE_CALL} is awaited at '{activity.key}' ({state.position.status.value})"
        )
    code = error_code or activity.error_code
    state.trace.append(ActivityFailed(activity.key, message, code))
    outcome = fail(state, activity, message, code)
    if isinstance(outcome, ProcessPosition):
        return outcome
    return _drive(state, activity, enter_first=False, take=outcome)


def _drive(
    state: StepState, activity: Activity, *, enter_first: bool, take: CompiledTransition | None = None
) -> ProcessPosition:
    """From ``activity`` (entering it first when ``enter_first``, taking ``take`` first when given),
    move on until the process waits, stays, completes or fails."""
    entering = enter_first
    while True:
        if take is None:
            if entering:
                entered = enter(state, activity)
                if isinstance(entered, ProcessPosition):
                    return entered
                take = entered
            if take is None:
                take = choose(state, activity)
                if take is None:
                    return state.at(activity.key)
        moved = move(state, activity, take)
        if isinstance(moved, ProcessPosition):
            return moved
        if isinstance(moved, CompiledTransition):
            take = moved  # the source's error transition, after a failed action
            continue
        take = None
        if moved is activity and activity.type is USER_TASK:
            state.trace.append(
                NothingToDo(f"'{activity.key}' was moved to itself; OTOBO does not re-check then")
            )
            return state.at(activity.key)
        activity, entering = moved, True
