"""Test Mode's core: run a process against a ticket given as data, recording what *would* happen.

Pure: the engine steps on an in-memory snapshot; dialog submissions, web-service answers and
sub-process results come from the scenario. Nothing is written or sent — effects are only listed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ticketflow.domain.catalog import Catalog
from ticketflow.domain.definitions import ActivityType, Interface
from ticketflow.domain.dialogs import apply_submission, available_dialogs
from ticketflow.domain.effects import Effect, describe_effect
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
from ticketflow.domain.trace import Moved, TraceEntry, trace_to_dict

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
    """One engine step of the run: what caused it, what the engine checked and decided."""

    cause: str
    position: ProcessPosition
    trace: tuple[TraceEntry, ...]
    effects: tuple[Effect, ...]


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
                    "effects": [describe_effect(effect) for effect in step.effects],
                }
                for step in self.steps
            ],
            "effects": [describe_effect(effect) for effect in self.effects()],
        }


def simulate(
    compiled: CompiledProcess,
    version: int,
    snapshot: TicketSnapshot,
    scenario: Scenario,
    catalog: Catalog,
    context: EngineContext,
) -> SimulationReport:
    """Start the process for ``snapshot`` and play the scenario until it runs out or the process ends."""
    process = compiled.version.process
    position = ProcessPosition(process.key, version, process.start_activity)
    run = _Run(compiled, context, snapshot, position)
    run.step(Started(), "start")
    pending = list(scenario.submissions)
    while len(run.steps) < MAX_STEPS:
        reason = run.unblock(scenario) if run.position.status is PositionStatus.WAITING else None
        if reason:
            return run.report(reason)
        if run.position.status is not PositionStatus.ACTIVE:
            return run.report(f"the process is {run.position.status.value}")
        if not pending:
            return run.report("no more dialog submissions in the scenario")
        submission = pending.pop(0)
        dialogs = available_dialogs(process, run.position, submission.interface)
        dialog = next((d for d in dialogs if d.key == submission.dialog), None)
        if dialog is None:
            offered = ", ".join(d.key for d in dialogs) or "none"
            raise InvalidInputError(
                f"dialog '{submission.dialog}' is not offered at activity '{run.position.activity_key}' "
                f"(offered: {offered})",
                field="submissions",
            )
        applied = apply_submission(dialog, submission.fields, catalog, submission.interface, new_ticket=False)
        for key, value in applied.values.items():
            run.snapshot = run.snapshot.with_value(key, value)
        run.step(TicketChanged(), f"dialog '{dialog.key}' submitted")
    return run.report(f"stopped after {MAX_STEPS} steps: the scenario keeps the process looping")


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

    def step(self, event: Event, cause: str) -> Step:
        result = advance(self.compiled, self.position, self.snapshot, event, self.context)
        self.steps.append(SimulatedStep(cause, result.position, result.trace, result.effects))
        self._extend_path(result.trace)
        self.position, self.snapshot = result.position, result.snapshot
        return result

    def _extend_path(self, trace: Sequence[TraceEntry]) -> None:
        self.path.extend(entry.target for entry in trace if isinstance(entry, Moved))

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
