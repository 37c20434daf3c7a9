"""The engine's trace: why a step did what it did, one cheap frozen entry per thing that happened.

Entries hold keys and values only; the readable sentence is built by ``describe()`` when someone
looks at it (history screen, Test Mode, CLI). ``trace_to_dict`` / ``trace_from_dict`` convert an entry
to and from a JSON-able dict with a ``"kind"`` key, for the history table; ``readable_record`` adds
the sentence to a stored record when the history is read.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import FrozenInstanceError, dataclass, fields
from datetime import timedelta
from typing import Any

from ticketflow.domain.conditions import Condition, evaluate
from ticketflow.domain.effects import (
    AddArticle,
    CallWebService,
    CreateTicket,
    Effect,
    ResumeParent,
    SendNotification,
    SetValue,
    StartSubProcess,
    describe_effect,
)
from ticketflow.domain.tickets import Value


def _effects_phrase(effects: tuple[Effect, ...]) -> str:
    return "; ".join(describe_effect(effect) for effect in effects) if effects else "no change"


@dataclass(frozen=True, slots=True)
class EnteredActivity:
    activity: str
    activity_type: str

    def describe(self) -> str:
        return f"Entered activity '{self.activity}' ({self.activity_type.replace('_', ' ')})."


class TransitionChecked:
    """One transition's condition was evaluated; ``reasons`` come from the condition evaluator.

    Behaves like the other entries (a frozen value: equality, hash, repr, ``match`` patterns by its
    four fields) but is a hand-written slots class, because the engine builds it lazily
    (``checked_lazily``): it keeps the few values the condition read and writes the reason sentences
    only when ``reasons`` is first read, with the reference evaluator. That saves about 2 µs per
    checked condition on a step that nobody may ever describe.
    """

    __slots__ = ("_data", "_reasons", "_source", "activity", "matched", "transition")
    __match_args__ = ("activity", "transition", "matched", "reasons")

    activity: str
    transition: str
    matched: bool
    _reasons: tuple[str, ...] | None
    _source: Condition | None
    _data: Mapping[str, Value] | None

    def __init__(self, activity: str, transition: str, matched: bool, reasons: tuple[str, ...] = ()) -> None:
        _build_checked(self, activity, transition, matched, reasons, None, None)

    @property
    def reasons(self) -> tuple[str, ...]:
        reasons = self._reasons
        if reasons is None:
            # The engine shares entries between steps (and threads): another reader may have
            # computed the reasons since; it sets them before it drops the source and the data.
            source, data = self._source, self._data
            if source is None or data is None:
                reasons = self._reasons
                assert reasons is not None
                return reasons
            reasons = evaluate(source, data).reasons
            _set_reasons(self, reasons)  # computed once; the value was fixed at construction
            _set_source(self, None)
            _set_data(self, None)
        return reasons

    def describe(self) -> str:
        verdict = "matched" if self.matched else "did not match"
        reasons = self.reasons
        why = f": {'; '.join(reasons)}" if reasons else ""
        return f"Transition '{self.transition}' from '{self.activity}' {verdict}{why}."

    def _key(self) -> tuple[str, str, bool, tuple[str, ...]]:
        return (self.activity, self.transition, self.matched, self.reasons)

    def __eq__(self, other: object) -> bool:
        if type(other) is not TransitionChecked:
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return (
            f"TransitionChecked(activity={self.activity!r}, transition={self.transition!r}, "
            f"matched={self.matched!r}, reasons={self.reasons!r})"
        )

    def __setattr__(self, name: str, value: object) -> None:
        raise FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise FrozenInstanceError(f"cannot delete field {name!r}")


# The slots' own setters: they get past the frozen __setattr__ (as a frozen dataclass's __init__ does).
_set_activity = TransitionChecked.__dict__["activity"].__set__
_set_transition = TransitionChecked.__dict__["transition"].__set__
_set_matched = TransitionChecked.__dict__["matched"].__set__
_set_reasons = TransitionChecked.__dict__["_reasons"].__set__
_set_source = TransitionChecked.__dict__["_source"].__set__
_set_data = TransitionChecked.__dict__["_data"].__set__


def _build_checked(
    entry: TransitionChecked,
    activity: str,
    transition: str,
    matched: bool,
    reasons: tuple[str, ...] | None,
    source: Condition | None,
    data: Mapping[str, Value] | None,
) -> TransitionChecked:
    _set_activity(entry, activity)
    _set_transition(entry, transition)
    _set_matched(entry, matched)
    _set_reasons(entry, reasons)
    _set_source(entry, source)
    _set_data(entry, data)
    return entry


_new = object.__new__


def checked_lazily(
    activity: str, transition: str, matched: bool, condition: Condition, data: Mapping[str, Value]
) -> TransitionChecked:
    """A ``TransitionChecked`` whose reasons are ``evaluate(condition, data).reasons``, computed when
    first read. Only for a condition whose evaluation reads nothing but ``data`` (no ``Module`` field)
    and a ``data`` nobody changes afterwards."""
    return _build_checked(_new(TransitionChecked), activity, transition, matched, None, condition, data)


def checked(activity: str, transition: str, matched: bool, reasons: tuple[str, ...]) -> TransitionChecked:
    """``TransitionChecked(activity, transition, matched, reasons)`` without the call overhead."""
    return _build_checked(_new(TransitionChecked), activity, transition, matched, reasons, None, None)


@dataclass(frozen=True, slots=True)
class ConditionFailedToEvaluate:
    """A condition is misconfigured. As in OTOBO (§3.3 step 5, Q7) the check of the activity stops."""

    activity: str
    transition: str
    message: str

    def describe(self) -> str:
        return (
            f"The condition of transition '{self.transition}' from '{self.activity}' is broken: "
            f"{self.message}. The check stopped here; later transitions were not tried."
        )


@dataclass(frozen=True, slots=True)
class Moved:
    transition: str
    source: str
    target: str
    error_code: str | None = None

    def describe(self) -> str:
        how = f" (error transition for '{self.error_code}')" if self.error_code else ""
        return f"Moved from '{self.source}' to '{self.target}' by transition '{self.transition}'{how}."


@dataclass(frozen=True, slots=True)
class ActionRan:
    transition: str
    action_key: str
    module: str
    effects: tuple[Effect, ...] = ()

    def describe(self) -> str:
        return (
            f"Transition action '{self.action_key}' ({self.module}) of '{self.transition}' ran: "
            f"{_effects_phrase(self.effects)}."
        )


@dataclass(frozen=True, slots=True)
class ActionFailed:
    """A transition action failed: the move it belonged to was undone (its effects discarded)."""

    transition: str
    action_key: str
    module: str
    message: str

    def describe(self) -> str:
        return (
            f"Transition action '{self.action_key}' ({self.module}) of '{self.transition}' failed: "
            f"{self.message}. The move was undone; none of its effects are kept."
        )


@dataclass(frozen=True, slots=True)
class ScriptRan:
    activity: str
    script: str
    effects: tuple[Effect, ...] = ()

    def describe(self) -> str:
        return f"Script '{self.script}' of '{self.activity}' ran: {_effects_phrase(self.effects)}."


@dataclass(frozen=True, slots=True)
class ScriptFailed:
    activity: str
    script: str
    message: str
    error_code: str | None = None

    def describe(self) -> str:
        code = f" (error code '{self.error_code}')" if self.error_code else ""
        return f"Script '{self.script}' of '{self.activity}' failed{code}: {self.message}."


@dataclass(frozen=True, slots=True)
class JobQueued:
    """A job for the worker (``job``: ``web service call`` or ``sub-process``); the ticket waits."""

    activity: str
    job: str
    effects: tuple[Effect, ...] = ()

    def describe(self) -> str:
        phrase = _effects_phrase(self.effects)
        return f"Activity '{self.activity}' queued a {self.job} and waits for it: {phrase}."


@dataclass(frozen=True, slots=True)
class ResultReceived:
    """A waiting activity's job finished (``job`` as in ``JobQueued``); its values were applied."""

    activity: str
    job: str
    effects: tuple[Effect, ...] = ()

    def describe(self) -> str:
        return f"The {self.job} of '{self.activity}' finished: {_effects_phrase(self.effects)}."


@dataclass(frozen=True, slots=True)
class ActivityFailed:
    """A waiting activity's job failed (``ServiceTaskFailed``)."""

    activity: str
    message: str
    error_code: str | None = None

    def describe(self) -> str:
        code = f" with error code '{self.error_code}'" if self.error_code else ""
        return f"Activity '{self.activity}' failed{code}: {self.message}."


@dataclass(frozen=True, slots=True)
class ProcessCompleted:
    activity: str

    def describe(self) -> str:
        return f"Reached end activity '{self.activity}': the process is completed."


@dataclass(frozen=True, slots=True)
class ProcessFailed:
    activity: str
    reason: str

    def describe(self) -> str:
        return f"The process failed at '{self.activity}': {self.reason}. An admin can retry it."


@dataclass(frozen=True, slots=True)
class HopLimitReached:
    """More than ``limit`` automatic moves chained in one step; ``path`` are the last activities."""

    activity: str
    limit: int
    path: tuple[str, ...] = ()

    def describe(self) -> str:
        return (
            f"Stopped at '{self.activity}' after {self.limit} automatic moves in one step "
            f"(a loop?): {' → '.join(self.path)}."
        )


@dataclass(frozen=True, slots=True)
class NothingToDo:
    reason: str

    def describe(self) -> str:
        return f"Nothing to do: {self.reason}."


TraceEntry = (
    EnteredActivity
    | TransitionChecked
    | ConditionFailedToEvaluate
    | Moved
    | ActionRan
    | ActionFailed
    | ScriptRan
    | ScriptFailed
    | JobQueued
    | ResultReceived
    | ActivityFailed
    | ProcessCompleted
    | ProcessFailed
    | HopLimitReached
    | NothingToDo
)

_ENTRY_KINDS: dict[str, type[Any]] = {
    "entered_activity": EnteredActivity,
    "transition_checked": TransitionChecked,
    "condition_failed_to_evaluate": ConditionFailedToEvaluate,
    "moved": Moved,
    "action_ran": ActionRan,
    "action_failed": ActionFailed,
    "script_ran": ScriptRan,
    "script_failed": ScriptFailed,
    "job_queued": JobQueued,
    "result_received": ResultReceived,
    "activity_failed": ActivityFailed,
    "process_completed": ProcessCompleted,
    "process_failed": ProcessFailed,
    "hop_limit_reached": HopLimitReached,
    "nothing_to_do": NothingToDo,
}
_KIND_OF_ENTRY = {cls: kind for kind, cls in _ENTRY_KINDS.items()}

_EFFECT_KINDS: dict[str, type[Any]] = {
    cls.__name__: cls
    for cls in (
        SetValue,
        AddArticle,
        CreateTicket,
        SendNotification,
        CallWebService,
        StartSubProcess,
        ResumeParent,
    )
}


def effect_to_dict(effect: Effect) -> dict[str, object]:
    """An effect as JSON-able data: ``{"kind": "SetValue", "key": …}``; tuples become lists,
    durations seconds."""
    result: dict[str, object] = {"kind": type(effect).__name__}
    for item in fields(effect):
        result[item.name] = _jsonable(getattr(effect, item.name))
    return result


def _jsonable(value: object) -> object:
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, AddArticle):
        return effect_to_dict(value)
    if isinstance(value, Mapping):
        return {key: _jsonable(item) for key, item in value.items()}
    return value


def effect_from_dict(data: Mapping[str, Any]) -> Effect:
    """The inverse of ``effect_to_dict``. Raises ValueError for an unknown kind."""
    cls = _EFFECT_KINDS.get(str(data.get("kind")))
    if cls is None:
        raise ValueError(f"unknown effect kind {data.get('kind')!r}")
    values: dict[str, Any] = {}
    for item in fields(cls):
        if item.name in data:
            values[item.name] = _EFFECT_FIELD_READERS.get(item.name, _from_json)(data[item.name])
    effect: Effect = cls(**values)
    return effect


def _from_json(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(_from_json(item) for item in value)
    if isinstance(value, dict):
        return {key: _from_json(item) for key, item in value.items()}
    return value


_EFFECT_FIELD_READERS: dict[str, Callable[[Any], Any]] = {
    "timeout": lambda seconds: timedelta(seconds=seconds),
    "article": lambda data: None if data is None else effect_from_dict(data),
}


def trace_to_dict(entry: TraceEntry) -> dict[str, object]:
    """A trace entry as JSON-able data with a ``"kind"`` key (``"moved"``, ``"action_ran"`` …); no entry
    has a field of that name."""
    result: dict[str, object] = {"kind": _KIND_OF_ENTRY[type(entry)]}
    for name in _field_names(type(entry)):
        value = getattr(entry, name)
        if name == "effects":
            result[name] = [effect_to_dict(effect) for effect in value]
        else:
            result[name] = _jsonable(value)
    return result


def trace_from_dict(data: Mapping[str, Any]) -> TraceEntry:
    """The inverse of ``trace_to_dict``. Raises ValueError for an unknown kind."""
    cls = _ENTRY_KINDS.get(str(data.get("kind")))
    if cls is None:
        raise ValueError(f"unknown trace entry kind {data.get('kind')!r}")
    values: dict[str, Any] = {}
    for name in _field_names(cls):
        if name not in data:
            continue
        raw = data[name]
        if name == "effects":
            values[name] = tuple(effect_from_dict(effect) for effect in raw)
        else:
            values[name] = _from_json(raw)
    entry: TraceEntry = cls(**values)
    return entry


def readable_record(record: Mapping[str, Any]) -> Mapping[str, Any]:
    """A stored trace record with its sentence under ``"text"``, as the history shows it.

    The history table keeps a step's records without their sentences (a step's sentences were about
    40% of its trace text, and each of those bytes is written to the database): the sentence is
    rebuilt here, when someone reads the history, from the very entry it describes. Records stored
    with their sentence (before) and records of no known kind are returned as they are.
    """
    if "text" in record or record.get("kind") not in _ENTRY_KINDS:
        return record
    try:
        text = trace_from_dict(record).describe()
    except (TypeError, ValueError):  # a record this version cannot rebuild: shown without a sentence
        return record
    return {**record, "text": text}


def _field_names(cls: type[Any]) -> tuple[str, ...]:
    if cls is TransitionChecked:
        return TransitionChecked.__match_args__  # its public fields, in order
    return tuple(item.name for item in fields(cls))


def describe_trace(entries: tuple[TraceEntry, ...]) -> str:
    """The whole trace as numbered sentences, one per line."""
    return "\n".join(f"{number}. {entry.describe()}" for number, entry in enumerate(entries, start=1))
