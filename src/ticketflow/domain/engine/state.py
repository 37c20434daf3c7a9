"""The mutable state of one ``advance`` call, and the engine's fast value builders.

Performance (budget: 20 µs for a step with a couple of checks and actions): enum members are read
once into module constants (``PositionStatus.ACTIVE`` is a descriptor call each time), and the values
built on every step (position, trace entries) use ``frozen.builder`` instead of the frozen
dataclass ``__init__``.
"""

from __future__ import annotations

from typing import Final

from ticketflow.domain.definitions import ActivityType
from ticketflow.domain.effects import Effect, SetValue
from ticketflow.domain.engine.compiled import CompiledProcess, EngineContext
from ticketflow.domain.frozen import builder
from ticketflow.domain.positions import PositionStatus, ProcessPosition
from ticketflow.domain.tickets import DYNAMIC_FIELD_PREFIX, TicketSnapshot, Value
from ticketflow.domain.trace import (
    ActionRan,
    EnteredActivity,
    Moved,
    ProcessFailed,
    TraceEntry,
)

ACTIVE: Final = PositionStatus.ACTIVE
WAITING: Final = PositionStatus.WAITING
COMPLETED: Final = PositionStatus.COMPLETED
FAILED: Final = PositionStatus.FAILED
USER_TASK: Final = ActivityType.USER_TASK
_PREFIX_LENGTH: Final = len(DYNAMIC_FIELD_PREFIX)

new_position: Final = builder(ProcessPosition)
new_snapshot: Final = builder(TicketSnapshot)
new_entered: Final = builder(EnteredActivity)
new_moved: Final = builder(Moved)
new_action_ran: Final = builder(ActionRan)


class StepState:
    """Where one ``advance`` call stands: the working snapshot, effects and trace so far, hops.

    Ticket changes are applied to a working copy of the snapshot that belongs to the current move:
    the first change of a move copies the snapshot's two mappings, later changes of the same move
    update those copies in place (a new snapshot per action would cost a frozen-dataclass build each
    time). The caller's snapshot and the one kept for undoing a move are never changed; actions and
    scripts get the working snapshot only for the duration of their call.
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
        self.owned = False  # True: ``attributes`` and ``fields`` are this move's private copies
        self.attributes: dict[str, str] = {}
        self.fields: dict[str, Value] = {}

    def at(
        self, activity_key: str, status: PositionStatus = ACTIVE, failure: str | None = None
    ) -> ProcessPosition:
        position = self.position
        if status is ACTIVE and failure is None:
            # The compiled process's own position when this is its version (always, but for a
            # caller's position naming another version): no build (about 0.45 µs).
            known = self.process.active.get(activity_key)
            if (
                known is not None
                and known.version == position.version
                and known.process_key == position.process_key
            ):
                return known
        built: ProcessPosition = new_position(
            position.process_key, position.version, activity_key, status, failure
        )
        return built

    def failed(self, activity_key: str, reason: str) -> ProcessPosition:
        """A FAILED position at ``activity_key``, traced."""
        self.trace.append(ProcessFailed(activity_key, reason))
        return self.at(activity_key, FAILED, reason)

    def apply(self, effects: tuple[Effect, ...]) -> None:
        """Record ``effects`` and apply this ticket's value changes to the working snapshot."""
        self.effects.extend(effects)
        for effect in effects:
            if type(effect) is SetValue and effect.ticket_id is None:
                if not self.owned:
                    self.own()
                self.set(effect.key, effect.value)

    def begin_move(self) -> tuple[int, TicketSnapshot]:
        """Start a move; returns what ``undo`` needs to forget it."""
        self.owned = False
        return len(self.effects), self.snapshot

    def undo(self, mark: tuple[int, TicketSnapshot]) -> None:
        """Forget every effect and ticket change since ``begin_move`` returned ``mark``."""
        kept, before = mark
        del self.effects[kept:]
        self.snapshot = before
        self.owned = False

    def own(self) -> None:
        snapshot = self.snapshot
        self.attributes = dict(snapshot.attributes)
        self.fields = dict(snapshot.dynamic_fields)
        self.snapshot = new_snapshot(self.attributes, self.fields, snapshot.customer, snapshot.linked)
        self.owned = True

    def set(self, key: str, value: Value | None) -> None:
        """Empty or None clears; a new State brings its StateType along when it is known."""
        if key.startswith(DYNAMIC_FIELD_PREFIX):
            if value:
                self.fields[key[_PREFIX_LENGTH:]] = value
            else:
                self.fields.pop(key[_PREFIX_LENGTH:], None)
            return
        if key == "CustomerUser":
            key = "CustomerUserID"  # OTOBO writes one name and reads the other
        text = value if type(value) is str else ",".join(value or ())
        if not text:
            self.attributes.pop(key, None)
            return
        self.attributes[key] = text
        if key == "State":
            state_type = self.context.state_types.get(text)
            if state_type is not None:
                self.attributes["StateType"] = state_type
