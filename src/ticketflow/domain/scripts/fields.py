"""Built-in scripts that set ticket data: ``set_fields``, ``copy_fields``, ``map_value``.

Targets are ticket-data names (``Title``, ``Queue``, ``DynamicField_X`` …). A value equal to what the
ticket already holds produces no effect; an empty value clears (a required attribute may not be empty).
"""

from __future__ import annotations

from collections.abc import Mapping

from ticketflow.domain.effects import Effect, SetValue
from ticketflow.domain.errors import ScriptError
from ticketflow.domain.frozen import builder
from ticketflow.domain.parameters import Parameter
from ticketflow.domain.scripts.contract import (
    FunctionScript,
    ScriptContext,
    ScriptRun,
    check_target,
    stored,
)
from ticketflow.domain.tickets import DYNAMIC_FIELD_PREFIX, TicketSnapshot, Value

_new_set_value = builder(SetValue)
_PREFIX_LENGTH = len(
    DYNAMIC_FIELD_PREFIX
)  # scripts run inside the engine's step, see ticketflow.domain.frozen


def _set(snapshot: TicketSnapshot, target: str, value: Value | None) -> tuple[Effect, ...]:
    value = stored(target, value)
    if snapshot.value(target) == value:
        return ()
    effect: SetValue = _new_set_value(target, value, None)
    return (effect,)


def _run_set_fields(context: ScriptContext) -> tuple[Effect, ...]:
    """Each parameter ``<ticket-data name> = <value or template>``."""
    if not context.parameters:
        raise ScriptError("set_fields needs at least one parameter '<ticket-data name> = <value>'")
    effects: list[Effect] = []
    for target, template in context.parameters.items():
        effects.extend(_set(context.snapshot, check_target(target), context.render(template)))
    return tuple(effects)


def _prepare_set_fields(parameters: Mapping[str, str]) -> ScriptRun | None:
    """Parameters without placeholders: targets checked and effects built once; a run only compares
    with the ticket (about 1 µs per parameter less). Anything irregular is left to the script."""
    if not parameters or any("<" in value for value in parameters.values()):
        return None
    plan: list[tuple[str, str | None, Value | None, Effect]] = []
    try:
        for target, text in parameters.items():
            value = stored(check_target(target), text)
            field = target[_PREFIX_LENGTH:] if target.startswith(DYNAMIC_FIELD_PREFIX) else None
            plan.append((target, field, value, SetValue(target, value)))
    except ScriptError:
        return None
    steps = tuple(plan)
    every = tuple(effect for _, _, _, effect in steps)

    def run(context: ScriptContext) -> tuple[Effect, ...]:
        attributes, fields = context.snapshot.attributes, context.snapshot.dynamic_fields
        changes = [
            effect
            for target, field, value, effect in steps
            if (attributes.get(target) if field is None else fields.get(field)) != value
        ]
        # All of them (a fresh ticket, the usual case): the one prebuilt tuple, which lets the engine
        # reuse its trace entry too (see ``CompiledProcess.script_runs``).
        return every if len(changes) == len(every) else tuple(changes)

    return run


def read_source(snapshot: TicketSnapshot, source: str) -> Value | None:
    """The value a ``copy_fields`` source names (see ``copy_fields``); None when it holds nothing."""
    if source.startswith("CustomerData_"):
        return snapshot.customer.get(source.removeprefix("CustomerData_"))
    if source.startswith("Parent_"):
        parent = snapshot.attributes.get("ParentTicketID")
        if not parent:
            raise ScriptError(f"'{source}': the ticket has no parent ticket")
        return _linked(snapshot, parent, source.removeprefix("Parent_"), source)
    if source.startswith("Linked_"):
        ticket_id, _, key = source.removeprefix("Linked_").partition("_")
        if not ticket_id or not key:
            raise ScriptError(f"'{source}' is not Linked_<ticket id>_<ticket-data name>")
        return _linked(snapshot, ticket_id, key, source)
    return snapshot.value(source)


def _linked(snapshot: TicketSnapshot, ticket_id: str, key: str, source: str) -> Value | None:
    data = snapshot.linked.get(ticket_id)
    if data is None:
        raise ScriptError(f"'{source}': ticket {ticket_id} is not linked to this ticket")
    return data.get(key)


def _run_copy_fields(context: ScriptContext) -> tuple[Effect, ...]:
    if not context.parameters:
        raise ScriptError("copy_fields needs at least one parameter '<target> = <source>'")
    effects: list[Effect] = []
    for target, source in context.parameters.items():
        effects.extend(
            _set(context.snapshot, check_target(target), read_source(context.snapshot, source.strip()))
        )
    return tuple(effects)


def parse_map(text: str) -> dict[str, str]:
    """``a=>x;b=>y`` as ``{"a": "x", "b": "y"}`` (items trimmed); ScriptError for a malformed pair."""
    mapping: dict[str, str] = {}
    for pair in text.split(";"):
        if not pair.strip():
            continue
        key, arrow, value = pair.partition("=>")
        if not arrow:
            raise ScriptError(f"Map entry '{pair.strip()}' is not '<value> => <result>'")
        mapping[key.strip()] = value.strip()
    if not mapping:
        raise ScriptError("parameter 'Map' is empty; write it as 'a=>x;b=>y'")
    return mapping


def _run_map_value(context: ScriptContext) -> tuple[Effect, ...]:
    source = context.required("Source").strip()
    target = check_target(context.required("Target").strip())
    mapping = parse_map(context.required("Map"))
    default = context.parameters.get("Default")
    value = context.snapshot.value(source)

    def translate(item: str) -> str:
        if item in mapping:
            return mapping[item]
        if default is not None:
            return default
        raise ScriptError(f"{source} holds '{item}', which the Map does not name and there is no Default")

    result: Value = (
        tuple(translate(item) for item in value) if isinstance(value, tuple) else translate(value or "")
    )
    return _set(context.snapshot, target, result)


SET_FIELDS = FunctionScript(
    name="set_fields",
    description="Sets ticket data: each parameter is a ticket-data name (Title, Queue, DynamicField_X …) "
    "and its value, which may contain <OTOBO_…> placeholders.",
    parameters=(
        Parameter("<ticket-data name>", "The value to set; empty clears.", required=True, example="approved"),
    ),
    function=_run_set_fields,
    prepare=_prepare_set_fields,
)
COPY_FIELDS = FunctionScript(
    name="copy_fields",
    description=(
        "Copies values: each parameter is '<target> = <source>'. A source is a ticket-data name of this "
        "ticket (DynamicField_X, Title …), CustomerData_<key> (the customer user's data, e.g. "
        "CustomerData_UserEmail), Parent_<ticket-data name> (the parent ticket) or "
        "Linked_<ticket id>_<ticket-data name> (a linked ticket). A source holding nothing clears the "
        "target; "
        "a parent or linked ticket that is not there is an error."
    ),
    parameters=(
        Parameter("<target>", "The source to copy from.", required=True, example="CustomerData_UserPhone"),
    ),
    function=_run_copy_fields,
)
MAP_VALUE = FunctionScript(
    name="map_value",
    description="Translates one value through a table: Target = Map[Source] (each item for a list), "
    "else Default; a value the Map lacks without Default is an error.",
    parameters=(
        Parameter("Source", "Ticket-data name to read.", required=True, example="DynamicField_Category"),
        Parameter("Target", "Ticket-data name to set.", required=True, example="Queue"),
        Parameter(
            "Map",
            "Pairs 'value=>result' separated by ';'.",
            required=True,
            example="hw=>Hardware;sw=>Software",
        ),
        Parameter("Default", "Result for values the Map does not name.", example="Misc"),
    ),
    function=_run_map_value,
)
