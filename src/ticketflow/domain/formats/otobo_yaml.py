"""OTOBO's process export (the five-key YAML document, reference §5) ⇄ Process.

The input is the already-parsed document (a dict): the domain reads no YAML. Parse with
``yaml.BaseLoader`` to see the text exactly as OTOBO does; ``yaml.safe_load`` works too, and the
importer warns where it turned ``yes``/``no`` into booleans.

Mapping decisions (documented in ``docs/process-format.md``):

* the process key is a slug of its Name; OTOBO EntityIDs stay the keys of activities, dialogs,
  transitions and actions, so that an export can reuse them;
* OTOBO activities have no type (§2.2): one without outgoing Path edges is an ``end``, every other
  one a ``user_task``;
* each Path edge becomes one Transition (OTOBO's target is a property of the edge, §2.6); a
  TransitionEntityID used on several edges gets the key ``<id>@<source activity>`` on each of them;
* the outgoing transitions of an activity are listed in OTOBO's check order, the string order of
  their TransitionEntityIDs (§3.3 step 4, Q6).

Everything OTOBO's own import refuses or that cannot be represented is a Problem and the import raises
``ImportRefusedError`` listing all of them; oddities that still import are warnings. Whether queues,
states or dynamic fields exist is the prerequisite check's job (``OtoboImport.dynamic_fields``).
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from ticketflow.domain.definitions import (
    Activity,
    ActivityDialog,
    ActivityType,
    Interface,
    Position,
    Process,
    ProcessState,
    Transition,
    TransitionAction,
)
from ticketflow.domain.errors import ImportRefusedError, Problem
from ticketflow.domain.formats.otobo_actions import action_from_otobo
from ticketflow.domain.formats.otobo_conditions import condition_from_otobo
from ticketflow.domain.formats.otobo_dialogs import dialog_from_otobo
from ticketflow.domain.formats.otobo_export import OtoboExport, process_to_otobo
from ticketflow.domain.formats.otobo_reading import Report, mapping, text, texts
from ticketflow.domain.tickets import DYNAMIC_FIELD_PREFIX

__all__ = ["OtoboExport", "OtoboImport", "process_from_otobo", "process_to_otobo", "slug"]

SECTIONS = ("Process", "Activities", "ActivityDialogs", "Transitions", "TransitionActions")
_STATES = {"S1": ProcessState.ACTIVE, "S2": ProcessState.INACTIVE, "S3": ProcessState.FADE_AWAY}
Section = Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class OtoboImport:
    """An imported process with what the importer noticed.

    ``entity_id`` is the OTOBO Process EntityID (pass it to ``process_to_otobo`` to export under the
    same id); ``dynamic_fields`` are the dynamic-field names (without ``DynamicField_``) the dialogs use,
    which must exist before the import is accepted (OTOBO's import rule, reference §5.2 step 2).
    """

    process: Process
    warnings: tuple[Problem, ...]
    entity_id: str
    dynamic_fields: tuple[str, ...]


def slug(name: str) -> str:
    """Lowercase ASCII words of ``name`` joined by ``-``.

    ``Service Operation::Incident Management`` → ``service-operation-incident-management``.
    """
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")


def process_from_otobo(document: Mapping[str, Any]) -> OtoboImport:
    """The Process of a parsed OTOBO export; ``ImportRefusedError`` lists every structural problem."""
    report = Report()
    sections = _sections(document, report)
    if report.problems:
        raise ImportRefusedError(report.problems, "the OTOBO export cannot be read")
    reader = _Reader(sections, report)
    process = reader.process()
    if report.problems:
        raise ImportRefusedError(report.problems, "the OTOBO export cannot be imported")
    return OtoboImport(
        process=process,
        warnings=tuple(report.warnings),
        entity_id=reader.entity_id,
        dynamic_fields=_dynamic_fields(process),
    )


def _sections(document: object, report: Report) -> dict[str, Section]:
    root = mapping(document) if isinstance(document, Mapping) else None
    if root is None:
        report.problem("document", None, "must be a map with the keys " + ", ".join(SECTIONS))
        return {}
    sections: dict[str, Section] = {}
    for name in SECTIONS:
        section = mapping(root.get(name))
        if section is None:
            report.problem("document", name, "must be a map")
        sections[name] = section or {}
    if not sections.get("Process"):
        report.problem("document", "Process", "is missing: this is not an OTOBO process export")
    for key in root:
        if key not in SECTIONS:
            report.warn("document", key, "is not part of an OTOBO process export; ignored")
    return sections


def _dynamic_fields(process: Process) -> tuple[str, ...]:
    names = {
        field.name.removeprefix(DYNAMIC_FIELD_PREFIX)
        for activity in process.activities
        for dialog in activity.dialogs
        for field in dialog.fields
        if field.name.startswith(DYNAMIC_FIELD_PREFIX)
    }
    return tuple(sorted(names))


class _Reader:
    """Reads one export; every method reports instead of raising, so all problems are found."""

    def __init__(self, sections: Mapping[str, Section], report: Report) -> None:
        self.report = report
        self.raw = sections["Process"]
        self.activities = sections["Activities"]
        self.dialogs = sections["ActivityDialogs"]
        self.transitions = sections["Transitions"]
        self.actions = sections["TransitionActions"]
        self.config = self._map(self.raw.get("Config"), "process", "Config")
        self.path = self._path()
        self.entity_id = text(self.raw.get("EntityID"), report, "process", "EntityID")
        self._dialog_cache: dict[str, ActivityDialog] = {}
        self._action_cache: dict[str, TransitionAction] = {}

    def _map(self, value: object, element: str, field: str | None) -> Section:
        result = mapping(value)
        if result is None:
            self.report.problem(element, field, "must be a map")
        return result or {}

    def _path(self) -> dict[str, Section]:
        path = self._map(self.config.get("Path"), "process", "Config.Path")
        return {a: self._map(edges, f"activity:{a}", "Config.Path") for a, edges in path.items()}

    def process(self) -> Process:
        name = text(self.raw.get("Name"), self.report, "process", "Name")
        if not name:
            self.report.problem("process", "Name", "must not be empty")
        self._check_listed()
        activities = self._activities()
        transitions = self._all_transitions()
        start = self._start_activity(activities)
        activities, startable_by = self._start_dialog(activities, start)
        return Process(
            key=slug(name) or slug(self.entity_id) or "process",
            name=name,
            start_activity=start,
            activities=activities,
            transitions=transitions,
            description=text(self.config.get("Description"), self.report, "process", "Config.Description"),
            state=self._state(),
            startable_by=startable_by,
            layout=self._layout({a.key for a in activities}),
        )

    def _check_listed(self) -> None:
        """OTOBO's own import check (reference §5.2 step 3): every listed entity is present."""
        listed = (
            ("Activities", self.activities),
            ("Transitions", self.transitions),
            ("TransitionActions", self.actions),
        )
        for field, section in listed:
            for entity_id in texts(self.raw.get(field), self.report, "process", field):
                if entity_id not in section:
                    self.report.problem(
                        "process", field, f"lists {entity_id}, which the export does not contain"
                    )

    def _activity_ids(self) -> list[str]:
        # Every activity is a Path key (§2.6); a target that is not one is an end activity too (§3.3 step 3).
        ids = list(self.path)
        for edges in self.path.values():
            for edge in edges.values():
                target = mapping(edge) or {}
                target_id = target.get("ActivityEntityID")
                if isinstance(target_id, str) and target_id and target_id not in ids:
                    ids.append(target_id)
        return ids

    def _activities(self) -> tuple[Activity, ...]:
        return tuple(self._activity(a) for a in self._activity_ids())

    def _activity(self, activity_id: str) -> Activity:
        element = f"activity:{activity_id}"
        kind = ActivityType.USER_TASK if self.path.get(activity_id) else ActivityType.END
        if activity_id not in self.activities:
            self.report.problem(element, None, "is used in Config.Path but missing from Activities")
            return Activity(key=activity_id, name=activity_id, type=kind)
        entity = self._map(self.activities[activity_id], element, None)
        config = self._map(entity.get("Config"), element, "Config")
        order = self._map(config.get("ActivityDialog"), element, "Config.ActivityDialog")
        return Activity(
            key=activity_id,
            name=text(entity.get("Name"), self.report, element, "Name") or activity_id,
            type=kind,
            dialogs=tuple(self._dialog(activity_id, order[k]) for k in sorted(order, key=_order_key)),
        )

    def _dialog(self, activity_id: str, raw_id: object) -> ActivityDialog:
        dialog_id = text(raw_id, self.report, f"activity:{activity_id}", "Config.ActivityDialog")
        if dialog_id not in self._dialog_cache:
            element = f"dialog:{activity_id}/{dialog_id}"
            if dialog_id in self.dialogs:
                entity = self.dialogs[dialog_id]
                self._dialog_cache[dialog_id] = dialog_from_otobo(dialog_id, entity, element, self.report)
            else:
                self.report.problem(element, None, "is used by the activity but missing from ActivityDialogs")
                self._dialog_cache[dialog_id] = ActivityDialog(key=dialog_id, name=dialog_id)
        return self._dialog_cache[dialog_id]

    def _all_transitions(self) -> tuple[Transition, ...]:
        uses = Counter(t for edges in self.path.values() for t in edges)
        result: list[Transition] = []
        for source, edges in self.path.items():
            ordered = sorted(edges)  # OTOBO's check order (§3.3 step 4)
            result.extend(self._transition(source, t, edges[t], uses[t] > 1) for t in ordered)
            if len(ordered) > 1:
                self.report.warn(
                    f"activity:{source}",
                    "transitions",
                    f"{len(ordered)} outgoing transitions are checked in OTOBO's order, the string order "
                    f"of their ids ({', '.join(ordered)}; reference Q6); their conditions should "
                    "exclude each other, or reorder them in ticketflow",
                )
        return tuple(result)

    def _transition(self, source: str, transition_id: str, raw_edge: object, shared: bool) -> Transition:
        key = f"{transition_id}@{source}" if shared else transition_id
        element = f"transition:{key}"
        edge = self._map(raw_edge, element, f"Config.Path.{source}.{transition_id}")
        target = text(edge.get("ActivityEntityID"), self.report, element, "ActivityEntityID")
        if not target:
            self.report.problem(element, "ActivityEntityID", "the Path edge has no target activity")
        if transition_id not in self.transitions:
            self.report.problem(element, None, "is used in Config.Path but missing from Transitions")
        entity = self._map(self.transitions.get(transition_id), element, None)
        config = self._map(entity.get("Config"), element, "Config")
        return Transition(
            key=key,
            name=text(entity.get("Name"), self.report, element, "Name"),
            source=source,
            target=target,
            condition=condition_from_otobo(config, element, self.report) if entity else None,
            actions=self._actions(key, edge.get("TransitionAction")),
        )

    def _actions(self, transition_key: str, raw: object) -> tuple[TransitionAction, ...]:
        element = f"transition:{transition_key}"
        if raw not in (None, "") and not isinstance(raw, list):
            self.report.problem(element, "TransitionAction", "must be a list of TransitionAction ids")
            return ()
        ids = texts(raw, self.report, element, "TransitionAction")
        return tuple(self._action(transition_key, index, a) for index, a in enumerate(ids))

    def _action(self, transition_key: str, index: int, action_id: str) -> TransitionAction:
        if action_id not in self._action_cache:
            element = f"action:{transition_key}/{index}"
            if action_id in self.actions:
                entity = self.actions[action_id]
                self._action_cache[action_id] = action_from_otobo(action_id, entity, element, self.report)
            else:
                self.report.problem(element, None, f"{action_id} is missing from TransitionActions")
                self._action_cache[action_id] = TransitionAction(key=action_id, name=action_id, module="")
        return self._action_cache[action_id]

    def _start_activity(self, activities: tuple[Activity, ...]) -> str:
        start = text(self.config.get("StartActivity"), self.report, "process", "Config.StartActivity")
        if not start:
            self.report.problem(
                "process", "Config.StartActivity", "is missing: a process needs a start activity"
            )
        elif start not in {a.key for a in activities}:
            self.report.problem("process", "Config.StartActivity", f"{start} is not an activity of the Path")
        return start

    def _start_dialog(
        self, activities: tuple[Activity, ...], start: str
    ) -> tuple[tuple[Activity, ...], Interface]:
        """The activities with the start dialog first in the start activity, and who may start."""
        where = "Config.StartActivityDialog"
        dialog_id = text(self.config.get("StartActivityDialog"), self.report, "process", where)
        activity = next((a for a in activities if a.key == start), None)
        if not dialog_id:
            self._warn_no_start_dialog(activity)
            return activities, Interface.AGENT
        if dialog_id not in self.dialogs:
            self.report.problem("process", where, f"{dialog_id} is missing from ActivityDialogs")
            return activities, Interface.AGENT
        dialog = self._dialog(start, dialog_id)
        if activity is None or dialog not in activity.dialogs:
            self.report.warn(
                "process",
                where,
                f"{dialog_id} is not a dialog of the start activity; "
                "ticketflow starts with the start activity's first dialog",
            )
            return activities, dialog.interface
        if activity.dialogs[0] != dialog:
            self.report.warn(
                "process",
                where,
                f"{dialog_id} is not the start activity's first dialog; "
                "it is moved to the front, since ticketflow starts with the first dialog",
            )
            others = tuple(d for d in activity.dialogs if d != dialog)
            moved = replace(activity, dialogs=(dialog, *others))
            activities = tuple(moved if a.key == start else a for a in activities)
        return activities, dialog.interface

    def _warn_no_start_dialog(self, activity: Activity | None) -> None:
        if activity is not None and activity.dialogs:
            message = (
                "is empty: OTOBO does not offer the process for starting, but ticketflow will offer "
                "the start activity's first dialog"
            )
        else:
            message = (
                "is empty and the start activity has no dialog: tickets can only enter the process "
                "by other means (an API call, a transition action)"
            )
        self.report.warn("process", "Config.StartActivityDialog", message)

    def _state(self) -> ProcessState:
        code = text(self.raw.get("StateEntityID"), self.report, "process", "StateEntityID")
        if code in _STATES:
            return _STATES[code]
        by_name = text(self.raw.get("State"), self.report, "process", "State")
        if not code and by_name in {s.value for s in ProcessState}:
            return ProcessState(by_name)
        self.report.problem("process", "StateEntityID", f"{code!r} is not one of S1, S2, S3")
        return ProcessState.ACTIVE

    def _layout(self, activity_keys: set[str]) -> dict[str, Position]:
        layout = self._map(self.raw.get("Layout"), "process", "Layout")
        positions: dict[str, Position] = {}
        for key, raw in layout.items():
            place = mapping(raw) or {}
            try:
                position = Position(float(str(place.get("left"))), float(str(place.get("top"))))
            except ValueError:
                position = Position(math.nan, math.nan)
            if not (math.isfinite(position.x) and math.isfinite(position.y)):
                self.report.warn("process", f"Layout.{key}", "has no numeric left/top; left out")
            elif key not in activity_keys:
                self.report.warn("process", f"Layout.{key}", "is not an activity of the Path; left out")
            else:
                positions[key] = position
        return positions


def _order_key(order: str) -> tuple[int, str]:
    # Order keys are sorted numerically (reference §2.2); a non-number sorts after all numbers.
    return (int(order), "") if order.isdigit() else (1 << 30, order)
