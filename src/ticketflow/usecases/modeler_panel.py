"""Use cases of the modeler's side panel: one element's form (with every choice it offers), Apply
(the form checked, then the whole process validated, then saved as a new draft revision), and the
live check of a condition while it is typed.

Apply refuses what the form gets wrong (``modeler_build``) and the errors deploy would report on this
element (unknown fields, missing required parameters …), each keyed by the input it belongs to.
Problems of the process's shape (unreachable, no dialog yet) are not the panel's: deploy lists them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from ticketflow.domain.catalog import Catalog
from ticketflow.domain.condition_checks import check_condition
from ticketflow.domain.definitions import Activity, Process, Transition
from ticketflow.domain.dialogs import ARTICLE
from ticketflow.domain.errors import ConflictError, InvalidInputError, NotFoundError, Problem
from ticketflow.domain.expressions import parse_expression
from ticketflow.domain.formats.native_json import process_to_dict
from ticketflow.domain.parameters import Parameter
from ticketflow.domain.tickets import DYNAMIC_FIELD_PREFIX, READ_ONLY_ATTRIBUTES, SETTABLE_ATTRIBUTES
from ticketflow.domain.transition_actions import ACTIONS
from ticketflow.usecases.catalog_records import PERMISSION_KEYS
from ticketflow.usecases.modeler import stored_process
from ticketflow.usecases.modeler_build import Choices, PanelInputError, build_element
from ticketflow.usecases.modeler_inputs import ElementInput, activity_input, transition_input
from ticketflow.usecases.processes import UnitOfWorkFactory, check_process
from ticketflow.usecases.runtime import ProcessRuntime

# Problem fields that are about the process's shape, not about a value the panel edits.
_SHAPE_FIELDS = frozenset({None, "type", "source", "target"})


@dataclass(frozen=True, slots=True)
class Described:
    """A choice with its help: a script or a transition action module and its declared parameters."""

    name: str
    description: str
    parameters: tuple[Parameter, ...]


@dataclass(frozen=True, slots=True)
class FieldChoice:
    name: str
    label: str


@dataclass(frozen=True, slots=True)
class PanelOptions:
    """Everything the forms offer to choose from, read from the catalog and the registries."""

    dialog_fields: tuple[FieldChoice, ...]
    condition_fields: tuple[FieldChoice, ...]
    scripts: tuple[Described, ...]
    actions: tuple[Described, ...]
    web_services: Mapping[str, tuple[str, ...]]
    processes: tuple[str, ...]
    permissions: tuple[str, ...] = PERMISSION_KEYS

    def script(self, name: str) -> Described | None:
        return next((s for s in self.scripts if s.name == name), None)

    def action(self, name: str) -> Described | None:
        short = name.rpartition("::")[2]
        return next((a for a in self.actions if a.name == short), None)

    def choices(self) -> Choices:
        return Choices(
            scripts=frozenset(s.name for s in self.scripts),
            web_services={name: frozenset(invokers) for name, invokers in self.web_services.items()},
            actions=frozenset(a.name for a in self.actions) | frozenset(_long_names(self.actions)),
            processes=frozenset(self.processes),
        )


@dataclass(frozen=True, slots=True)
class PanelElement:
    """One element of the draft for the panel. ``activity`` and ``transition`` are both None for an
    element the draft does not have (the start event, or one not saved yet)."""

    key: str
    element_id: str
    revision: int
    process: Process
    activity: Activity | None
    transition: Transition | None

    def input(self) -> ElementInput:
        if self.activity is not None:
            return activity_input(self.activity)
        if self.transition is not None:
            return transition_input(self.transition)
        return ElementInput()


@dataclass(frozen=True, slots=True)
class AppliedElement:
    element: PanelElement
    warnings: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class ConditionCheck:
    """A condition as typed: ``error`` when it does not parse, else ``warnings`` (unknown fields …)."""

    error: str
    warnings: tuple[str, ...]


def panel_options(uow_factory: UnitOfWorkFactory, runtime: ProcessRuntime, now: datetime) -> PanelOptions:
    with uow_factory() as uow:
        catalog = runtime.catalog(uow, now)
        processes = tuple(sorted(summary.key for summary in uow.processes.list_processes()))
    return options_from(catalog, runtime, processes)


def options_from(catalog: Catalog, runtime: ProcessRuntime, processes: Iterable[str]) -> PanelOptions:
    fields = tuple(
        FieldChoice(f"{DYNAMIC_FIELD_PREFIX}{name}", f"{d.label} ({d.type.value})")
        for name, d in sorted(catalog.dynamic_fields.items())
    )
    attributes = tuple(FieldChoice(name, "ticket attribute") for name in SETTABLE_ATTRIBUTES)
    article = FieldChoice(ARTICLE, "a note (subject and text)")
    readable = tuple(FieldChoice(name, "read only") for name in READ_ONLY_ATTRIBUTES)
    return PanelOptions(
        dialog_fields=(*attributes, article, *fields),
        condition_fields=(*attributes, *readable, *fields),
        scripts=tuple(
            Described(s.name, s.description, s.parameters) for _, s in sorted(runtime.scripts.items())
        ),
        actions=tuple(Described(a.name, a.description, a.parameters) for _, a in sorted(ACTIONS.items())),
        web_services={
            name: tuple(sorted(invokers)) for name, invokers in sorted(catalog.web_services.items())
        },
        processes=tuple(processes),
    )


def open_element(uow_factory: UnitOfWorkFactory, key: str, element_id: str) -> PanelElement:
    with uow_factory() as uow:
        draft = uow.processes.find_draft(key)
    if draft is None:
        raise NotFoundError(f"process '{key}' does not exist")
    return _element(key, element_id, draft.revision, stored_process(draft))


def apply_element(
    uow_factory: UnitOfWorkFactory,
    runtime: ProcessRuntime,
    key: str,
    element_id: str,
    edit: ElementInput,
    *,
    options: PanelOptions,
    expected_revision: int,
    saved_by: str,
    now: datetime,
) -> AppliedElement:
    """Check ``edit`` and save it as a new draft revision (PanelInputError keyed by input; ConflictError
    when the draft was saved since ``expected_revision``)."""
    with uow_factory() as uow:
        draft = uow.processes.find_draft(key)
        if draft is None:
            raise NotFoundError(f"process '{key}' does not exist")
        if draft.revision != expected_revision:
            raise ConflictError(
                f"process '{key}' was saved by someone else meanwhile (revision {draft.revision}, this "
                f"panel started from {expected_revision}); nothing was saved: reload the draft"
            )
        edited = build_element(stored_process(draft), element_id, edit, options.choices())
        problems = check_process(edited, runtime.catalog(uow, now), runtime)
        blocking, warnings = _located(problems, edited, element_id)
        if blocking:
            raise PanelInputError(blocking)
        revision = uow.processes.save_draft(
            key, process_to_dict(edited), saved_by=saved_by, expected_revision=expected_revision
        )
        uow.commit()
    return AppliedElement(_element(key, element_id, revision, edited), warnings)


def check_condition_text(catalog: Catalog, runtime: ProcessRuntime, text: str) -> ConditionCheck:
    if not text.strip():
        return ConditionCheck("", ("empty: the transition always holds",))
    try:
        condition = parse_expression(text.strip())
    except InvalidInputError as error:
        message = error.message.removeprefix(f"{error.field}: ") if error.field else error.message
        return ConditionCheck(message, ())
    problems = check_condition("condition", condition, catalog, frozenset(runtime.validators))
    unknown = tuple(
        f"dynamic field '{match.field.removeprefix(DYNAMIC_FIELD_PREFIX)}' does not exist"
        for group in condition.groups
        for match in group.fields
        if match.field.startswith(DYNAMIC_FIELD_PREFIX)
        and match.field.removeprefix(DYNAMIC_FIELD_PREFIX) not in catalog.dynamic_fields
    )
    return ConditionCheck("", (*unknown, *(_message(p) for p in problems)))


def _element(key: str, element_id: str, revision: int, process: Process) -> PanelElement:
    activity = process.find_activity(element_id)
    transition = next((t for t in process.transitions if t.key == element_id), None)
    return PanelElement(key, element_id, revision, process, activity, transition)


def _located(
    problems: Iterable[Problem], process: Process, element_id: str
) -> tuple[dict[str, str], dict[str, str]]:
    """This element's problems as (errors, warnings), keyed by the panel input they concern."""
    errors: dict[str, str] = {}
    warnings: dict[str, str] = {}
    for problem in problems:
        name = _input_name(problem, process, element_id)
        if name is None:
            continue
        target = errors if problem.severity == "error" else warnings
        target.setdefault(name, _message(problem))
    return errors, warnings


def _input_name(problem: Problem, process: Process, element_id: str) -> str | None:
    kind, _, where = problem.element.partition(":")
    owner, _, part = where.partition("/")
    if owner != element_id:
        return None
    activity = process.find_activity(element_id)
    if kind == "dialog" and activity is not None:
        index = next((i for i, d in enumerate(activity.dialogs) if d.key == part), 0)
        fields = activity.dialogs[index].fields if activity.dialogs else ()
        row = next((j for j, f in enumerate(fields) if f.name == problem.field), None)
        return f"dialog-{index}-field-{row}" if row is not None else f"dialog-{index}"
    if kind == "action":
        transition = next((t for t in process.transitions if t.key == element_id), None)
        index = int(part) if part.isdigit() else 0
        if transition is None or index >= len(transition.actions):
            return f"action-{index}"
        if problem.field == "module":
            return f"action-{index}-module"
        keys = list(transition.actions[index].config)
        return (
            f"action-{index}-parameter-{keys.index(problem.field)}"
            if problem.field in keys
            else f"action-{index}"
        )
    if problem.field in _SHAPE_FIELDS:
        return None
    if kind == "transition":
        return "error_code" if problem.field == "error_code" else "condition"
    if kind == "activity" and activity is not None:
        return _activity_input(activity, problem.field or "")
    return None


def _activity_input(activity: Activity, field: str) -> str:
    if field in ("script", "web_service", "invoker", "error_code"):
        return field
    if field == "sub_process":
        return "process_key"
    call = activity.script or activity.service
    keys = list(call.parameters) if call is not None else []
    return f"parameter-{keys.index(field)}" if field in keys else "parameters"


def _message(problem: Problem) -> str:
    if problem.field and problem.field not in problem.message:
        return f"{problem.field}: {problem.message}"
    return problem.message


def _long_names(actions: Iterable[Described]) -> Iterable[str]:
    prefix = "Kernel::System::ProcessManagement::TransitionAction::"
    return (prefix + a.name for a in actions)
