"""Process → OTOBO's five-key export document (reference §5.1), as close as OTOBO can express it.

EntityIDs: a key that already has OTOBO's form ``<Type>-<32 hex>`` (as imported) is reused, so a
round trip keeps OTOBO's ids; any other key gets ``<Type>-<md5 of the key>``, which is deterministic
(exporting twice gives the same document). Transition keys ``<id>@<source>`` made by the importer map
back to the shared ``<id>``. What OTOBO cannot express — error transitions, script/service/sub-process
activities, ticketflow's extra match types and modules, descriptions — is written as closely as
possible and each loss is returned as a warning.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import chain, count
from typing import Any

from ticketflow.domain.definitions import Activity, ActivityType, Process, ProcessState, Transition
from ticketflow.domain.errors import Problem
from ticketflow.domain.formats.otobo_actions import action_to_otobo
from ticketflow.domain.formats.otobo_conditions import condition_to_otobo
from ticketflow.domain.formats.otobo_dialogs import dialog_to_otobo

_STATE_CODES = {ProcessState.ACTIVE: "S1", ProcessState.INACTIVE: "S2", ProcessState.FADE_AWAY: "S3"}
_NOT_IN_OTOBO = {
    ActivityType.SCRIPT_TASK: "script task",
    ActivityType.SERVICE_TASK: "service task",
    ActivityType.SUB_PROCESS: "sub-process",
}


@dataclass(frozen=True, slots=True)
class OtoboExport:
    """An OTOBO export document (ready for YAML) and what it could not express."""

    document: dict[str, Any]
    warnings: tuple[Problem, ...]


def entity_id(kind: str, key: str) -> str:
    """``key`` if it already is a ``<kind>-<32 hex>`` EntityID, else ``<kind>-<md5(key)>``."""
    if re.fullmatch(rf"{kind}-[0-9a-f]{{32}}", key):
        return key
    return f"{kind}-{hashlib.md5(key.encode('utf-8'), usedforsecurity=False).hexdigest()}"


def process_to_otobo(process: Process, process_entity_id: str | None = None) -> OtoboExport:
    """The OTOBO export of ``process``; ``process_entity_id`` (e.g. ``OtoboImport.entity_id``) is reused."""
    return _Writer(process).export(process_entity_id)


class _Entities:
    """One export section. OTOBO shares entities between uses (one transition on several Path edges),
    so an entity equal to one already stored under its id is the same entity; a different one that
    wants a taken id (edited after import) gets an id of its own."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.entries: dict[str, dict[str, Any]] = {}

    def add(self, wanted_key: str, full_key: str, entry: dict[str, Any], avoid: Iterable[str] = ()) -> str:
        candidates = chain((wanted_key, full_key), (f"{full_key}#{n}" for n in count(2)))
        for key in candidates:
            candidate = entity_id(self.kind, key)
            stored = {"EntityID": candidate, **entry}
            if candidate not in avoid and self.entries.setdefault(candidate, stored) == stored:
                return candidate
        raise AssertionError("unreachable: the candidates are endless")


class _Writer:
    def __init__(self, process: Process) -> None:
        self.process = process
        self.warnings: list[Problem] = []
        self.dialogs = _Entities("ActivityDialog")
        self.transitions = _Entities("Transition")
        self.actions = _Entities("TransitionAction")
        self.activity_ids = {a.key: entity_id("Activity", a.key) for a in process.activities}

    def warn(self, element: str, field: str | None, message: str) -> None:
        self.warnings.append(Problem(element, message, field=field, severity="warning"))

    def export(self, process_entity_id: str | None) -> OtoboExport:
        process = self.process
        activities = {self.activity_ids[a.key]: self._activity(a) for a in process.activities}
        path = {self.activity_ids[a.key]: self._edges(a) for a in process.activities}
        document = {
            "Process": self._process(process_entity_id or entity_id("Process", process.key), path),
            "Activities": activities,
            "ActivityDialogs": self.dialogs.entries,
            "Transitions": self.transitions.entries,
            "TransitionActions": self.actions.entries,
        }
        return OtoboExport(document, tuple(self.warnings))

    def _process(self, process_id: str, path: dict[str, Any]) -> dict[str, Any]:
        process = self.process
        if process.description:
            description = process.description
        else:
            description = process.name
            self.warn("process", "description", "OTOBO requires a description; the name is used")
        return {
            "EntityID": process_id,
            "Name": process.name,
            "StateEntityID": _STATE_CODES[process.state],
            "State": process.state.value,
            "Layout": {
                self.activity_ids[key]: {"left": str(round(p.x)), "top": str(round(p.y))}
                for key, p in process.layout.items()
                if key in self.activity_ids
            },
            "Config": {
                "Description": description,
                "Path": path,
                "StartActivity": self.activity_ids.get(process.start_activity, process.start_activity),
                "StartActivityDialog": self._start_dialog_id(),
            },
            "Activities": sorted(path),
            "Transitions": sorted(self.transitions.entries),
            "TransitionActions": sorted(self.actions.entries),
        }

    def _start_dialog_id(self) -> str:
        dialog = self.process.start_dialog
        if dialog is None:
            return ""
        if dialog.interface is not self.process.startable_by:
            self.warn(
                "process",
                "startable_by",
                f"OTOBO offers the process to whoever the start dialog is for ({dialog.interface.value}), "
                f"not to {self.process.startable_by.value}",
            )
        return entity_id("ActivityDialog", dialog.key)

    def _activity(self, activity: Activity) -> dict[str, Any]:
        element = f"activity:{activity.key}"
        if activity.type in _NOT_IN_OTOBO:
            self.warn(
                element,
                "type",
                f"OTOBO has no {_NOT_IN_OTOBO[activity.type]}: exported as an activity "
                "that waits until a ticket change moves it on",
            )
        if activity.description:
            self.warn(element, "description", "OTOBO activities have no description; left out")
        dialog_ids = [
            self.dialogs.add(d.key, f"{activity.key}/{d.key}", dialog_to_otobo(d)) for d in activity.dialogs
        ]
        order = {str(n): dialog_id for n, dialog_id in enumerate(dialog_ids, start=1)}
        return {
            "EntityID": self.activity_ids[activity.key],
            "Name": activity.name,
            "Config": {"ActivityDialog": order} if order else {},
            "ActivityDialogs": dialog_ids,
        }

    def _edges(self, activity: Activity) -> dict[str, Any]:
        edges: dict[str, Any] = {}
        for transition in (t for t in self.process.transitions if t.source == activity.key):
            if transition.error_code is not None:
                self.warn(
                    f"transition:{transition.key}", "error_code", "OTOBO has no error transitions; left out"
                )
                continue
            edges[self._transition_id(transition, edges)] = self._edge(transition)
        if len(edges) > 1 and list(edges) != sorted(edges):
            self.warn(
                f"activity:{activity.key}",
                "transitions",
                "OTOBO checks outgoing transitions in the string order of their ids (Q6), which "
                "differs from ticketflow's order here; make their conditions exclude each other",
            )
        return edges

    def _transition_id(self, transition: Transition, taken: Iterable[str]) -> str:
        element = f"transition:{transition.key}"
        if transition.description:
            self.warn(element, "description", "OTOBO transitions have no description; left out")
        entry = {
            "Name": transition.name,
            "Config": condition_to_otobo(transition.condition, element, self.warnings),
        }
        # Under one activity OTOBO keys edges by transition id, so an id may appear only once there.
        base = transition.key.split("@", 1)[0]
        return self.transitions.add(base, transition.key, entry, avoid=taken)

    def _edge(self, transition: Transition) -> dict[str, Any]:
        edge: dict[str, Any] = {
            "ActivityEntityID": self.activity_ids.get(transition.target, transition.target),
        }
        action_ids = []
        for index, action in enumerate(transition.actions):
            element = f"action:{transition.key}/{index}"
            if action.description:
                self.warn(element, "description", "OTOBO transition actions have no description; left out")
            entry = action_to_otobo(action, element, self.warnings)
            action_ids.append(self.actions.add(action.key, f"{transition.key}/{index}", entry))
        if action_ids:
            edge["TransitionAction"] = action_ids
        return edge
