"""Test Mode's core: run a process against a ticket given as data, recording what *would* happen.

Pure: the engine steps on an in-memory snapshot; dialog submissions, web-service answers and
sub-process results come from the scenario. Nothing is written or sent — effects are only listed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ticketflow.domain.catalog import Catalog
from ticketflow.domain.definitions import ActivityType, Interface, Process, ProcessState
from ticketflow.domain.dialogs import Submission as DialogSubmission
from ticketflow.domain.dialogs import apply_submission, available_dialogs
from ticketflow.domain.effects import Effect, SetValue, describe_effect
from ticketflow.domain.engine import (
    CompiledProcess,
    EngineContext,
    Event,
    ServiceTaskCompleted,
    ServiceTaskFailed,
    Started,
    Step,
    SubProcessCompleted,
    TicketChanged,
    advance,
)
from ticketflow.domain.errors import InvalidInputError
from ticketflow.domain.positions import PositionStatus, ProcessPosition
from ticketflow.domain.tickets import TicketSnapshot, Value
from ticketflow.domain.trace import ActionFailed, Moved, TraceEntry, trace_to_dict

# A scenario that feeds a looping process (a service answer that leads back to the same service task)
# would run forever; no real scenario needs more steps than this.
MAX_STEPS = 500


@dataclass(frozen=True, slots=True)
class Submission:
    """A dialog the scenario submits, as the given interface."""

    dialog: str
    fields: Mapping[str, str | Sequence[str]]
    interface: Interface = Interface.AGENT


@dataclass(frozen=True, slots=True)
class ServiceResult:
    """What a service task's web service answers in the scenario: mapped values, or a failure."""

    values: Mapping[str, Value] = field(default_factory=dict)
    error_code: str | None = None
    message: str = ""


@dataclass(frozen=True, slots=True)
class Scenario:
    submissions: tuple[Submission, ...] = ()
    service_results: Mapping[str, ServiceResult] = field(default_factory=dict)
    sub_process_results: Mapping[str, Mapping[str, Value]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class SimulatedStep:
    """One engine step of the run: what caused it, what the engine checked and decided.

    ``dialog_effects`` are what the submitted dialog itself wrote (its fields and article) before the
    engine ran; ``effects`` are the engine's (actions, scripts, jobs). ``snapshot`` is the ticket after
    the step: what the step's e-mails would be rendered from (the worker renders them after it)."""

    cause: str
    position: ProcessPosition
    trace: tuple[TraceEntry, ...]
    effects: tuple[Effect, ...]
    dialog_effects: tuple[Effect, ...] = ()
    snapshot: TicketSnapshot | None = None


@dataclass(frozen=True, slots=True)
class SimulationReport:
    steps: tuple[SimulatedStep, ...]
    path: tuple[str, ...]
    final_position: ProcessPosition
    final_data: Mapping[str, Value]
    stopped_because: str

    def effects(self) -> tuple[Effect, ...]:
        return tuple(effect for step in self.steps for effect in step.effects)

    def to_dict(self) -> dict[str, Any]:
        """The machine-readable report (``process test --json``; documented in docs/process-format.md)."""
        return {
            "path": list(self.path),
            "final": {
                "activity": self.final_position.activity_key,
                "status": self.final_position.status.value,
                "failure": self.final_position.failure,
                "ticket": {
                    k: list(v) if isinstance(v, tuple) else v for k, v in sorted(self.final_data.items())
                },
            },
            "stopped_because": self.stopped_because,
            "steps": [
                {
                    "cause": step.cause,
                    "activity": step.position.activity_key,
                    "status": step.position.status.value,
                    "trace": [{**trace_to_dict(entry), "text": entry.describe()} for entry in step.trace],
                    "dialog_effects": [describe_effect(effect) for effect in step.dialog_effects],
                    "effects": [describe_effect(effect) for effect in step.effects],
                }
                for step in self.steps
            ],
            "effects": [describe_effect(effect) for effect in self.effects()],
        }


@dataclass(frozen=True, slots=True)
class Expectation:
    """What a saved scenario expects at the end of its run: the activity the ticket stands in and,
    optionally, some ticket values (OTOBO attribute names or ``DynamicField_<Name>``)."""

    activity: str
    values: Mapping[str, Value] = field(default_factory=dict)


def differences(report: SimulationReport, expected: Expectation) -> tuple[str, ...]:
    """What differs between the run's end and ``expected``, one readable sentence each (empty: passed)."""
    found: list[str] = []
    final = report.final_position
    if final.activity_key != expected.activity:
        found.append(
            f"ended at '{final.activity_key}' ({final.status.value}: {report.stopped_because}), "
            f"expected '{expected.activity}'"
        )
    for key, value in sorted(expected.values.items()):
        actual = report.final_data.get(key)
        if actual != value:
            found.append(f"{key} is {_shown(actual)}, expected {_shown(value)}")
    return tuple(found)


def _shown(value: Value | None) -> str:
    if value is None:
        return "empty"
    if isinstance(value, tuple):
        return "[" + ", ".join(f"'{item}'" for item in value) + "]"
    return f"'{value}'"


def simulate(
    compiled: CompiledProcess,
    version: int,
    snapshot: TicketSnapshot,
    scenario: Scenario,
    catalog: Catalog,
    context: EngineContext,
) -> SimulationReport:
    """Start the process for ``snapshot`` and play the scenario until it runs out or the process ends.

    A scenario that begins with the start dialog starts the process with it: in OTOBO that dialog
    creates the ticket, and only then are the start activity's transitions checked (reference §3.1).
    """
    process = compiled.version.process
    position = ProcessPosition(process.key, version, process.start_activity)
    run = _Run(compiled, context, snapshot, position)
    pending = list(scenario.submissions)
    cause = "start"
    start_dialog = process.start_dialog
    if pending and start_dialog is not None and pending[0].dialog == start_dialog.key:
        first = pending.pop(0)
        dialog_effects = run.apply(_submit(process, run.position, first, catalog))
        cause = f"start dialog '{start_dialog.key}' submitted"
    else:
        dialog_effects = ()
    run.step(Started(), cause, dialog_effects)
    while len(run.steps) < MAX_STEPS:
        reason = run.unblock(scenario) if run.position.status is PositionStatus.WAITING else None
        if reason:
            return run.report(reason)
        if run.position.status is not PositionStatus.ACTIVE:
            return run.report(f"the process is {run.position.status.value}")
        if not pending:
            return run.report("no more dialog submissions in the scenario")
        submission = pending.pop(0)
        dialog_effects = run.apply(_submit(process, run.position, submission, catalog))
        run.step(TicketChanged(), f"dialog '{submission.dialog}' submitted", dialog_effects)
    return run.report(f"stopped after {MAX_STEPS} steps: the scenario keeps the process looping")


def _submit(
    process: Process, position: ProcessPosition, submission: Submission, catalog: Catalog
) -> DialogSubmission:
    """What submitting the scenario's dialog at ``position`` writes (InvalidInputError if not offered)."""
    dialogs = available_dialogs(process, position, submission.interface)
    dialog = next((d for d in dialogs if d.key == submission.dialog), None)
    if dialog is None:
        offered = ", ".join(d.key for d in dialogs) or (
            f"none: the process is {process.state.value}"
            if process.state is not ProcessState.ACTIVE
            else "none"
        )
        raise InvalidInputError(
            f"dialog '{submission.dialog}' is not offered at activity '{position.activity_key}' "
            f"(offered: {offered})",
            field="submissions",
        )
    return apply_submission(dialog, submission.fields, catalog, submission.interface, new_ticket=False)


class _Run:
    """The mutable state of one simulation: where the ticket is and what happened so far."""

    def __init__(
        self,
        compiled: CompiledProcess,
        context: EngineContext,
        snapshot: TicketSnapshot,
        position: ProcessPosition,
    ) -> None:
        self.compiled = compiled
        self.context = context
        self.snapshot = snapshot
        self.position = position
        self.steps: list[SimulatedStep] = []
        self.path: list[str] = [position.activity_key]

    def step(self, event: Event, cause: str, dialog_effects: tuple[Effect, ...] = ()) -> Step:
        """One engine step; ``dialog_effects`` are what the submitted dialog itself wrote."""
        result = advance(self.compiled, self.position, self.snapshot, event, self.context)
        self.steps.append(
            SimulatedStep(
                cause, result.position, result.trace, result.effects, dialog_effects, result.snapshot
            )
        )
        self._extend_path(result.trace)
        self.position, self.snapshot = result.position, result.snapshot
        return result

    def apply(self, submission: DialogSubmission) -> tuple[Effect, ...]:
        """Write a dialog's values; a new State brings its type along, as the ticket store does.
        Returns what the dialog wrote, as effects (its field changes and its article)."""
        written: list[Effect] = [
            SetValue(key, value)
            for key, value in submission.values.items()
            if self.snapshot.value(key) != value
        ]
        if submission.article is not None:
            written.append(submission.article)
        for key, value in submission.values.items():
            self.snapshot = self.snapshot.with_value(key, value)
            state_type = (
                self.context.state_types.get(value) if key == "State" and isinstance(value, str) else None
            )
            if state_type is not None:
                self.snapshot = self.snapshot.with_value("StateType", state_type)
        return tuple(written)

    def _extend_path(self, trace: Sequence[TraceEntry]) -> None:
        for entry in trace:
            if isinstance(entry, Moved):
                self.path.append(entry.target)
            elif isinstance(entry, ActionFailed):
                self.path.pop()  # the move it belonged to was undone: the ticket stayed at the source

    def unblock(self, scenario: Scenario) -> str | None:
        """Feed the scenario's answer to a waiting activity; the reason to stop if there is none."""
        activity = self.compiled.version.process.find_activity(self.position.activity_key)
        key = self.position.activity_key
        if activity is not None and activity.type is ActivityType.SUB_PROCESS:
            if key not in scenario.sub_process_results:
                return f"waiting for sub-process at '{key}' (no result for it in the scenario)"
            self.step(
                SubProcessCompleted(scenario.sub_process_results[key]), f"sub-process '{key}' completed"
            )
            return None
        if key not in scenario.service_results:
            return f"waiting for the web service of '{key}' (no answer for it in the scenario)"
        result = scenario.service_results[key]
        if result.error_code is not None or result.message:
            self.step(
                ServiceTaskFailed(result.message or "failed", result.error_code), f"service '{key}' failed"
            )
        else:
            self.step(ServiceTaskCompleted(result.values), f"service '{key}' answered")
        return None

    def report(self, reason: str) -> SimulationReport:
        return SimulationReport(
            tuple(self.steps), tuple(self.path), self.position, self.snapshot.data(), reason
        )
