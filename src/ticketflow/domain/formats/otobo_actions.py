"""Transition actions in OTOBO's shape (``TransitionActions.<EntityID>``) ⇄ TransitionAction (§2.5, §4).

Besides the translation, the reader points out what will not work as the author expects: ``<OTRS_…>``
tags (left literal, §3.6), ``TicketStateSet.PendingTimeDiff`` (seconds, unlike TicketCreate's
minutes, Q9) and config keys that are not names at all (a tab-joined key in Travel_expense).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ticketflow.domain.definitions import TransitionAction
from ticketflow.domain.errors import Problem
from ticketflow.domain.formats.otobo_reading import Report, mapping, text, texts
from ticketflow.domain.tickets import Value

MODULE_PREFIX = "Kernel::System::ProcessManagement::TransitionAction::"
# The modules of OTOBO rel-11_0 (reference §4).
OTOBO_MODULES = frozenset(
    {
        "DynamicFieldSet",
        "TicketArticleCreate",
        "TicketCreate",
        "TicketCustomerSet",
        "TicketLockSet",
        "TicketOwnerSet",
        "TicketQueueSet",
        "TicketResponsibleSet",
        "TicketSLASet",
        "TicketServiceSet",
        "TicketStateSet",
        "TicketTitleSet",
        "TicketTypeSet",
    }
)
_OTRS_TAG = re.compile(r"<OTRS_[^>]*>", re.IGNORECASE)
_DAY = 86400


def action_from_otobo(entity_id: str, entity: object, element: str, report: Report) -> TransitionAction:
    """The action of one ``TransitionActions`` entry; problems and warnings go to ``report``."""
    raw = mapping(entity)
    outer = mapping(raw.get("Config")) if raw is not None else None
    if raw is None or outer is None:
        report.problem(element, None, "must be a map with Name and Config")
        return TransitionAction(key=entity_id, name=entity_id, module="")
    module = text(outer.get("Module"), report, element, "Config.Module")
    if not module:
        report.problem(element, "Config.Module", "must name a transition action module")
    short = module.removeprefix(MODULE_PREFIX)
    config = _config(outer.get("Config"), element, report)
    _warn_about_config(short, config, element, report)
    return TransitionAction(
        key=entity_id,
        name=text(raw.get("Name"), report, element, "Name") or entity_id,
        module=short,
        config=config,
    )


def _config(raw: object, element: str, report: Report) -> dict[str, Value]:
    config = mapping(raw)
    if config is None:
        report.problem(element, "Config.Config", "must be a map of parameter to value")
        return {}
    if not config:
        report.warn(element, "Config.Config", "is empty: every OTOBO action module fails without a parameter")
    values: dict[str, Value] = {}
    for key, value in config.items():
        where = f"Config.Config.{key}"
        values[key] = (
            texts(value, report, element, where)
            if isinstance(value, list)
            else (text(value, report, element, where))
        )
    return values


def _warn_about_config(module: str, config: Mapping[str, Value], element: str, report: Report) -> None:
    for key, value in config.items():
        where = f"Config.Config.{key}"
        if not key.strip() or any(c.isspace() for c in key):
            report.warn(
                element,
                "Config.Config",
                f"the key {key!r} contains whitespace, so it cannot name a parameter or field; the "
                f"action will fail at runtime (looks like a corrupted export). OTOBO would still move "
                f"the ticket to the transition's target (reference Q8); ticketflow undoes the move "
                f"and stops the process as failed at its source, where an admin can retry it",
            )
        for item in (value,) if isinstance(value, str) else value:
            for tag in _OTRS_TAG.findall(item):
                report.warn(
                    element,
                    where,
                    f"{tag} is an OTRS tag: OTOBO leaves it literal (reference §3.6) and ticketflow will "
                    f"not substitute it either; use the <OTOBO_…> spelling",
                )
    if module == "TicketStateSet" and "PendingTimeDiff" in config:
        _warn_pending_diff(config["PendingTimeDiff"], element, report)


def _warn_pending_diff(value: Value, element: str, report: Report) -> None:
    try:
        seconds = int(str(value).strip())
    except ValueError:
        return
    message = f"is seconds for TicketStateSet (reference Q9): {seconds} is {duration_words(seconds)}"
    if seconds % _DAY and (seconds * 60) % _DAY == 0:
        # The classic slip: a number of minutes (TicketCreate's unit) labelled as days.
        message += (
            f", not {duration_words(seconds * 60)} (that would be {seconds} minutes, TicketCreate's unit)"
        )
    report.warn(element, "Config.Config.PendingTimeDiff", message)


def duration_words(seconds: int) -> str:
    """A duration for people: ``2.8 hours``, ``7 days``, ``1 day``, ``90 seconds``."""
    for size, unit in ((_DAY, "day"), (3600, "hour"), (60, "minute")):
        if abs(seconds) >= size:
            amount = round(seconds / size, 1)
            number = f"{amount:g}"
            return f"{number} {unit}" if number == "1" else f"{number} {unit}s"
    return f"{seconds} second" if seconds == 1 else f"{seconds} seconds"


def action_to_otobo(action: TransitionAction, element: str, warnings: list[Problem]) -> dict[str, Any]:
    """The ``TransitionActions`` entry of ``action`` without its EntityID (OTOBO's shape, §5.1)."""
    module = action.module if "::" in action.module else MODULE_PREFIX + action.module
    if action.module not in OTOBO_MODULES and "::" not in action.module:
        warnings.append(
            Problem(
                element,
                f"OTOBO has no transition action module {action.module!r}",
                field="module",
                severity="warning",
            )
        )
    if not action.config:
        warnings.append(
            Problem(element, "OTOBO's modules fail without a parameter", field="config", severity="warning")
        )
    config = {k: list(v) if isinstance(v, tuple) else v for k, v in action.config.items()}
    return {"Name": action.name, "Config": {"Module": module, "Config": config}}
