"""What a transition action gets (``ActionCall``) and what it is (``ActionModule``), plus the config
readers every module shares.

A config arrives with its placeholders already rendered (§3.6). Config values are text; a list value
(from a ``<…_Data>`` placeholder) reads as comma-joined text where a module expects text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from types import MappingProxyType
from typing import NamedTuple

from ticketflow.domain.effects import Effect, SetValue
from ticketflow.domain.errors import ActionError, InvalidInputError
from ticketflow.domain.frozen import builder
from ticketflow.domain.parameters import Parameter
from ticketflow.domain.ticket_changes import parse_timestamp
from ticketflow.domain.tickets import TicketSnapshot, Value

TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S"
_DYNAMIC_FIELD_NAME = re.compile(r"[A-Za-z0-9\-]+")
_INTEGER = re.compile(r"[+-]?\d+")
_NO_STATE_TYPES: Mapping[str, str] = MappingProxyType({})

# ``SetValue(key, value, ticket_id)`` without the frozen-dataclass __init__ cost: actions build one per
# change on the engine's hot path (see ``ticketflow.domain.frozen``).
new_set_value: Callable[[str, Value | None, str | None], SetValue] = builder(SetValue)


class ActionCall(NamedTuple):
    """One run of one transition action.

    ``activity_key`` is the activity the transition leaves. ``state_types`` (state name → type) tells
    which states are pending or closed; ``list_fields`` names the Multiselect dynamic fields (without
    prefix) so that comma-separated text can be split for them (§3.6).

    The snapshot is valid for the duration of the action's ``run`` only (the engine updates its working
    copy in place afterwards). A NamedTuple rather than a frozen dataclass: the engine builds one per
    action run, and a frozen dataclass costs about 0.15 µs per field to build (step budget: 20 µs).
    """

    config: Mapping[str, Value]
    snapshot: TicketSnapshot
    now: datetime
    process_key: str = ""
    activity_key: str = ""
    transition_key: str = ""
    action_key: str = ""
    state_types: Mapping[str, str] = _NO_STATE_TYPES
    list_fields: frozenset[str] = frozenset()

    def text(self, key: str) -> str | None:
        """The config value under ``key`` as text, or None when absent."""
        value = self.config.get(key)
        if value is None:
            return None
        return ",".join(value) if isinstance(value, tuple) else value

    def required(self, key: str) -> str:
        """The non-empty text under ``key``; raises ActionError naming the key otherwise."""
        value = self.text(key)
        if not value:
            raise ActionError(f"config key '{key}' is required")
        return value

    def name_or_id(self, key: str) -> str | None:
        """The name under ``key`` (``Queue``); an id under ``<key>ID`` alone is refused clearly, because
        ticketflow refers to queues, states … by name only."""
        value = self.text(key)
        if value:
            return value
        if self.text(key + "ID"):
            raise ActionError(f"{key}ID is not supported, use {key} (the {key.lower()} name)")
        return None

    def required_name(self, key: str) -> str:
        value = self.name_or_id(key)
        if value is None:
            raise ActionError(f"config key '{key}' is required")
        return value

    def flag(self, key: str) -> bool | None:
        """``0``/``1`` under ``key`` as a bool, None when absent; anything else is an ActionError."""
        value = self.text(key)
        if value is None or value == "":
            return None
        if value.strip() in ("0", "1"):
            return value.strip() == "1"
        raise ActionError(f"config key '{key}' must be 0 or 1, not '{value}'")

    def state_type(self, state: str) -> str:
        """The type of ``state``; without ``state_types`` the name decides (OTOBO's default state names
        ``pending reminder``, ``closed successful`` … start with their type)."""
        known = self.state_types.get(state)
        return known if known is not None else state


ActionRun = Callable[[ActionCall], tuple[Effect, ...]]


@dataclass(frozen=True, slots=True)
class ActionModule:
    """A transition action module: OTOBO's (``TicketQueueSet`` …) or one of ticketflow's.

    ``prepare`` (optional) is a shortcut for one configured action, asked once when a process is
    compiled with the config as written: it returns a function that gives exactly what ``run`` gives
    (errors included, typically by calling ``run`` for any case it does not cover), or None. The
    function gets the same ``ActionCall`` as ``run``: values holding ``<`` (placeholders, see
    ``templated``) are rendered in ``call.config``, all others are as written.
    """

    name: str
    description: str
    parameters: tuple[Parameter, ...]
    run: ActionRun
    prepare: Callable[[Mapping[str, Value]], ActionRun | None] | None = None


USER_ID = Parameter("UserID", "OTOBO: act as this user id. Accepted and ignored.", example="1")


def templated(value: Value) -> bool:
    """Whether a config value may hold a placeholder, so that it differs from run to run."""
    return "<" in value if type(value) is str else any("<" in item for item in value)


def is_pending(call: ActionCall, state: str) -> bool:
    return call.state_type(state).lower().startswith("pending")


def is_closed(call: ActionCall, state: str) -> bool:
    return call.state_type(state).lower().startswith("close")


def pending_time(call: ActionCall, diff_unit: timedelta) -> str | None:
    """The pending time a config asks for: ``PendingTime`` (absolute) plus ``PendingTimeDiff`` ×
    ``diff_unit``, or now plus the diff; None when neither is given. OTOBO's units differ per module (Q9)."""
    absolute = call.text("PendingTime")
    diff = call.text("PendingTimeDiff")
    if not absolute and not diff:
        return None
    base = call.now
    if absolute:
        try:
            base = parse_timestamp(absolute, "PendingTime")
        except InvalidInputError as error:
            raise ActionError(error.message) from None
    if diff:
        if not _INTEGER.fullmatch(diff.strip()):
            raise ActionError(f"config key 'PendingTimeDiff' must be a whole number, not '{diff}'")
        base += int(diff) * diff_unit
    return base.strftime(TIMESTAMP_FORMAT)


@lru_cache(maxsize=1024)  # config keys are few and checked on every run
def dynamic_field_name(key: str) -> str:
    """The bare dynamic field name of a config key (``DynamicField_X`` or ``X``); raises ActionError for
    a key that cannot be one (OTOBO names are letters, digits and ``-``)."""
    name = key.removeprefix("DynamicField_")
    if not _DYNAMIC_FIELD_NAME.fullmatch(name):
        raise ActionError(f"'{key}' is not a dynamic field name (letters, digits and '-' only)")
    return name


def field_value(call: ActionCall, name: str, value: Value) -> Value | None:
    """A configured dynamic-field value as stored: comma-separated text split for a Multiselect field
    (§3.6, items trimmed), empty text or list → None (clears)."""
    if type(value) is str and (
        name in call.list_fields
        # Without ``list_fields`` a field that currently holds a list is taken for a Multiselect.
        or type(call.snapshot.dynamic_fields.get(name)) is tuple
    ):
        value = split_list(value)
    return value if value else None


def split_list(text: str) -> tuple[str, ...]:
    """Comma-separated text as trimmed, non-empty items."""
    if "," not in text:
        item = text.strip()
        return (item,) if item else ()
    return tuple(item for item in map(str.strip, text.split(",")) if item)
