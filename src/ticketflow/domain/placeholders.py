"""``<OTOBO_…>`` placeholders in transition-action configs, script parameters and service-task
parameters (reference §3.6).

What is replaced, in OTOBO's two passes:

1. Ticket tags, case-insensitive: ``<OTOBO_TICKET_<Attr>>`` → the attribute (unknown attribute →
   empty text, as OTOBO's first pass does); ``<OTOBO_TICKET_DynamicField_X>`` → the readable stored value
   (a multiselect joined with ``", "``); ``…_X_Value>`` → the label of the stored key(s) from ``labels``
   (the key itself when there is no label); ``…_X_Data>`` → the **whole value** becomes the raw stored
   value, which may be a tuple (OTOBO 11, for copying multiselect values).
2. ``<OTOBO_CUSTOMER_DATA_X>`` → the customer user's data ``X`` from ``snapshot.customer``; any other
   ``<OTOBO_…>`` tag left over, and customer data that is missing, becomes ``-`` (OTOBO's template
   generator does the same).

``<OTRS_…>`` tags stay literal, as in OTOBO (RotherOSS/otobo#882); the OTOBO importer warns about them.
Keys are never substituted, only values.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType
from typing import TypeVar

from ticketflow.domain.tickets import TicketSnapshot, Value

Labels = Mapping[str, Mapping[str, str]]
"""Dynamic field name → stored key → label (Dropdown and Multiselect fields)."""

NO_LABELS: Labels = MappingProxyType({})

_TAG = re.compile(r"<OTOBO_([A-Za-z0-9_:\-\.\[\]]+)>", re.IGNORECASE)
_DATA_TAG = re.compile(r"<OTOBO_TICKET_DynamicField_([A-Za-z0-9\-]+)_Data>", re.IGNORECASE)
_TICKET = "TICKET_"
_CUSTOMER_DATA = "CUSTOMER_DATA_"
_DYNAMIC_FIELD = "DYNAMICFIELD_"
_UNKNOWN = "-"

_T = TypeVar("_T")


def render(value: Value, snapshot: TicketSnapshot, labels: Labels = NO_LABELS) -> Value:
    """``value`` with every ``<OTOBO_…>`` placeholder replaced from ``snapshot`` (see module docstring).

    A tuple is rendered element by element (an element that becomes a tuple through ``_Data`` is
    spliced in). Never raises: an unknown tag is replaced, not reported.
    """
    if isinstance(value, tuple):
        return _render_items(value, snapshot, labels)
    if "<" not in value:
        return value
    template = _parse(value)
    if template.data_field is not None:
        raw = _dynamic_field(snapshot, template.data_field)
        return "" if raw is None else raw
    parts = template.parts
    if not parts:
        return value
    if template.single:  # the whole value is one tag, the common case
        _, resolve, name = parts[0]
        return resolve(snapshot, labels, name)
    rendered: list[str] = []
    for literal, resolve, name in parts:
        rendered.append(literal)
        rendered.append(resolve(snapshot, labels, name))
    rendered.append(template.tail)
    return "".join(rendered)


def render_text(value: Value, snapshot: TicketSnapshot, labels: Labels = NO_LABELS) -> str:
    """Like ``render`` but always text: a list result is joined with ``","`` (OTOBO's list-to-text)."""
    rendered = render(value, snapshot, labels)
    return ",".join(rendered) if isinstance(rendered, tuple) else rendered


def _render_items(items: tuple[str, ...], snapshot: TicketSnapshot, labels: Labels) -> tuple[str, ...]:
    result: list[str] = []
    for item in items:
        rendered = render(item, snapshot, labels)
        if isinstance(rendered, tuple):
            result.extend(rendered)
        else:
            result.append(rendered)
    return tuple(result)


_Resolver = Callable[[TicketSnapshot, Labels, str], str]


@dataclass(frozen=True, slots=True)
class _Template:
    """A parsed text: ``parts`` are (literal before the tag, how to resolve the tag, its name), then
    ``tail``. ``data_field``: the text holds a ``_Data`` tag, so the whole value is that field's."""

    parts: tuple[tuple[str, _Resolver, str], ...]
    tail: str
    data_field: str | None = None
    single: bool = False  # nothing but one tag


@lru_cache(maxsize=4096)
def _parse(text: str) -> _Template:
    # Configs are few and rendered for every ticket that passes, so each text is parsed once.
    data = _DATA_TAG.search(text)
    if data is not None:
        return _Template((), "", data.group(1))
    parts: list[tuple[str, _Resolver, str]] = []
    position = 0
    for match in _TAG.finditer(text):
        resolve, name = _resolver(match.group(1))
        parts.append((text[position : match.start()], resolve, name))
        position = match.end()
    tail = text[position:]
    return _Template(tuple(parts), tail, single=len(parts) == 1 and not parts[0][0] and not tail)


def _resolver(tag: str) -> tuple[_Resolver, str]:
    upper = tag.upper()
    if upper.startswith(_TICKET):
        name = tag[len(_TICKET) :]
        if not name.upper().startswith(_DYNAMIC_FIELD):
            return _attribute, name
        field = name[len(_DYNAMIC_FIELD) :]
        if field.upper().endswith("_VALUE"):
            return _labelled, field[: -len("_VALUE")]
        return _readable, field
    if upper.startswith(_CUSTOMER_DATA):
        return _customer, tag[len(_CUSTOMER_DATA) :]
    return _unknown, tag


def _attribute(snapshot: TicketSnapshot, _: Labels, name: str) -> str:
    found = _lookup(snapshot.attributes, name)
    return "" if found is None else found


def _customer(snapshot: TicketSnapshot, _: Labels, name: str) -> str:
    found = _lookup(snapshot.customer, name)
    return _UNKNOWN if found is None else found


def _unknown(_snapshot: TicketSnapshot, _labels: Labels, _name: str) -> str:
    return _UNKNOWN


def _labelled(snapshot: TicketSnapshot, labels: Labels, field: str) -> str:
    stored = _dynamic_field(snapshot, field)
    if stored is None:
        return ""
    names = _lookup(labels, field) or {}
    if isinstance(stored, tuple):
        return ", ".join(names.get(key, key) for key in stored)
    return names.get(stored, stored)


def _readable(snapshot: TicketSnapshot, _: Labels, field: str) -> str:
    stored = _dynamic_field(snapshot, field)
    if stored is None:
        return ""
    return ", ".join(stored) if isinstance(stored, tuple) else stored


def _dynamic_field(snapshot: TicketSnapshot, name: str) -> Value | None:
    return _lookup(snapshot.dynamic_fields, name)


def _lookup(mapping: Mapping[str, _T], name: str) -> _T | None:
    """Exact key first, then case-insensitively: OTOBO matches tag names without regard to case."""
    found = mapping.get(name)
    if found is not None:
        return found
    folded = name.casefold()
    return next((item for key, item in mapping.items() if key.casefold() == folded), None)
