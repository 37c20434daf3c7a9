"""The engine's step: one event moves a ticket's process position as far as it goes, as a pure function.

``advance(process, position, snapshot, event, context)`` returns a ``Step``: the new position, the
ticket as changed by the step, the effects in order (ticket changes for the use case to apply, jobs to
enqueue) and a trace of everything that happened and why. It reads no clock and writes nothing.

Semantics (reference §3.2–3.7, and where OTOBO is unsound, better):

* Entering an activity, by type: ``user_task`` → ACTIVE, then its transitions are checked;
  ``script_task`` → its script runs, its effects apply, then its transitions are checked (none
  matching: it stays ACTIVE there); ``service_task`` → a ``CallWebService`` job, WAITING;
  ``sub_process`` → a ``StartSubProcess`` effect, WAITING; ``end`` → COMPLETED.
* Checking: the activity's outgoing transitions in listed order; the first that matches moves. A
  misconfigured condition (``ConditionError``) stops the check of that activity without a move, as in
  OTOBO (Q7), but the trace shows it (Q11).
* A move runs the transition's actions in order, each on the ticket as changed by the ones before
  (OTOBO re-reads the ticket, §3.5), then enters the target, so moves chain (OTOBO ≥ 10.1, §3.2 point 4).
  A move back to the same user task does not chain.
* Unlike OTOBO (Q8), a failing action or script does not leave half a move behind: the effects of the
  failed move are discarded (earlier moves of the step stay), then the source activity's error
  transition is taken when one is modelled, else the position becomes FAILED there with the reason.
* More than ``hop_limit`` chained moves in one step stop with a FAILED position naming the loop.

The engine never raises for a process author's mistake at runtime; it records it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Final, assert_never

from ticketflow.domain.conditions import Validator, evaluate
from ticketflow.domain.definitions import (
    Activity,
    ActivityType,
    ProcessVersion,
    SubProcessCall,
    Transition,
    TransitionAction,
)
from ticketflow.domain.effects import CallWebService, Effect, SetValue, StartSubProcess
from ticketflow.domain.errors import ActionError, ConditionError, ScriptError
from ticketflow.domain.placeholders import render, render_text
from ticketflow.domain.positions import PositionStatus, ProcessPosition
from ticketflow.domain.scripts import Script, ScriptContext
from ticketflow.domain.tickets import DYNAMIC_FIELD_PREFIX, TicketSnapshot, Value
from ticketflow.domain.trace import (
    ActionFailed,
    ActionRan,
    ActivityFailed,
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
    TraceEntry,
    TransitionChecked,
    describe_trace,
)
from ticketflow.domain.transition_actions import ActionCall, ActionModule, find_action

# --------------------------------------------------------------------------------------------------
# Events
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Started:
    """The ticket was just put at the process' start activity (by the caller): enter it."""


@dataclass(frozen=True, slots=True)
class TicketChanged:
    """The ticket changed (dialog submit, API, another process): check the current activity."""


@dataclass(frozen=True, slots=True)
class ServiceTaskCompleted:
    """The waiting service task's web service answered; ``values`` are ticket-data names to set."""

    values: Mapping[str, Value] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ServiceTaskFailed:
    """The waiting service task's call failed for good; ``error_code`` picks the error transition
    (default: the activity's own ``error_code``)."""

    message: str
    error_code: str | None = None


@dataclass(frozen=True, slots=True)
class SubProcessCompleted:
    """The child ticket of the waiting sub-process reached its end. ``values`` are *parent* ticket-data
    names to set: build them from the child with ``sub_process_results``."""

    values: Mapping[str, Value] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Retry:
    """Re-enter the current activity of a FAILED position (an admin retries an incident)."""


Event = Started | TicketChanged | ServiceTaskCompleted | ServiceTaskFailed | SubProcessCompleted | Retry


# --------------------------------------------------------------------------------------------------
# Context, compiled process, step
# --------------------------------------------------------------------------------------------------


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
    module: ActionModule | None  # None: unknown module, fails when run
    templated: bool  # some config value contains "<": render placeholders


@dataclass(frozen=True, slots=True)
class CompiledTransition:
    transition: Transition
    actions: tuple[CompiledAction, ...]


@dataclass(frozen=True, slots=True)
class CompiledProcess:
    """A process version indexed for stepping. Build once with ``compile_process`` and cache it."""

    version: ProcessVersion
    activities: Mapping[str, Activity]
    outgoing: Mapping[str, tuple[CompiledTransition, ...]]
    error_transitions: Mapping[str, tuple[CompiledTransition, ...]]


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


def compile_process(version: ProcessVersion) -> CompiledProcess:
    """Index ``version`` for ``advance``: activities by key, normal and error transitions per source in
    listed order, action modules resolved."""
    process = version.process
    outgoing: dict[str, list[CompiledTransition]] = {activity.key: [] for activity in process.activities}
    errors: dict[str, list[CompiledTransition]] = {activity.key: [] for activity in process.activities}
    for transition in process.transitions:
        compiled = CompiledTransition(transition, tuple(_compile_action(a) for a in transition.actions))
        by_source = outgoing if transition.error_code is None else errors
        by_source.setdefault(transition.source, []).append(compiled)
    return CompiledProcess(
        version=version,
        activities=MappingProxyType({activity.key: activity for activity in process.activities}),
        outgoing=MappingProxyType({key: tuple(items) for key, items in outgoing.items()}),
        error_transitions=MappingProxyType({key: tuple(items) for key, items in errors.items()}),
    )


def _compile_action(action: TransitionAction) -> CompiledAction:
    templated = any("<" in (v if isinstance(v, str) else "".join(v)) for v in action.config.values())
    return CompiledAction(action, find_action(action.module), templated)


def sub_process_results(call: SubProcessCall, child: TicketSnapshot) -> dict[str, Value]:
    """The parent values a finished child hands back: ``fields_out`` maps parent field ← child field;
    fields the child does not hold are left out. Use it to build ``SubProcessCompleted``."""
    results: dict[str, Value] = {}
    for parent_field, child_field in call.fields_out.items():
        value = child.value(child_field)
        if value is not None:
            results[parent_field] = value
    return results


# --------------------------------------------------------------------------------------------------
# The step
# --------------------------------------------------------------------------------------------------

_ALWAYS: Final = ("no condition: always true",)
# Enum members as module constants: reading ``PositionStatus.ACTIVE`` costs a descriptor call (~0.1 µs).
_ACTIVE: Final = PositionStatus.ACTIVE
_WAITING: Final = PositionStatus.WAITING
_COMPLETED: Final = PositionStatus.COMPLETED
_FAILED: Final = PositionStatus.FAILED
_USER_TASK: Final = ActivityType.USER_TASK
_PREFIX_LENGTH: Final = len(DYNAMIC_FIELD_PREFIX)
_KIND_SERVICE: Final = "web service call"
_KIND_SUB_PROCESS: Final = "sub-process"
_SHOWN_PATH: Final = 8  # activities named in a loop failure


class _Run:
    """The mutable state of one ``advance`` call; never escapes it.

    Ticket changes are applied to a working copy of the snapshot that belongs to the current move:
    the first change of a move copies the snapshot's two mappings, later changes of the same move
    update those copies in place (a new snapshot per action would cost a frozen-dataclass build each
    time). Snapshots handed out earlier, the caller's and the one saved for undoing a move are never
    changed; actions and scripts get the working snapshot only for the duration of their call.
    """

    __slots__ = (
        "attributes",
        "context",
        "effects",
        "fields",
        "hops",
        "owned",
        "path",
        "position",
        "process",
        "snapshot",
        "trace",
    )

    def __init__(
        self,
        process: CompiledProcess,
        position: ProcessPosition,
        snapshot: TicketSnapshot,
        context: EngineContext,
    ) -> None:
        self.process = process
        self.position = position
        self.snapshot = snapshot
        self.context = context
        self.effects: list[Effect] = []
        self.trace: list[TraceEntry] = []
        self.hops = 0
        self.path = [position.activity_key]
        self.owned = False  # True: ``attributes``/``fields`` are this move's private working copies
        self.attributes: dict[str, str] = {}
        self.fields: dict[str, Value] = {}

    def at(
        self, activity_key: str, status: PositionStatus = _ACTIVE, failure: str | None = None
    ) -> ProcessPosition:
        return ProcessPosition(
            self.position.process_key, self.position.version, activity_key, status, failure
        )

    def apply(self, effects: tuple[Effect, ...]) -> None:
        """Record ``effects`` and apply this ticket's value changes to the working snapshot.
        Empty or None clears; a new State brings its StateType along when known."""
        self.effects.extend(effects)
        for effect in effects:
            if type(effect) is SetValue and effect.ticket_id is None:
                if not self.owned:
                    self._own()
                self._set(effect.key, effect.value)

    def freeze(self) -> None:
        """Start a new move: the current snapshot may be needed to undo it, so copy before changing."""
        self.owned = False

    def undo(self, kept: int, before: TicketSnapshot) -> None:
        """Forget every effect after the first ``kept`` and go back to ``before`` (a failed move)."""
        del self.effects[kept:]
        self.snapshot = before
        self.owned = False

    def _own(self) -> None:
        snapshot = self.snapshot
        self.attributes = dict(snapshot.attributes)
        self.fields = dict(snapshot.dynamic_fields)
        self.snapshot = TicketSnapshot(self.attributes, self.fields, snapshot.customer, snapshot.linked)
        self.owned = True

    def _set(self, key: str, value: Value | None) -> None:
        if key.startswith(DYNAMIC_FIELD_PREFIX):
            if value:
                self.fields[key[_PREFIX_LENGTH:]] = value
            else:
                self.fields.pop(key[_PREFIX_LENGTH:], None)
            return
        key = "CustomerUserID" if key == "CustomerUser" else key  # OTOBO writes one, reads the other
        text = ",".join(value) if isinstance(value, tuple) else value
        if not text:
            self.attributes.pop(key, None)
            return
        self.attributes[key] = text
        if key == "State":
            state_type = self.context.state_types.get(text)
            if state_type is not None:
                self.attributes["StateType"] = state_type


def advance(
    process: CompiledProcess,
    position: ProcessPosition,
    snapshot: TicketSnapshot,
    event: Event,
    context: EngineContext,
) -> Step:
    """Handle ``event`` for a ticket at ``position`` (see the module docstring). Never raises for a
    process author's mistake; bugs in the engine itself or in an action module do propagate."""
    run = _Run(process, position, snapshot, context)
    final = _handle(run, event)
    return Step(final, run.snapshot, tuple(run.effects), tuple(run.trace))


def _handle(run: _Run, event: Event) -> ProcessPosition:
    position = run.position
    activity = run.process.activities.get(position.activity_key)
    if activity is None:
        reason = f"activity '{position.activity_key}' is not part of version {position.version}"
        run.trace.append(ProcessFailed(position.activity_key, reason))
        return run.at(position.activity_key, _FAILED, reason)
    match event:
        case Started():
            return _drive(run, activity, enter=True)
        case TicketChanged():
            if position.status is not _ACTIVE:
                return _nothing(run, f"the process is {position.status.value} at '{activity.key}'")
            return _drive(run, activity, enter=False)
        case ServiceTaskCompleted(values=values):
            return _complete(run, activity, values, ActivityType.SERVICE_TASK, _KIND_SERVICE)
        case SubProcessCompleted(values=values):
            return _complete(run, activity, values, ActivityType.SUB_PROCESS, _KIND_SUB_PROCESS)
        case ServiceTaskFailed(message=message, error_code=error_code):
            return _service_failed(run, activity, message, error_code)
        case Retry():
            if position.status is not _FAILED:
                return _nothing(run, f"only a failed process can be retried; it is {position.status.value}")
            return _drive(run, activity, enter=True)
    assert_never(event)


def _nothing(run: _Run, reason: str) -> ProcessPosition:
    run.trace.append(NothingToDo(reason))
    return run.position


def _waiting_at(run: _Run, activity: Activity, kind: ActivityType) -> bool:
    return run.position.status is _WAITING and activity.type is kind


def _complete(
    run: _Run, activity: Activity, values: Mapping[str, Value], kind: ActivityType, job: str
) -> ProcessPosition:
    if not _waiting_at(run, activity, kind):
        # A job is delivered at least once: a duplicate completion must change nothing.
        return _nothing(run, f"no {job} is awaited at '{activity.key}' ({run.position.status.value})")
    effects = tuple(SetValue(key, value) for key, value in values.items())
    run.apply(effects)
    run.trace.append(ResultReceived(activity.key, job, effects))
    return _drive(run, activity, enter=False)


def _service_failed(run: _Run, activity: Activity, message: str, error_code: str | None) -> ProcessPosition:
    if not _waiting_at(run, activity, ActivityType.SERVICE_TASK):
        return _nothing(
            run, f"no {_KIND_SERVICE} is awaited at '{activity.key}' ({run.position.status.value})"
        )
    code = error_code or activity.error_code
    run.trace.append(ActivityFailed(activity.key, message, code))
    outcome = _fail(run, activity, message, code)
    if isinstance(outcome, ProcessPosition):
        return outcome
    return _drive(run, activity, enter=False, take=outcome)


def _drive(
    run: _Run, activity: Activity, *, enter: bool, take: CompiledTransition | None = None
) -> ProcessPosition:
    """From ``activity`` (entering it first when ``enter``, taking ``take`` first when given), move on
    until the process waits, stays, completes or fails."""
    while True:
        if take is None:
            if enter:
                entered = _enter(run, activity)
                if isinstance(entered, ProcessPosition):
                    return entered
                take = entered
            if take is None:
                take = _choose(run, activity)
                if take is None:
                    return run.at(activity.key)
        moved = _move(run, activity, take)
        if isinstance(moved, ProcessPosition):
            return moved
        if isinstance(moved, CompiledTransition):
            take = moved  # the source's error transition, after a failed action
            continue
        take = None
        if moved is activity and activity.type is _USER_TASK:
            run.trace.append(
                NothingToDo(f"'{activity.key}' was moved to itself; OTOBO does not re-check then")
            )
            return run.at(activity.key)
        activity, enter = moved, True


def _choose(run: _Run, activity: Activity) -> CompiledTransition | None:
    """The first outgoing transition of ``activity`` whose condition holds, in listed order."""
    candidates = run.process.outgoing.get(activity.key, ())
    data: Mapping[str, Value] | None = None
    for candidate in candidates:
        transition = candidate.transition
        if transition.condition is None:
            run.trace.append(TransitionChecked(activity.key, transition.key, True, _ALWAYS))
            return candidate
        if data is None:
            data = run.snapshot.data()
        try:
            result = evaluate(transition.condition, data, run.context.validators)
        except ConditionError as error:
            run.trace.append(ConditionFailedToEvaluate(activity.key, transition.key, error.message))
            return None
        run.trace.append(TransitionChecked(activity.key, transition.key, result.matched, result.reasons))
        if result.matched:
            return candidate
    if not candidates:
        run.trace.append(NothingToDo(f"'{activity.key}' has no outgoing transitions"))
    return None


def _fail(
    run: _Run, activity: Activity, reason: str, error_code: str | None, *, retrying: bool = False
) -> ProcessPosition | CompiledTransition:
    """``activity``'s error transition for ``error_code`` (or ``*``), else a FAILED position there.
    ``retrying``: the failure happened on an error transition already, so only FAILED is left."""
    if not retrying:
        for candidate in run.process.error_transitions.get(activity.key, ()):
            code = candidate.transition.error_code
            if code == "*" or (error_code is not None and code == error_code):
                return candidate
    run.trace.append(ProcessFailed(activity.key, reason))
    return run.at(activity.key, _FAILED, reason)


def _move(
    run: _Run, source: Activity, taken: CompiledTransition
) -> Activity | CompiledTransition | ProcessPosition:
    """Take ``taken`` from ``source``: the target activity, or (its actions failed, effects discarded)
    the source's error transition or a FAILED position."""
    transition = taken.transition
    limit = run.context.hop_limit
    if run.hops >= limit:
        path = tuple(run.path[-_SHOWN_PATH:])
        run.trace.append(HopLimitReached(source.key, limit, path))
        reason = f"loop: more than {limit} automatic moves in one step, the last ones {' → '.join(path)}"
        run.trace.append(ProcessFailed(source.key, reason))
        return run.at(source.key, _FAILED, reason)
    run.hops += 1
    retrying = transition.error_code is not None
    target = run.process.activities.get(transition.target)
    if target is None:
        reason = (
            f"transition '{transition.key}' leads to activity '{transition.target}', which does not exist"
        )
        return _fail(run, source, reason, source.error_code, retrying=retrying)
    run.trace.append(Moved(transition.key, source.key, target.key, transition.error_code))
    kept, before = len(run.effects), run.snapshot
    run.freeze()
    for compiled in taken.actions:
        failure = _run_action(run, source, transition, compiled)
        if failure is not None:
            run.undo(kept, before)
            return _fail(run, source, failure, source.error_code, retrying=retrying)
    run.path.append(target.key)
    return target


def _run_action(run: _Run, source: Activity, transition: Transition, compiled: CompiledAction) -> str | None:
    """Run one action; None on success, else the failure (already traced)."""
    action, module = compiled.action, compiled.module
    if module is None:
        message = f"transition action module '{action.module}' does not exist"
        run.trace.append(ActionFailed(transition.key, action.key, action.module, message))
        return message
    context = run.context
    config = action.config
    if compiled.templated:
        labels = context.dynamic_field_labels
        config = {key: render(value, run.snapshot, labels) for key, value in config.items()}
    call = ActionCall(
        config,
        run.snapshot,
        context.now,
        run.position.process_key,
        source.key,
        transition.key,
        action.key,
        context.state_types,
        context.list_fields,
    )
    try:
        effects = module.run(call)
    except ActionError as error:
        message = f"transition action '{action.key}' ({module.name}): {error.message}"
        run.trace.append(ActionFailed(transition.key, action.key, module.name, error.message))
        return message
    run.apply(effects)
    run.trace.append(ActionRan(transition.key, action.key, module.name, effects))
    return None


def _enter(run: _Run, activity: Activity) -> ProcessPosition | CompiledTransition | None:
    """Enter ``activity``: a position where the step stops, an error transition to take, or None
    (check the activity's transitions next)."""
    kind = activity.type
    run.trace.append(EnteredActivity(activity.key, kind))
    if kind is _USER_TASK:  # the common case, without the match's enum lookups
        return None
    match kind:
        case ActivityType.SCRIPT_TASK:
            return _run_script(run, activity)
        case ActivityType.SERVICE_TASK:
            return _call_service(run, activity)
        case ActivityType.SUB_PROCESS:
            return _start_sub_process(run, activity)
        case ActivityType.END:
            run.trace.append(ProcessCompleted(activity.key))
            return run.at(activity.key, _COMPLETED)
    assert_never(kind)


def _run_script(run: _Run, activity: Activity) -> ProcessPosition | CompiledTransition | None:
    call = activity.script
    if call is None:
        return _fail(run, activity, f"script task '{activity.key}' names no script", activity.error_code)
    script = run.context.scripts.get(call.script)
    error_code = activity.error_code
    if script is None:
        message = f"script '{call.script}' is not registered"
    else:
        context = ScriptContext(
            run.snapshot, call.parameters, run.context.now, activity.key, run.context.dynamic_field_labels
        )
        try:
            effects = tuple(script.run(context))
        except ScriptError as error:
            message, error_code = error.message, error.error_code or activity.error_code
        except Exception as error:  # a plugin's bug is recorded like any failure, never raised
            message = f"crashed: {type(error).__name__}: {error}"
        else:
            run.apply(effects)
            run.trace.append(ScriptRan(activity.key, call.script, effects))
            return None
    run.trace.append(ScriptFailed(activity.key, call.script, message, error_code))
    return _fail(run, activity, f"script '{call.script}' failed: {message}", error_code)


def _call_service(run: _Run, activity: Activity) -> ProcessPosition | CompiledTransition:
    service = activity.service
    if service is None:
        return _fail(
            run, activity, f"service task '{activity.key}' names no web service", activity.error_code
        )
    snapshot, labels = run.snapshot, run.context.dynamic_field_labels
    parameters = {key: render_text(value, snapshot, labels) for key, value in service.parameters.items()}
    effect = CallWebService(
        activity.key, service.web_service, service.invoker, parameters, service.timeout, activity.error_code
    )
    run.effects.append(effect)
    run.trace.append(JobQueued(activity.key, _KIND_SERVICE, (effect,)))
    return run.at(activity.key, _WAITING)


def _start_sub_process(run: _Run, activity: Activity) -> ProcessPosition | CompiledTransition:
    call = activity.sub_process
    if call is None:
        return _fail(run, activity, f"sub-process '{activity.key}' names no process", activity.error_code)
    values: dict[str, Value] = {}
    for child_field, parent_field in call.fields_in.items():
        value = run.snapshot.value(parent_field)
        if value is not None:
            values[child_field] = value
    effect = StartSubProcess(activity.key, call.process_key, call.version, values)
    run.effects.append(effect)
    run.trace.append(JobQueued(activity.key, _KIND_SUB_PROCESS, (effect,)))
    return run.at(activity.key, _WAITING)
