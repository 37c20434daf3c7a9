"""The catalog sections of the admin pages, as data: for each kind of record, the columns of its list
and the fields of its create form, and how a submitted form becomes an ``admin.add_*`` call. One
generic list page and one generic form serve them all, so every section behaves the same."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from ticketflow.domain.catalog import DynamicFieldType
from ticketflow.domain.errors import InvalidInputError
from ticketflow.usecases import admin
from ticketflow.usecases.admin import CatalogCache, UnitOfWorkFactory
from ticketflow.usecases.catalog_records import (
    PERMISSION_KEYS,
    STATE_TYPES,
    Agent,
    CatalogRecord,
    CustomerUser,
    DynamicField,
    Group,
    NotificationTemplate,
    Priority,
    Queue,
    Role,
    State,
    TicketType,
    WebService,
)
from ticketflow.usecases.notification_templates import CONTENT_TYPES, save_template

Form = Mapping[str, str]
Create = Callable[[UnitOfWorkFactory, Form, CatalogCache], object]


@dataclass(frozen=True, slots=True)
class InputSpec:
    name: str
    label: str
    widget: str = "text"  # text, textarea, select
    options: tuple[str, ...] = ()
    mandatory: bool = False
    hint: str = ""


@dataclass(frozen=True, slots=True)
class Section:
    slug: str
    title: str
    kind: type[CatalogRecord]
    columns: tuple[tuple[str, Callable[[object], str]], ...]
    inputs: tuple[InputSpec, ...] = ()
    create: Create | None = None
    editable: bool = False  # each row links to an edit page (/agent/admin/<slug>/<key>)


def _attr(name: str) -> Callable[[object], str]:
    def read(record: object) -> str:
        value = getattr(record, name, "")
        if isinstance(value, bool):
            return "yes" if value else "no"
        if isinstance(value, tuple):
            return ", ".join(str(v) for v in value)
        return str(value or "")

    return read


def _permissions(record: object) -> str:
    granted = record.permissions if isinstance(record, Role) else {}
    return "; ".join(f"{group}: {', '.join(sorted(keys))}" for group, keys in sorted(granted.items()))


def _invokers(record: object) -> str:
    return ", ".join(sorted(record.invokers)) if isinstance(record, WebService) else ""


def _lines(text: str, field: str) -> dict[str, str]:
    """``key=label`` or ``group: ro, rw`` lines into a mapping (the separator is ``=`` or ``:``)."""
    result: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip():
            continue
        key, separator, value = line.partition("=") if "=" in line else line.partition(":")
        if not separator:
            raise InvalidInputError(f"'{line.strip()}' needs a key, '=' or ':' and a value", field=field)
        result[key.strip()] = value.strip()
    return result


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.replace("\n", ",").split(",") if part.strip()]


def _dynamic_field_type(text: str) -> DynamicFieldType:
    try:
        return DynamicFieldType(text)
    except ValueError:
        raise InvalidInputError(f"'{text}' is not a dynamic field type", field="type") from None


VALID = ("Valid", _attr("valid"))

TEMPLATE_INPUTS = (
    InputSpec("name", "Name", mandatory=True),
    InputSpec("subject", "Subject", mandatory=True, hint="one line; placeholders allowed"),
    InputSpec(
        "content_type",
        "Format",
        "select",
        tuple(CONTENT_TYPES),
        True,
        hint="text/html: an HTML mail with a plain-text alternative made from it",
    ),
    InputSpec("body", "Body", "textarea", mandatory=True, hint="placeholders: see the list below"),
)


def save_template_record(
    uow: UnitOfWorkFactory, form: Form, cache: CatalogCache, existing: str | None
) -> NotificationTemplate:
    return save_template(uow, form, existing=existing, cache=cache)


SECTIONS: tuple[Section, ...] = (
    Section(
        "queues",
        "Queues",
        Queue,
        (("Name", _attr("name")), ("Group", _attr("group")), ("Comment", _attr("comment")), VALID),
        (
            InputSpec("name", "Name", mandatory=True),
            InputSpec("group", "Group", mandatory=True, hint="e.g. users"),
            InputSpec("comment", "Comment"),
        ),
        lambda uow, f, cache: admin.add_queue(uow, f["name"], f["group"], f["comment"], cache=cache),
    ),
    Section(
        "states",
        "States",
        State,
        (("Name", _attr("name")), ("Type", _attr("type")), ("Comment", _attr("comment")), VALID),
        (
            InputSpec("name", "Name", mandatory=True),
            InputSpec("type", "State type", "select", STATE_TYPES, True),
            InputSpec("comment", "Comment"),
        ),
        lambda uow, f, cache: admin.add_state(uow, f["name"], f["type"], f["comment"], cache=cache),
    ),
    Section(
        "priorities",
        "Priorities",
        Priority,
        (("Name", _attr("name")), VALID),
        (InputSpec("name", "Name", mandatory=True, hint="rank first, e.g. '3 normal'"),),
        lambda uow, f, cache: admin.add_priority(uow, f["name"], cache=cache),
    ),
    Section(
        "types",
        "Ticket types",
        TicketType,
        (("Name", _attr("name")), VALID),
        (InputSpec("name", "Name", mandatory=True),),
        lambda uow, f, cache: admin.add_type(uow, f["name"], cache=cache),
    ),
    Section(
        "dynamic-fields",
        "Dynamic fields",
        DynamicField,
        (
            ("Name", _attr("name")),
            ("Label", _attr("label")),
            ("Type", lambda r: str(getattr(r, "type", ""))),
            ("Values", lambda r: ", ".join(getattr(r, "possible_values", {}).values())),
            VALID,
        ),
        (
            InputSpec("name", "Name", mandatory=True, hint="letters and digits"),
            InputSpec("label", "Label", mandatory=True),
            InputSpec("type", "Type", "select", tuple(t.value for t in DynamicFieldType), True),
            InputSpec(
                "possible_values",
                "Possible values",
                "textarea",
                hint="Dropdown/Multiselect: one key=label a line",
            ),
        ),
        lambda uow, f, cache: admin.add_dynamic_field(
            uow,
            f["name"],
            f["label"],
            _dynamic_field_type(f["type"]),
            _lines(f["possible_values"], "possible_values"),
            cache=cache,
        ),
    ),
    Section(
        "agents",
        "Agents",
        Agent,
        (
            ("Login", _attr("login")),
            ("First name", _attr("first_name")),
            ("Last name", _attr("last_name")),
            ("E-mail", _attr("email")),
            ("Roles", _attr("roles")),
            VALID,
        ),
        (
            InputSpec("login", "Login", mandatory=True),
            InputSpec("first_name", "First name"),
            InputSpec("last_name", "Last name"),
            InputSpec("email", "E-mail", mandatory=True),
            InputSpec("roles", "Roles", hint="comma-separated role names"),
        ),
        lambda uow, f, cache: admin.add_agent(
            uow, f["login"], f["first_name"], f["last_name"], f["email"], _split(f["roles"]), cache=cache
        ),
    ),
    Section(
        "customers",
        "Customer users",
        CustomerUser,
        (
            ("Login", _attr("login")),
            ("E-mail", _attr("email")),
            ("First name", _attr("first_name")),
            ("Last name", _attr("last_name")),
            ("Customer", _attr("customer_id")),
            VALID,
        ),
        (
            InputSpec("login", "Login", mandatory=True),
            InputSpec("email", "E-mail", mandatory=True),
            InputSpec("first_name", "First name"),
            InputSpec("last_name", "Last name"),
            InputSpec("customer_id", "Customer (company id)"),
        ),
        lambda uow, f, cache: admin.add_customer_user(
            uow, f["login"], f["email"], f["first_name"], f["last_name"], f["customer_id"], cache=cache
        ),
    ),
    Section(
        "roles",
        "Roles",
        Role,
        (("Name", _attr("name")), ("Permissions", _permissions), ("Comment", _attr("comment")), VALID),
        (
            InputSpec("name", "Name", mandatory=True),
            InputSpec(
                "permissions",
                "Permissions",
                "textarea",
                hint=f"one 'group: keys' a line; keys: {', '.join(PERMISSION_KEYS)}",
            ),
            InputSpec("comment", "Comment"),
        ),
        lambda uow, f, cache: admin.add_role(
            uow,
            f["name"],
            {g: _split(k) for g, k in _lines(f["permissions"], "permissions").items()},
            f["comment"],
            cache=cache,
        ),
    ),
    Section(
        "groups",
        "Groups",
        Group,
        (("Name", _attr("name")), ("Comment", _attr("comment")), VALID),
        (InputSpec("name", "Name", mandatory=True), InputSpec("comment", "Comment")),
        lambda uow, f, cache: admin.add_group(uow, f["name"], f["comment"], cache=cache),
    ),
    Section(
        "web-services", "Web services", WebService, (("Name", _attr("name")), ("Invokers", _invokers), VALID)
    ),
    Section(
        "notification-templates",
        "Notification templates",
        NotificationTemplate,
        (
            ("Name", _attr("name")),
            ("Subject", _attr("subject")),
            ("Format", lambda r: CONTENT_TYPES.get(getattr(r, "content_type", ""), "")),
            VALID,
        ),
        TEMPLATE_INPUTS,
        lambda uow, f, cache: save_template_record(uow, f, cache, None),
        editable=True,
    ),
)

SECTION_BY_SLUG = {section.slug: section for section in SECTIONS}
