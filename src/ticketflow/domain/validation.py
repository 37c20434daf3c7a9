"""Design-time validation of a process definition: every problem at once, each on its element.

OTOBO validates almost nothing: deploy checks neither the graph nor the names a definition uses
(reference §3.8), the import only the dialogs' dynamic fields (§5.2), and conditions fail lazily at
runtime, hiding later mistakes (§3.12 Q7, Q11). We check once, before deploy, and the runtime trusts
the result. A Problem with severity ``error`` blocks deploy; a ``warning`` is shown and allowed.

Elements are named ``process``, ``activity:<key>``, ``dialog:<activity>/<dialog>``,
``transition:<key>`` and ``action:<transition>/<index>`` (index 0-based, in execution order).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import replace
from typing import Protocol

from ticketflow.domain.catalog import Catalog
from ticketflow.domain.condition_checks import check_condition
from ticketflow.domain.definitions import Activity, ActivityType, Interface, Process
from ticketflow.domain.dialogs import check_dialog_definition
from ticketflow.domain.errors import Problem
from ticketflow.domain.field_values import LOCK_VALUES
from ticketflow.domain.parameters import Parameter
from ticketflow.domain.references import (
    action_module_name,
    collect_references,
    has_placeholder,
    missing_reference_usages,
)
from ticketflow.domain.tickets import Value

ERROR = "error"
WARNING = "warning"

# Every action accepts ``UserID`` (act as that user, §4) without declaring it.
_COMMON_ACTION_PARAMETERS = frozenset({"UserID"})
# DynamicFieldSet's keys are dynamic field names, checked as references instead (§4).
_FREE_KEY_MODULES = frozenset({"DynamicFieldSet"})
_FAILING_TYPES = frozenset({ActivityType.SCRIPT_TASK, ActivityType.SERVICE_TASK, ActivityType.SUB_PROCESS})


class HasParameters(Protocol):
    """What validation needs of a transition action module or a registered script."""

    @property
    def parameters(self) -> tuple[Parameter, ...]: ...


def validate(
    process: Process,
    catalog: Catalog,
    actions: Mapping[str, HasParameters],
    scripts: Mapping[str, HasParameters],
    validators: frozenset[str] = frozenset(),
) -> tuple[Problem, ...]:
    """Every problem of ``process`` against the names in ``catalog``, the action modules ``actions``
    and the registered ``scripts`` (both by name), and the condition ``validators`` (Module match).

    A script counts as existing when it is in ``catalog.scripts`` or in ``scripts``. Returns errors
    and warnings in a stable order; an empty result means the definition is clean.
    """
    catalog = replace(catalog, scripts=catalog.scripts | frozenset(scripts))
    return (
        *_check_start(process),
        *_check_duplicates(process),
        *_check_activities(process, catalog),
        *_check_transitions(process),
        *_check_graph(process),
        *_check_dialogs(process, catalog),
        *_check_conditions(process, catalog, validators),
        *_check_actions(process, actions, catalog),
        *_check_scripts(process, scripts),
        *missing_reference_usages(collect_references(process), catalog),
    )


def errors_only(problems: Iterable[Problem]) -> tuple[Problem, ...]:
    """The problems that block deploy."""
    return tuple(p for p in problems if p.severity == ERROR)


def has_errors(problems: Iterable[Problem]) -> bool:
    return any(p.severity == ERROR for p in problems)


def _check_start(process: Process) -> Iterator[Problem]:
    if process.find_activity(process.start_activity) is None:
        message = f"start activity '{process.start_activity}' does not exist"
        yield Problem("process", message, "start_activity")
        return
    if process.startable_by.admits(Interface.CUSTOMER):
        dialog = process.start_dialog
        if dialog is None or not dialog.interface.admits(Interface.CUSTOMER):
            message = "customers may start this process, but its start dialog is not visible to customers"
            yield Problem("process", message, "startable_by")


def _check_duplicates(process: Process) -> Iterator[Problem]:
    yield from _duplicates("activity", (a.key for a in process.activities), "process")
    yield from _duplicates("transition", (t.key for t in process.transitions), "process")
    for activity in process.activities:
        yield from _duplicates("dialog", (d.key for d in activity.dialogs), f"activity:{activity.key}")
    for transition in process.transitions:
        keys = (a.key for a in transition.actions)
        yield from _duplicates("transition action", keys, f"transition:{transition.key}")


def _duplicates(what: str, keys: Iterable[str], element: str) -> Iterator[Problem]:
    for key, count in Counter(keys).items():
        if count > 1:
            yield Problem(element, f"{what} key '{key}' is used {count} times")


def _check_activities(process: Process, catalog: Catalog) -> Iterator[Problem]:
    for activity in process.activities:
        element = f"activity:{activity.key}"
        missing = _missing_call(activity)
        if missing:
            yield Problem(element, missing, "type")
        yield from _check_pinned_version(activity, catalog)


def _missing_call(activity: Activity) -> str | None:
    match activity.type:
        case ActivityType.USER_TASK if not activity.dialogs:
            return "a user task needs at least one dialog"
        case ActivityType.SCRIPT_TASK if activity.script is None:
            return "a script task needs a script"
        case ActivityType.SERVICE_TASK if activity.service is None:
            return "a service task needs a web service call"
        case ActivityType.SUB_PROCESS if activity.sub_process is None:
            return "a sub-process activity needs a sub-process call"
        case _:
            return None


def _check_pinned_version(activity: Activity, catalog: Catalog) -> Iterator[Problem]:
    call = activity.sub_process
    if call is None or call.version is None or call.process_key not in catalog.processes:
        return
    if call.version not in catalog.processes[call.process_key]:
        message = f"process '{call.process_key}' has no deployed version {call.version}"
        yield Problem(f"activity:{activity.key}", message, "sub_process")


def _check_transitions(process: Process) -> Iterator[Problem]:
    for transition in process.transitions:
        element = f"transition:{transition.key}"
        source = process.find_activity(transition.source)
        if source is None:
            yield Problem(element, f"source activity '{transition.source}' does not exist", "source")
        elif source.type is ActivityType.END:
            yield Problem(element, f"leaves the end activity '{source.key}'", "source")
        if process.find_activity(transition.target) is None:
            yield Problem(element, f"target activity '{transition.target}' does not exist", "target")
        if source is not None and transition.error_code is not None:
            yield from _check_error_code(element, source, transition.error_code)


def _check_error_code(element: str, source: Activity, code: str) -> Iterator[Problem]:
    """An error transition only fires when its source fails with its code (``*``: any code)."""
    if source.type not in _FAILING_TYPES:
        message = f"handles error '{code}', but a {source.type.value} activity never fails"
    elif code not in ("*", source.error_code):
        raised = f"'{source.error_code}'" if source.error_code else "no error code"
        message = f"handles error '{code}', but '{source.key}' raises {raised}"
    else:
        return
    yield Problem(element, message, "error_code", WARNING)


def _check_graph(process: Process) -> Iterator[Problem]:
    """Every activity reachable from the start, and an end reachable from every activity."""
    keys = {a.key for a in process.activities}
    edges = [(t.source, t.target) for t in process.transitions if t.source in keys and t.target in keys]
    if process.start_activity in keys:
        reached = _closure({process.start_activity}, edges)
        for activity in process.activities:
            if activity.key not in reached:
                message = "is not reachable from the start activity"
                yield Problem(f"activity:{activity.key}", message)
    ends = {a.key for a in process.activities if a.type is ActivityType.END}
    if not ends:
        yield Problem("process", "has no end activity")
        return
    finishing = _closure(ends, [(target, source) for source, target in edges])
    for activity in process.activities:
        if activity.key not in finishing:
            yield Problem(f"activity:{activity.key}", "no end activity can be reached from here")


def _closure(start: set[str], edges: list[tuple[str, str]]) -> set[str]:
    seen = set(start)
    todo = list(start)
    while todo:
        current = todo.pop()
        for source, target in edges:
            if source == current and target not in seen:
                seen.add(target)
                todo.append(target)
    return seen


def _check_dialogs(process: Process, catalog: Catalog) -> Iterator[Problem]:
    for activity in process.activities:
        for dialog in activity.dialogs:
            yield from check_dialog_definition(f"dialog:{activity.key}/{dialog.key}", dialog, catalog)


def _check_conditions(process: Process, catalog: Catalog, validators: frozenset[str]) -> Iterator[Problem]:
    for transition in process.transitions:
        if transition.condition is not None:
            yield from check_condition(
                f"transition:{transition.key}", transition.condition, catalog, validators
            )


def _check_actions(
    process: Process, actions: Mapping[str, HasParameters], catalog: Catalog
) -> Iterator[Problem]:
    for transition in process.transitions:
        for index, action in enumerate(transition.actions):
            element = f"action:{transition.key}/{index}"
            module = action_module_name(action.module)
            spec = actions.get(module)
            if spec is None:
                yield Problem(element, f"unknown transition action module '{action.module}'", "module")
                continue
            free = module in _FREE_KEY_MODULES
            yield from _check_parameters(element, action.config, spec.parameters, free_keys=free)
            yield from _check_lock_value(element, action.config)
            yield from _check_action_version(element, action.config, catalog)


def _check_scripts(process: Process, scripts: Mapping[str, HasParameters]) -> Iterator[Problem]:
    for activity in process.activities:
        call = activity.script
        spec = scripts.get(call.script) if call is not None else None
        if call is not None and spec is not None:
            yield from _check_parameters(f"activity:{activity.key}", call.parameters, spec.parameters)


def _check_parameters(
    element: str,
    config: Mapping[str, Value],
    parameters: tuple[Parameter, ...],
    *,
    free_keys: bool = False,
) -> Iterator[Problem]:
    """Required parameters present; undeclared keys warned about. A declared name with a ``<…>``
    part (``DynamicField_<Name>``) stands for every key of that shape."""
    patterns = [_parameter_pattern(p.name) for p in parameters]
    for parameter, pattern in zip(parameters, patterns, strict=True):
        # A required pattern (``<ticket-data name>``) needs at least one key of its shape.
        if parameter.required and not any(pattern.fullmatch(key) for key in config):
            yield Problem(element, f"required parameter '{parameter.name}' is missing", parameter.name)
    if free_keys:
        return
    for key in config:
        if key not in _COMMON_ACTION_PARAMETERS and not any(p.fullmatch(key) for p in patterns):
            yield Problem(element, f"unknown parameter '{key}'", key, WARNING)


def _parameter_pattern(name: str) -> re.Pattern[str]:
    parts = re.split(r"<[^>]*>", name)
    return re.compile(".+".join(re.escape(part) for part in parts))


def _check_lock_value(element: str, config: Mapping[str, Value]) -> Iterator[Problem]:
    lock = config.get("Lock")
    if isinstance(lock, str) and not has_placeholder(lock) and lock not in LOCK_VALUES:
        yield Problem(element, f"'{lock}' is not lock, unlock or tmp_lock", "Lock")


def _check_action_version(element: str, config: Mapping[str, Value], catalog: Catalog) -> Iterator[Problem]:
    """StartSubProcess may pin ``Version``: it must be a deployed version of ``Process``."""
    process_key, version = config.get("Process"), config.get("Version")
    if not isinstance(process_key, str) or not isinstance(version, str) or not version.strip():
        return
    if has_placeholder(version) or process_key not in catalog.processes:
        return
    if not version.strip().isdigit() or int(version) not in catalog.processes[process_key]:
        yield Problem(
            element, f"process '{process_key}' has no deployed version {version.strip()}", "Version"
        )
