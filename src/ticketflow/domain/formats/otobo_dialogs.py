"""Activity dialogs in OTOBO's shape (``ActivityDialogs.<EntityID>``) ⇄ ActivityDialog (reference §2.3)."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from ticketflow.domain.definitions import ActivityDialog, DialogField, FieldDisplay, Interface
from ticketflow.domain.formats.otobo_reading import Report, mapping, text, texts
from ticketflow.domain.tickets import Value

_DISPLAYS = {"0": FieldDisplay.HIDDEN, "1": FieldDisplay.OPTIONAL, "2": FieldDisplay.MANDATORY}
_DISPLAY_CODES = {display: code for code, display in _DISPLAYS.items()}
_INTERFACES = {
    frozenset({"AgentInterface"}): Interface.AGENT,
    frozenset({"CustomerInterface"}): Interface.CUSTOMER,
    frozenset({"AgentInterface", "CustomerInterface"}): Interface.BOTH,
}
_INTERFACE_LISTS = {
    Interface.AGENT: ["AgentInterface"],
    Interface.CUSTOMER: ["CustomerInterface"],
    Interface.BOTH: ["AgentInterface", "CustomerInterface"],
}
# The Article field's Config, OTOBO name → ticketflow name (definitions.DialogField.config).
_ARTICLE_CONFIG = {
    "CommunicationChannel": "communication_channel",
    "IsVisibleForCustomer": "visible_for_customer",
    "TimeUnits": "time_units",
}
_ARTICLE_CONFIG_BACK = {ours: theirs for theirs, ours in _ARTICLE_CONFIG.items()}


def dialog_from_otobo(entity_id: str, entity: object, element: str, report: Report) -> ActivityDialog:
    """The dialog of one ``ActivityDialogs`` entry; problems and warnings go to ``report``."""
    raw = mapping(entity)
    config = mapping(raw.get("Config")) if raw is not None else None
    if raw is None or config is None:
        report.problem(element, None, "must be a map with Name and Config")
        return ActivityDialog(key=entity_id, name=entity_id)
    _warn_dropped(config, element, report)
    return ActivityDialog(
        key=entity_id,
        name=text(raw.get("Name"), report, element, "Name") or entity_id,
        description_short=text(config.get("DescriptionShort"), report, element, "Config.DescriptionShort"),
        description_long=text(config.get("DescriptionLong"), report, element, "Config.DescriptionLong"),
        interface=_interface(config.get("Interface"), element, report),
        fields=_fields(config, element, report),
        permission=text(config.get("Permission"), report, element, "Config.Permission") or None,
        required_lock=_flag(config.get("RequiredLock"), element, report),
        submit_button_text=text(config.get("SubmitButtonText"), report, element, "Config.SubmitButtonText"),
        submit_advice_text=text(config.get("SubmitAdviceText"), report, element, "Config.SubmitAdviceText"),
    )


def _warn_dropped(config: Mapping[str, Any], element: str, report: Report) -> None:
    # OTOBO 11 extras that ticketflow's dialogs do not have (reference §2.3).
    if config.get("InputFieldDefinition") not in (None, "", []):
        report.warn(element, "Config.InputFieldDefinition", "the multi-column layout is not imported")
    if config.get("DirectSubmit") not in (None, "", "0", 0):
        report.warn(element, "Config.DirectSubmit", "direct submit buttons are not imported")


def _interface(raw: object, element: str, report: Report) -> Interface:
    # A single interface written as a string instead of a one-element list is accepted.
    names = (raw,) if isinstance(raw, str) and raw else texts(raw, report, element, "Config.Interface")
    interface = _INTERFACES.get(frozenset(names))
    if interface is None:
        report.problem(
            element,
            "Config.Interface",
            f"{list(names)!r} must list AgentInterface, CustomerInterface or both",
        )
        return Interface.AGENT
    return interface


def _flag(raw: object, element: str, report: Report) -> bool:
    # RequiredLock appears as '0', 0, '1' and 1 in real exports (reference §5.1).
    value = text(raw, report, element, "Config.RequiredLock")
    if value not in ("", "0", "1"):
        report.problem(element, "Config.RequiredLock", f"{value!r} must be 0 or 1")
    return value == "1"


def _fields(config: Mapping[str, Any], element: str, report: Report) -> tuple[DialogField, ...]:
    fields = mapping(config.get("Fields"))
    if fields is None:
        report.problem(element, "Config.Fields", "must be a map of field name to field config")
        return ()
    order = texts(config.get("FieldOrder"), report, element, "Config.FieldOrder")
    for name in order:
        if name not in fields:
            report.warn(element, "Config.FieldOrder", f"names {name!r}, which is not in Fields; left out")
    unordered = sorted(name for name in fields if name not in order)
    for name in unordered:
        report.warn(element, "Config.FieldOrder", f"does not list {name!r}; it is shown last")
    names = [name for name in dict.fromkeys(order) if name in fields] + unordered
    return tuple(_field(name, fields[name], f"Config.Fields.{name}", element, report) for name in names)


def _field(name: str, raw: object, where: str, element: str, report: Report) -> DialogField:
    spec = mapping(raw)
    if spec is None:
        report.problem(element, where, "must be a map with Display and DefaultValue")
        return DialogField(name=name)
    display_code = text(spec.get("Display"), report, element, f"{where}.Display") or "1"
    display = _DISPLAYS.get(display_code)
    if display is None:
        report.problem(element, f"{where}.Display", f"{display_code!r} is not one of 0, 1, 2")
    return DialogField(
        name=name,
        display=display or FieldDisplay.OPTIONAL,
        default=_default(spec.get("DefaultValue"), f"{where}.DefaultValue", element, report),
        description_short=text(spec.get("DescriptionShort"), report, element, f"{where}.DescriptionShort"),
        description_long=text(spec.get("DescriptionLong"), report, element, f"{where}.DescriptionLong"),
        config=_field_config(spec.get("Config"), f"{where}.Config", element, report),
    )


def _default(raw: object, where: str, element: str, report: Report) -> Value | None:
    # OTOBO's '' means "no default" (reference §2.3).
    if isinstance(raw, list):
        return texts(raw, report, element, where) or None
    return text(raw, report, element, where) or None


def _field_config(raw: object, where: str, element: str, report: Report) -> Mapping[str, str]:
    config = mapping(raw)
    if config is None:
        report.problem(element, where, "must be a map")
        return MappingProxyType({})
    return MappingProxyType(
        {_ARTICLE_CONFIG.get(k, k): text(v, report, element, f"{where}.{k}") for k, v in config.items()}
    )


def dialog_to_otobo(dialog: ActivityDialog) -> dict[str, Any]:
    """The ``ActivityDialogs`` entry of ``dialog`` without its EntityID (OTOBO's shape, §5.1)."""
    return {
        "Name": dialog.name,
        "Config": {
            "DescriptionShort": dialog.description_short,
            "DescriptionLong": dialog.description_long,
            "Interface": list(_INTERFACE_LISTS[dialog.interface]),
            "FieldOrder": [f.name for f in dialog.fields],
            "Fields": {f.name: _field_to_otobo(f) for f in dialog.fields},
            "Permission": dialog.permission or "",
            "RequiredLock": "1" if dialog.required_lock else "0",
            "SubmitAdviceText": dialog.submit_advice_text,
            "SubmitButtonText": dialog.submit_button_text,
        },
    }


def _field_to_otobo(field: DialogField) -> dict[str, Any]:
    default = field.default
    result: dict[str, Any] = {
        "Display": _DISPLAY_CODES[field.display],
        "DefaultValue": list(default) if isinstance(default, tuple) else (default or ""),
        "DescriptionShort": field.description_short,
        "DescriptionLong": field.description_long,
    }
    if field.config:
        result["Config"] = {_ARTICLE_CONFIG_BACK.get(k, k): v for k, v in field.config.items()}
    return result
