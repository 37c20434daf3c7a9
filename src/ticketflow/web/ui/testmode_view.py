"""What the Test Mode page shows of a run: the diagram with the path lit, each step with the
would-be effects in words, the dialogs offered where the test ticket stands (as real dialog forms),
and the values that changed (candidates for a scenario's expectation).

The run itself travels in the page as JSON (``run``): the starting ticket, the submissions so far
and the canned answers. Each request replays it from the start — a run is pure and cheap — so the
server keeps no Test Mode state at all."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ticketflow.domain.catalog import Catalog
from ticketflow.domain.definitions import (
    ActivityDialog,
    ActivityType,
    DialogField,
    FieldDisplay,
    Interface,
    Process,
)
from ticketflow.domain.dialogs import ARTICLE, available_dialogs
from ticketflow.domain.effects import (
    AddArticle,
    CallWebService,
    Effect,
    SendNotification,
    describe_effect,
)
from ticketflow.domain.errors import Problem
from ticketflow.domain.positions import PositionStatus
from ticketflow.domain.simulation import SimulatedStep, SimulationReport
from ticketflow.domain.tickets import DYNAMIC_FIELD_PREFIX, Value
from ticketflow.domain.trace import Moved
from ticketflow.usecases.test_inputs import DEFAULT_TICKET, TestInput, input_document, starting_snapshot
from ticketflow.usecases.testmode_outbound import Outbound, Rendered, outbound_detail
from ticketflow.web.ui.diagram import Diagram, process_diagram
from ticketflow.web.ui.forms import DialogForm, Submitted, dialog_form

# The sample-ticket form: these attributes, then every dynamic field the process's dialogs use.
_START_ATTRIBUTES = ("Title", "Queue", "State", "Priority", "CustomerUserID")


@dataclass(frozen=True, slots=True)
class EffectLine:
    """One would-be effect in words; ``detail`` is what it would carry (an e-mail's text)."""

    text: str
    detail: str = ""


@dataclass(frozen=True, slots=True)
class StepView:
    number: int
    cause: str
    activity: str
    status: str
    effects: tuple[EffectLine, ...]
    checks: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class OfferedDialog:
    form: DialogForm
    interface: str  # who submits it in the test: agent or customer


@dataclass(frozen=True, slots=True)
class RunView:
    """A replayed run, ready for the template."""

    report: SimulationReport
    diagram: Diagram
    steps: tuple[StepView, ...]
    dialogs: tuple[OfferedDialog, ...]
    waiting_for: str | None  # "service" or "sub-process" when the ticket waits for an answer
    changed: tuple[tuple[str, str], ...]  # (name, value as text) that differ from the start
    run_json: str
    # Changed values a later rerun would compute differently (dates from scripts): never expected.
    clock_dependent: frozenset[str] = frozenset()

    @property
    def expectable(self) -> tuple[tuple[str, str], ...]:
        return tuple((name, value) for name, value in self.changed if name not in self.clock_dependent)

    @property
    def final_activity(self) -> str:
        return self.report.final_position.activity_key


def sample_ticket_dialog(process: Process) -> ActivityDialog:
    """A dialog that is not in the process: its form is the sample ticket a test starts from."""
    used = sorted(
        {
            f.name
            for activity in process.activities
            for dialog in activity.dialogs
            for f in dialog.fields
            if f.name.startswith(DYNAMIC_FIELD_PREFIX)
        }
    )
    fields = tuple(DialogField(name) for name in (*_START_ATTRIBUTES, *used))
    return ActivityDialog(
        "sample-ticket", "Sample ticket", fields=fields, submit_button_text="Start the test"
    )


def sample_ticket_form(process: Process, catalog: Catalog) -> DialogForm:
    return dialog_form(sample_ticket_dialog(process), catalog, submitted=dict(DEFAULT_TICKET))


def sample_ticket_values(submitted: Submitted) -> dict[str, Value]:
    """The filled-in fields of the sample-ticket form (empty ones keep OTOBO's defaults)."""
    values: dict[str, Value] = {}
    for name, value in submitted.items():
        if isinstance(value, str):
            if value.strip():
                values[name] = value.strip()
        elif value:
            values[name] = tuple(value)
    return values


def run_view(
    process: Process,
    catalog: Catalog,
    test_input: TestInput,
    report: SimulationReport,
    *,
    outbound: Rendered | None = None,
    failed_dialog: tuple[str, Submitted, Sequence[Problem]] | None = None,
    later: SimulationReport | None = None,
) -> RunView:
    """The page's picture of ``report``: ``outbound`` are its e-mails and service requests rendered
    (by step and effect index); ``failed_dialog`` re-renders a refused step with its errors;
    ``later`` is the same run replayed at a later time, to tell which values depend on the clock."""
    start = starting_snapshot(None, test_input.ticket, catalog.states).data()
    changed = tuple(
        (key, _text(value))
        for key, value in sorted(report.final_data.items())
        if start.get(key) != value and key != "StateType"
    )
    rendered = outbound or {}
    return RunView(
        report,
        _diagram(process, report),
        tuple(
            _step(index + 1, step, {j: m for (i, j), m in rendered.items() if i == index})
            for index, step in enumerate(report.steps)
        ),
        _offered(process, catalog, report, failed_dialog),
        _waiting_for(process, report),
        changed,
        json.dumps(input_document(test_input), ensure_ascii=False),
        frozenset(
            key
            for key, _ in changed
            if later is not None and later.final_data.get(key) != report.final_data.get(key)
        ),
    )


def _diagram(process: Process, report: SimulationReport) -> Diagram:
    """The path lit: every activity passed and every transition taken is ``visited``; where the
    ticket stands is ``current`` only, so the stylesheet shows it as the current one."""
    here = report.final_position.activity_key
    marks: dict[str, list[str]] = {key: ["visited"] for key in report.path if key != here}
    for step in report.steps:
        for entry in step.trace:
            if isinstance(entry, Moved):
                marks.setdefault(entry.transition, []).append("visited")
    return process_diagram(process, report.final_position.activity_key, marks=marks)


def _step(number: int, step: SimulatedStep, rendered: Mapping[int, Outbound]) -> StepView:
    effects = tuple(_line(e, "the dialog would ") for e in step.dialog_effects) + tuple(
        _line(e, "would ", rendered.get(index)) for index, e in enumerate(step.effects)
    )
    return StepView(
        number,
        step.cause,
        step.position.activity_key,
        step.position.status.value,
        effects,
        tuple(entry.describe() for entry in step.trace),
    )


def _line(effect: Effect, prefix: str, rendered: Outbound | None = None) -> EffectLine:
    text = prefix + describe_effect(effect)
    match effect:
        case SendNotification():
            return EffectLine(text + " — rendered, not sent", outbound_detail(effect, rendered))
        case CallWebService():
            return EffectLine(text + " — never called in Test Mode", outbound_detail(effect, rendered))
        case AddArticle():
            return EffectLine(text, effect.body)
        case _:
            return EffectLine(text)


def _offered(
    process: Process,
    catalog: Catalog,
    report: SimulationReport,
    failed: tuple[str, Submitted, Sequence[Problem]] | None,
) -> tuple[OfferedDialog, ...]:
    position = report.final_position
    if position.status is not PositionStatus.ACTIVE:
        return ()
    offered: dict[str, OfferedDialog] = {}
    for interface in (Interface.AGENT, Interface.CUSTOMER):
        for dialog in available_dialogs(process, position, interface):
            if dialog.key in offered:
                continue
            if failed is not None and failed[0] == dialog.key:
                form = dialog_form(dialog, catalog, submitted=failed[1], problems=failed[2])
            else:
                form = dialog_form(dialog, catalog, submitted=_current(dialog, report.final_data))
            offered[dialog.key] = OfferedDialog(form, interface.value)
    return tuple(offered.values())


def _current(dialog: ActivityDialog, data: Mapping[str, Value]) -> Submitted:
    """The form's values: the test ticket's, else the field default (as the real dialog page)."""
    values: Submitted = {}
    for spec in dialog.fields:
        if spec.name == ARTICLE or spec.display is FieldDisplay.HIDDEN:
            continue
        value = data.get(spec.name, spec.default)
        if value is not None:
            values[spec.name] = value if isinstance(value, str) else list(value)
    return values


def _waiting_for(process: Process, report: SimulationReport) -> str | None:
    position = report.final_position
    if position.status is not PositionStatus.WAITING:
        return None
    activity = process.find_activity(position.activity_key)
    if activity is not None and activity.type is ActivityType.SUB_PROCESS:
        return "sub-process"
    return "service"


def _text(value: Value) -> str:
    return value if isinstance(value, str) else ", ".join(value)


def parse_answer_lines(text: str) -> dict[str, str]:
    """``Name=value`` per line (a canned service answer or sub-process result); blank lines skipped.
    Returns the mapping; a line without ``=`` raises ValueError naming it."""
    values: dict[str, str] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        name, sep, value = line.partition("=")
        if not sep or not name.strip():
            raise ValueError(f"line {number} is not Name=value: '{line}'")
        values[name.strip()] = value.strip()
    return values
