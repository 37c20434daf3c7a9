"""What a process definition refers to outside itself, and which of those things are missing here.

OTOBO's import only checks the dynamic fields of dialogs (reference §5.2 step 2); a definition that
names a queue, state, user or dynamic field that does not exist fails later, at runtime, ticket by
ticket. We collect every outside name a definition uses — in dialogs, conditions, transition actions,
scripts, service tasks and sub-process calls — so an import can refuse with the complete list.

Usages are located like every Problem: ``dialog:<activity>/<dialog>``, ``transition:<key>``,
``action:<transition>/<index>`` (0-based), ``activity:<key>``; ``field`` says where inside.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import assert_never

from ticketflow.domain.catalog import Catalog
from ticketflow.domain.conditions import Condition, MatchType
from ticketflow.domain.definitions import Activity, Process, TransitionAction
from ticketflow.domain.errors import Problem
from ticketflow.domain.tickets import DYNAMIC_FIELD_PREFIX, Value

# A tag that reads a dynamic field (§3.6). Tags are case-insensitive, dynamic field names are not,
# and names hold no underscore, so the optional ``_Value``/``_Data`` suffix is unambiguous.
_DF_TAG = re.compile(r"(?i:<OTOBO_TICKET_DynamicField_)([A-Za-z0-9]+)(?i:_Value|_Data)?>")
_PLACEHOLDER = "<OTOBO_"
# What a dynamic field may be called (letters and digits, optionally behind one ``Namespace-``).
_DF_NAME = re.compile(r"[A-Za-z0-9]+(?:-[A-Za-z0-9]+)?")


class ReferenceKind(StrEnum):
    """A kind of thing outside the definition; the value is how messages name it."""

    QUEUE = "queue"
    STATE = "state"
    PRIORITY = "priority"
    TYPE = "type"
    SERVICE = "service"
    SLA = "SLA"
    USER = "user"
    ROLE = "role"
    DYNAMIC_FIELD = "dynamic field"
    WEB_SERVICE = "web service"
    INVOKER = "invoker"
    SCRIPT = "script"
    PROCESS = "process"
    NOTIFICATION_TEMPLATE = "notification template"


# Ticket attributes whose value names a thing in the catalog: dialog defaults, condition matches and
# action config keys of the same name (TicketQueueSet's ``Queue``, TicketCreate's ``Owner`` …, §4).
ATTRIBUTE_KINDS: Mapping[str, ReferenceKind] = {
    "Queue": ReferenceKind.QUEUE,
    "State": ReferenceKind.STATE,
    "Priority": ReferenceKind.PRIORITY,
    "Type": ReferenceKind.TYPE,
    "Service": ReferenceKind.SERVICE,
    "SLA": ReferenceKind.SLA,
    "Owner": ReferenceKind.USER,
    "Responsible": ReferenceKind.USER,
}

# Action config keys naming other things. ``Recipients`` holds SendNotification's specs
# (``role:<name>``, ``queue:<name>``, … see effects.SendNotification).
_RECIPIENT_KEYS = frozenset({"Recipients", "Recipient"})
_TEMPLATE_KEYS = frozenset({"Template", "NotificationTemplate"})
_PROCESS_KEYS = frozenset({"Process", "ProcessKey"})
_ROLE_KEYS = frozenset({"Role", "Roles"})
_DF_NAME_KEYS = frozenset({"StoreTicketIDDynamicField"})
# DynamicFieldSet keys that are not dynamic field names (§4); ``DynamicField_UserID`` addresses a
# field literally called UserID, so the prefix is stripped from every other key.
_DYNAMIC_FIELD_SET_OWN_KEYS = frozenset({"TicketID", "UserID"})


@dataclass(frozen=True, slots=True)
class Usage:
    """Where a definition uses a name: an element and, inside it, a field or config key."""

    element: str
    field: str | None = None


@dataclass(frozen=True, slots=True)
class Reference:
    """One outside thing and every place that uses it. ``web_service`` is set for invokers only."""

    kind: ReferenceKind
    name: str
    used_by: tuple[Usage, ...]
    web_service: str | None = None

    @property
    def label(self) -> str:
        """How messages name it, e.g. ``dynamic field 'Amount'``."""
        within = f" of web service '{self.web_service}'" if self.web_service is not None else ""
        return f"{self.kind.value} '{self.name}'{within}"


@dataclass(frozen=True, slots=True)
class References:
    """Everything a definition refers to, in the order first used."""

    items: tuple[Reference, ...]

    def of(self, kind: ReferenceKind) -> tuple[Reference, ...]:
        return tuple(r for r in self.items if r.kind is kind)

    def names(self, kind: ReferenceKind) -> frozenset[str]:
        return frozenset(r.name for r in self.items if r.kind is kind)


def action_module_name(module: str) -> str:
    """A transition action's module without its class path: OTOBO's and Znuny's
    ``Kernel::System::ProcessManagement::TransitionAction::TicketQueueSet`` is ``TicketQueueSet``."""
    return module.rpartition("::")[2].strip()


def has_placeholder(value: Value) -> bool:
    """True when a config value holds an ``<OTOBO_…>`` tag: only known when the action runs."""
    texts = (value,) if isinstance(value, str) else value
    return any(_PLACEHOLDER in text.upper() for text in texts)


def collect_references(process: Process) -> References:
    """Every queue, state, priority, type, service, SLA, user, role, dynamic field, web service and
    invoker, script, process and notification template ``process`` refers to, with its usages.

    Values holding ``<OTOBO_…>`` tags are skipped (only the running action knows them), except that a
    tag reading a dynamic field is itself a reference to that field.
    """
    found: dict[tuple[ReferenceKind, str, str | None], list[Usage]] = {}
    for kind, name, usage, web_service in _walk(process):
        usages = found.setdefault((kind, name, web_service), [])
        if usage not in usages:
            usages.append(usage)
    return References(
        tuple(
            Reference(kind, name, tuple(usages), web_service)
            for (kind, name, web_service), usages in found.items()
        )
    )


def missing_references(refs: References, catalog: Catalog) -> tuple[Problem, ...]:
    """One Problem per referenced thing that ``catalog`` lacks, located on its first usage, e.g.
    ``dynamic field 'X' does not exist (used by dialog:A/D, transition:T)``. An invoker of a missing
    web service is not reported separately: the web service is."""
    problems = []
    for ref in refs.items:
        if not _exists(ref, catalog):
            elements = ", ".join(dict.fromkeys(u.element for u in ref.used_by))
            message = f"{ref.label} does not exist (used by {elements})"
            problems.append(Problem(ref.used_by[0].element, message))
    return tuple(problems)


def missing_reference_usages(refs: References, catalog: Catalog) -> tuple[Problem, ...]:
    """Like ``missing_references`` but one Problem per usage, each on its own element and field, so
    an editor can mark every place."""
    return tuple(
        Problem(usage.element, f"{ref.label} does not exist", usage.field)
        for ref in refs.items
        if not _exists(ref, catalog)
        for usage in ref.used_by
    )


def _exists(ref: Reference, catalog: Catalog) -> bool:  # noqa: C901  # one flat case per kind
    match ref.kind:
        case ReferenceKind.QUEUE:
            return ref.name in catalog.queues
        case ReferenceKind.STATE:
            return ref.name in catalog.states
        case ReferenceKind.PRIORITY:
            return ref.name in catalog.priorities
        case ReferenceKind.TYPE:
            return ref.name in catalog.types
        case ReferenceKind.SERVICE:
            return ref.name in catalog.services
        case ReferenceKind.SLA:
            return ref.name in catalog.slas
        case ReferenceKind.USER:
            return ref.name in catalog.users
        case ReferenceKind.ROLE:
            return ref.name in catalog.roles
        case ReferenceKind.DYNAMIC_FIELD:
            return ref.name in catalog.dynamic_fields
        case ReferenceKind.WEB_SERVICE:
            return ref.name in catalog.web_services
        case ReferenceKind.INVOKER:
            invokers = catalog.web_services.get(ref.web_service or "")
            return invokers is None or ref.name in invokers
        case ReferenceKind.SCRIPT:
            return ref.name in catalog.scripts
        case ReferenceKind.PROCESS:
            return ref.name in catalog.processes
        case ReferenceKind.NOTIFICATION_TEMPLATE:
            return ref.name in catalog.notification_templates
        case unknown:
            assert_never(unknown)


_Found = tuple[ReferenceKind, str, Usage, str | None]


def _walk(process: Process) -> Iterator[_Found]:
    for activity in process.activities:
        yield from _from_activity(activity)
    for transition in process.transitions:
        element = f"transition:{transition.key}"
        if transition.condition is not None:
            yield from _from_condition(transition.condition, element)
        for index, action in enumerate(transition.actions):
            yield from _from_action(action, f"action:{transition.key}/{index}")


def _from_activity(activity: Activity) -> Iterator[_Found]:
    element = f"activity:{activity.key}"
    for dialog in activity.dialogs:
        dialog_element = f"dialog:{activity.key}/{dialog.key}"
        for field in dialog.fields:
            yield from _from_field_name(field.name, Usage(dialog_element, field.name))
            if field.default is not None:
                yield from _from_attribute_value(field.name, field.default, Usage(dialog_element, field.name))
    if activity.script is not None:
        yield ReferenceKind.SCRIPT, activity.script.script, Usage(element, "script"), None
        yield from _from_parameters(activity.script.parameters, element)
    if activity.service is not None:
        service = activity.service
        yield ReferenceKind.WEB_SERVICE, service.web_service, Usage(element, "web_service"), None
        yield ReferenceKind.INVOKER, service.invoker, Usage(element, "invoker"), service.web_service
        yield from _from_parameters(service.parameters, element)
    if activity.sub_process is not None:
        call = activity.sub_process
        yield ReferenceKind.PROCESS, call.process_key, Usage(element, "sub_process"), None
        for name in (*call.fields_in, *call.fields_in.values(), *call.fields_out, *call.fields_out.values()):
            yield from _from_field_name(name, Usage(element, "sub_process"))


def _from_parameters(parameters: Mapping[str, str], element: str) -> Iterator[_Found]:
    """Script and service parameters. Keys and values may be ticket-data names (``set_fields`` takes
    ``Queue: Sales``, ``map_value`` takes ``Source: DynamicField_X``); values may read fields by tag."""
    for key, value in parameters.items():
        usage = Usage(element, key)
        yield from _from_field_name(key, usage)
        yield from _from_attribute_value(key, value, usage)
        yield from _from_field_name(value.strip(), usage)
        yield from _from_tags(value, usage)


def _from_condition(condition: Condition, element: str) -> Iterator[_Found]:
    for group in condition.groups:
        for match in group.fields:
            usage = Usage(element, match.field)
            yield from _from_field_name(match.field, usage)
            # Only equality tests name a thing; a pattern or an ordering does not.
            if match.type in (MatchType.STRING, MatchType.NOT_EQUAL) and isinstance(match.match, str):
                yield from _from_attribute_value(match.field, match.match, usage)


def _from_action(action: TransitionAction, element: str) -> Iterator[_Found]:
    module = action_module_name(action.module)
    for key, value in action.config.items():
        at = Usage(element, key)
        yield from _from_tags(value, at)
        if module == "DynamicFieldSet" and key not in _DYNAMIC_FIELD_SET_OWN_KEYS:
            name = key.removeprefix(DYNAMIC_FIELD_PREFIX)
            # A key that cannot be a field name (Travel_expense's tab-joined one) names nothing that
            # could be created; the importer warns and the action fails at runtime, as in OTOBO.
            if _DF_NAME.fullmatch(name):
                yield ReferenceKind.DYNAMIC_FIELD, name, at, None
        else:
            yield from _from_config_entry(key, value, at)


def _from_config_entry(key: str, value: Value, usage: Usage) -> Iterator[_Found]:
    yield from _from_field_name(key, usage)
    yield from _from_attribute_value(key, value, usage)
    if has_placeholder(value):
        return
    texts = _texts(value)
    if key in _RECIPIENT_KEYS:
        yield from _from_recipients(texts, usage)
    for keys, kind in (
        (_TEMPLATE_KEYS, ReferenceKind.NOTIFICATION_TEMPLATE),
        (_PROCESS_KEYS, ReferenceKind.PROCESS),
        (_ROLE_KEYS, ReferenceKind.ROLE),
    ):
        if key in keys:
            yield from ((kind, text, usage, None) for text in texts)
    if key in _DF_NAME_KEYS:
        yield from ((ReferenceKind.DYNAMIC_FIELD, text, usage, None) for text in texts)


def _from_recipients(specs: Iterable[str], usage: Usage) -> Iterator[_Found]:
    for spec in specs:
        prefix, _, name = spec.partition(":")
        if prefix == "role" and name:
            yield ReferenceKind.ROLE, name.strip(), usage, None
        elif prefix == "queue" and name:
            yield ReferenceKind.QUEUE, name.strip(), usage, None


def _from_field_name(name: str, usage: Usage) -> Iterator[_Found]:
    if name.startswith(DYNAMIC_FIELD_PREFIX) and len(name) > len(DYNAMIC_FIELD_PREFIX):
        yield ReferenceKind.DYNAMIC_FIELD, name[len(DYNAMIC_FIELD_PREFIX) :], usage, None


def _from_attribute_value(attribute: str, value: Value, usage: Usage) -> Iterator[_Found]:
    kind = ATTRIBUTE_KINDS.get(attribute)
    if kind is None or has_placeholder(value):
        return
    yield from ((kind, text, usage, None) for text in _texts(value))


def _from_tags(value: Value, usage: Usage) -> Iterator[_Found]:
    for text in (value,) if isinstance(value, str) else value:
        for tag in _DF_TAG.finditer(text):
            yield ReferenceKind.DYNAMIC_FIELD, tag.group(1), usage, None


def _texts(value: Value) -> tuple[str, ...]:
    """The non-blank items of a config value; text is read as a comma-separated list (§3.6)."""
    items = value.split(",") if isinstance(value, str) else value
    return tuple(item.strip() for item in items if item.strip())
