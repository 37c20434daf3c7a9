"""Process definitions: frozen values, built by the format readers and validated once before deploy.

Vocabulary is OTOBO's (Process, Activity, ActivityDialog, Transition, TransitionAction). Unlike OTOBO,
an activity has a type, a transition belongs to one process and has an explicit source, and the
outgoing transitions of an activity are checked in the order they are listed (OTOBO sorts by id; the
OTOBO importer reproduces that order, reference §3.3 step 4).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum

from ticketflow.domain.conditions import Condition
from ticketflow.domain.tickets import Value


class ProcessState(StrEnum):
    ACTIVE = "Active"
    FADE_AWAY = "FadeAway"
    INACTIVE = "Inactive"


class ActivityType(StrEnum):
    USER_TASK = "user_task"
    SCRIPT_TASK = "script_task"
    SERVICE_TASK = "service_task"
    SUB_PROCESS = "sub_process"
    END = "end"


class Interface(StrEnum):
    """Who may see a dialog or start a process."""

    AGENT = "agent"
    CUSTOMER = "customer"
    BOTH = "both"

    def admits(self, caller: Interface) -> bool:
        return self is Interface.BOTH or self is caller


class FieldDisplay(StrEnum):
    HIDDEN = "hidden"
    OPTIONAL = "optional"
    MANDATORY = "mandatory"


@dataclass(frozen=True, slots=True)
class DialogField:
    """A field of an activity dialog: a ticket attribute, ``Article`` or ``DynamicField_<Name>``."""

    name: str
    display: FieldDisplay = FieldDisplay.OPTIONAL
    default: Value | None = None
    description_short: str = ""
    description_long: str = ""
    # Article only: communication_channel, visible_for_customer ("0"/"1"), time_units.
    config: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ActivityDialog:
    key: str
    name: str
    description_short: str = ""
    description_long: str = ""
    interface: Interface = Interface.AGENT
    fields: tuple[DialogField, ...] = ()
    permission: str | None = None
    required_lock: bool = False
    submit_button_text: str = ""
    submit_advice_text: str = ""


@dataclass(frozen=True, slots=True)
class ScriptCall:
    """A script task's call: a registered script by name, with key/value parameters."""

    script: str
    parameters: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ServiceCall:
    """A service task's call: a configured web service and one of its invokers."""

    web_service: str
    invoker: str
    parameters: Mapping[str, str] = field(default_factory=dict)
    timeout: timedelta = timedelta(seconds=30)


@dataclass(frozen=True, slots=True)
class SubProcessCall:
    """A sub-process activity: a child ticket in another process, pinned to a version.

    ``version`` None pins the latest deployed version at the moment the child is created.
    ``fields_in`` maps child field ← parent field; ``fields_out`` maps parent field ← child field.
    Keys and values are ticket-data names (``DynamicField_X``, ``Title`` …).
    """

    process_key: str
    version: int | None = None
    fields_in: Mapping[str, str] = field(default_factory=dict)
    fields_out: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Position:
    """Where an element sits on the modeler's canvas, in pixels."""

    x: float
    y: float


@dataclass(frozen=True, slots=True)
class Activity:
    """A step of a process.

    ``error_code`` is what a failing script task, service task or sub-process raises; an outgoing
    transition with the same ``error_code`` handles it (else the ticket's process is marked failed).
    """

    key: str
    name: str
    type: ActivityType
    description: str = ""
    dialogs: tuple[ActivityDialog, ...] = ()
    script: ScriptCall | None = None
    service: ServiceCall | None = None
    sub_process: SubProcessCall | None = None
    error_code: str | None = None


@dataclass(frozen=True, slots=True)
class TransitionAction:
    """A transition action: an OTOBO module name (``TicketQueueSet`` …) or one of ours, with its config.

    Config values may be lists (``<OTOBO_TICKET_DynamicField_X_Data>`` copies) but are usually text with
    ``<OTOBO_TICKET_*>`` placeholders.
    """

    key: str
    name: str
    module: str
    config: Mapping[str, Value] = field(default_factory=dict)
    description: str = ""


@dataclass(frozen=True, slots=True)
class Transition:
    """An arrow from ``source`` to ``target``.

    ``condition`` None means the transition always holds. A transition with ``error_code`` is an error
    transition: it is never checked normally, only taken when ``source`` fails with that code.
    """

    key: str
    name: str
    source: str
    target: str
    condition: Condition | None = None
    actions: tuple[TransitionAction, ...] = ()
    description: str = ""
    error_code: str | None = None


@dataclass(frozen=True, slots=True)
class Process:
    key: str
    name: str
    start_activity: str
    activities: tuple[Activity, ...]
    transitions: tuple[Transition, ...] = ()
    description: str = ""
    state: ProcessState = ProcessState.ACTIVE
    startable_by: Interface = Interface.AGENT
    layout: Mapping[str, Position] = field(default_factory=dict)

    def find_activity(self, key: str) -> Activity | None:
        return next((a for a in self.activities if a.key == key), None)

    def outgoing(self, activity_key: str) -> tuple[Transition, ...]:
        """Normal (non-error) transitions leaving an activity, in check order."""
        return tuple(t for t in self.transitions if t.source == activity_key and t.error_code is None)

    def error_transition(self, activity_key: str, error_code: str) -> Transition | None:
        """The error transition leaving ``activity_key`` for ``error_code`` (or the catch-all ``*``)."""
        return next(
            (
                t
                for t in self.transitions
                if t.source == activity_key and t.error_code is not None and t.error_code in (error_code, "*")
            ),
            None,
        )

    @property
    def start_dialog(self) -> ActivityDialog | None:
        """The first dialog of the start activity: what a user fills to start a process ticket."""
        start = self.find_activity(self.start_activity)
        return start.dialogs[0] if start and start.dialogs else None


@dataclass(frozen=True, slots=True)
class ProcessVersion:
    """A deployed, immutable version of a process. ``content_hash`` is over the canonical JSON."""

    process: Process
    version: int
    content_hash: str
