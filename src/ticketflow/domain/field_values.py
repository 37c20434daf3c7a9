"""Values entered for ticket fields: checked against the catalog and brought to their stored form.

A dialog submission and a dialog's default values go through the same check, so a default that
could never be submitted is caught when the definition is validated. Stored forms follow the
ticket data (reference §2.4): a Dropdown stores its key, a Multiselect a tuple of keys, a Checkbox
``"0"``/``"1"``, dates ``YYYY-MM-DD HH:MM:SS``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Sequence
from datetime import date, datetime
from typing import assert_never

from ticketflow.domain.catalog import Catalog, DynamicFieldDefinition, DynamicFieldType
from ticketflow.domain.errors import InvalidInputError
from ticketflow.domain.tickets import DYNAMIC_FIELD_PREFIX, Value

RawValue = str | Sequence[str]

LOCK_VALUES = frozenset({"lock", "unlock", "tmp_lock"})

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")

_TRUE = frozenset({"1", "true", "on", "yes", "checked"})
_FALSE = frozenset({"0", "false", "off", "no", ""})

# Attribute → (what it is called in messages, the catalog names it must be one of).
_NAMED_ATTRIBUTES: dict[str, tuple[str, Callable[[Catalog], Collection[str]]]] = {
    "Queue": ("queue", lambda c: c.queues),
    "State": ("state", lambda c: c.states),
    "Priority": ("priority", lambda c: c.priorities),
    "Type": ("type", lambda c: c.types),
    "Service": ("service", lambda c: c.services),
    "SLA": ("SLA", lambda c: c.slas),
    "Owner": ("user", lambda c: c.users),
    "Responsible": ("user", lambda c: c.users),
    "CustomerUserID": ("customer user", lambda c: c.customer_users),
}
_FREE_TEXT_ATTRIBUTES = frozenset({"Title", "CustomerID"})


def is_empty(raw: RawValue | None) -> bool:
    """True for a missing value, blank text or a list without any non-blank item."""
    if raw is None:
        return True
    if isinstance(raw, str):
        return not raw.strip()
    return all(not item.strip() for item in raw)


def cleared_value(name: str, catalog: Catalog) -> Value:
    """The stored form of "no value" for a field: ``()`` for a Multiselect, else ``""``."""
    definition = find_dynamic_field(name, catalog)
    return () if definition is not None and definition.is_list else ""


def find_dynamic_field(name: str, catalog: Catalog) -> DynamicFieldDefinition | None:
    """The definition behind ``DynamicField_<Name>``, or None (also for attribute names)."""
    if not name.startswith(DYNAMIC_FIELD_PREFIX):
        return None
    return catalog.dynamic_fields.get(name[len(DYNAMIC_FIELD_PREFIX) :])


def normalise_value(name: str, raw: RawValue, catalog: Catalog) -> Value:
    """``raw`` entered for the field ``name`` (an attribute or ``DynamicField_<Name>``) in stored form.

    Raises InvalidInputError (``field`` = ``name``, message starting with the name) when the field is
    unknown or the value does not fit it. Blank values are the caller's business (see ``is_empty``).
    """
    if name.startswith(DYNAMIC_FIELD_PREFIX):
        definition = find_dynamic_field(name, catalog)
        if definition is None:
            raise _rejected(name, f"dynamic field '{name[len(DYNAMIC_FIELD_PREFIX) :]}' does not exist")
        return _dynamic_field_value(name, definition, raw)
    return _attribute_value(name, _single(name, raw), catalog)


def _attribute_value(name: str, text: str, catalog: Catalog) -> str:
    if name in _NAMED_ATTRIBUTES:
        label, names = _NAMED_ATTRIBUTES[name]
        if text not in names(catalog):
            raise _rejected(name, f"{label} '{text}' does not exist")
        return text
    if name == "Lock":
        if text not in LOCK_VALUES:
            raise _rejected(name, f"'{text}' is not lock, unlock or tmp_lock")
        return text
    if name == "PendingTime":
        return _date_time(name, text)
    if name in _FREE_TEXT_ATTRIBUTES:
        return _single_line(name, text)
    raise _rejected(name, "is not a ticket field")


def _dynamic_field_value(name: str, definition: DynamicFieldDefinition, raw: RawValue) -> Value:
    match definition.type:
        case DynamicFieldType.MULTISELECT:
            items = (raw,) if isinstance(raw, str) else tuple(raw)
            return tuple(_option(name, definition, item) for item in items if item.strip())
        case DynamicFieldType.DROPDOWN:
            return _option(name, definition, _single(name, raw))
        case DynamicFieldType.CHECKBOX:
            return _checkbox(name, _single(name, raw))
        case DynamicFieldType.DATE:
            return _date(name, _single(name, raw))
        case DynamicFieldType.DATE_TIME:
            return _date_time(name, _single(name, raw))
        case DynamicFieldType.TEXT:
            return _single_line(name, _single(name, raw))
        case DynamicFieldType.TEXT_AREA:
            return raw if isinstance(raw, str) else _single(name, raw)
        case unknown:
            assert_never(unknown)


def _single(name: str, raw: RawValue) -> str:
    if isinstance(raw, str):
        return raw.strip()
    items = [item for item in raw if item.strip()]
    if len(items) > 1:
        raise _rejected(name, "takes one value, not a list")
    return items[0].strip() if items else ""


def _option(name: str, definition: DynamicFieldDefinition, text: str) -> str:
    """A Dropdown/Multiselect entry as its key; the label is accepted too (forms may post either)."""
    text = text.strip()
    if text in definition.possible_values:
        return text
    for key, label in definition.possible_values.items():
        if label == text:
            return key
    raise _rejected(name, f"'{text}' is not one of its possible values ({_choices(definition)})")


def _choices(definition: DynamicFieldDefinition, shown: int = 10) -> str:
    """The possible values' keys for an error message: a person then knows what to type instead."""
    keys = list(definition.possible_values)
    if not keys:
        return "it has none"
    listed = ", ".join(keys[:shown])
    return listed if len(keys) <= shown else f"{listed} and {len(keys) - shown} more"


def _checkbox(name: str, text: str) -> str:
    lowered = text.lower()
    if lowered in _TRUE:
        return "1"
    if lowered in _FALSE:
        return "0"
    raise _rejected(name, f"'{text}' is not a checkbox value (0 or 1)")


def _date(name: str, text: str) -> str:
    day = text.removesuffix(" 00:00:00")
    try:
        # The pattern first: fromisoformat alone also takes "20240101" and week dates.
        if not _DATE.fullmatch(day):
            raise ValueError(day)
        parsed = date.fromisoformat(day)
    except ValueError:
        raise _rejected(name, f"'{text}' is not a date (YYYY-MM-DD)") from None
    return f"{parsed.isoformat()} 00:00:00"


def _date_time(name: str, text: str) -> str:
    for pattern in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M"):
        try:
            # Naive on purpose: the value is a wall-clock text in OTOBO's format, never compared to now.
            moment = datetime.strptime(text, pattern)  # noqa: DTZ007
        except ValueError:
            continue
        return moment.strftime("%Y-%m-%d %H:%M:%S")
    raise _rejected(name, f"'{text}' is not a date and time (YYYY-MM-DD HH:MM[:SS])")


def _single_line(name: str, text: str) -> str:
    if "\n" in text or "\r" in text:
        raise _rejected(name, "must be a single line")
    return text


def _rejected(name: str, reason: str) -> InvalidInputError:
    return InvalidInputError(reason, field=name)
