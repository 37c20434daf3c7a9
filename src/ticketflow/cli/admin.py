"""Catalog commands: ``queue``, ``state``, ``priority``, ``type``, ``dynamic-field``, ``agent``,
``customer-user``, ``customer-company``, ``role`` and ``group`` — each with ``list`` and ``create``."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Annotated, Any

import typer

from ticketflow.cli import output
from ticketflow.cli.context import open_application, parse_pairs
from ticketflow.cli.errors import CliInputError
from ticketflow.domain.catalog import DynamicFieldType
from ticketflow.domain.errors import InvalidInputError
from ticketflow.usecases import admin
from ticketflow.usecases.catalog_records import (
    PERMISSION_KEYS,
    STATE_TYPES,
    Agent,
    CustomerCompany,
    CustomerUser,
    DynamicField,
    Group,
    Priority,
    Queue,
    Role,
    State,
    TicketType,
)
from ticketflow.usecases.ports import R


def _group(help_text: str) -> typer.Typer:
    return typer.Typer(help=help_text, no_args_is_help=True)


queue_app = _group("Queues: where tickets wait; each belongs to a permission group.")
state_app = _group(f"Ticket states, each of an OTOBO state type ({', '.join(STATE_TYPES)}).")
priority_app = _group("Ticket priorities.")
type_app = _group("Ticket types.")
dynamic_field_app = _group("Ticket dynamic fields (DynamicField_<Name>).")
agent_app = _group("Agents: the people who work on tickets.")
customer_user_app = _group("Customer users: the people tickets are for.")
customer_company_app = _group("Customer companies.")
role_app = _group("Roles: permissions on groups that agents hold.")
group_app = _group("Permission groups that queues belong to.")

GRANT_HELP = f"GROUP:PERM,PERM with PERM one of {', '.join(PERMISSION_KEYS)}; repeat per group."

COMMAND_GROUPS: tuple[tuple[str, typer.Typer], ...] = (
    ("queue", queue_app),
    ("state", state_app),
    ("priority", priority_app),
    ("type", type_app),
    ("dynamic-field", dynamic_field_app),
    ("agent", agent_app),
    ("customer-user", customer_user_app),
    ("customer-company", customer_company_app),
    ("role", role_app),
    ("group", group_app),
)


def _list(
    ctx: typer.Context, kind: type[R], title: str, columns: Sequence[str], row: Callable[[R], Any]
) -> None:
    with open_application(ctx) as application:
        records = admin.list_records(application.uow, kind)
    output.table(title, columns, [row(record) for record in records])


def _created(what: str, key: str) -> None:
    output.line(f"{what} '{key}' created")


# --- queues, states, priorities, types, groups -------------------------------------------------------


@queue_app.command("list")
def list_queues(ctx: typer.Context) -> None:
    """List every queue."""
    _list(
        ctx,
        Queue,
        "Queues",
        ("Name", "Group", "Comment", "Valid"),
        lambda q: (q.name, q.group, q.comment, q.valid),
    )


@queue_app.command("create")
def create_queue(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Queue name, e.g. 'Sales' or 'Sales::Leads'."),
    group: str = typer.Option("users", help="Permission group of the queue's tickets."),
    comment: str = typer.Option("", help="Free text."),
) -> None:
    """Create a queue."""
    with open_application(ctx) as application:
        admin.add_queue(application.uow, name, group, comment)
    _created("queue", name)


@state_app.command("list")
def list_states(ctx: typer.Context) -> None:
    """List every ticket state with its state type."""
    _list(
        ctx,
        State,
        "States",
        ("Name", "Type", "Comment", "Valid"),
        lambda s: (s.name, s.type, s.comment, s.valid),
    )


@state_app.command("create")
def create_state(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="State name."),
    state_type: str = typer.Option(..., "--type", help=f"One of: {', '.join(STATE_TYPES)}."),
    comment: str = typer.Option("", help="Free text."),
) -> None:
    """Create a ticket state."""
    with open_application(ctx) as application:
        admin.add_state(application.uow, name, state_type, comment)
    _created("state", name)


@priority_app.command("list")
def list_priorities(ctx: typer.Context) -> None:
    """List every priority."""
    _list(ctx, Priority, "Priorities", ("Name", "Valid"), lambda p: (p.name, p.valid))


@priority_app.command("create")
def create_priority(ctx: typer.Context, name: str = typer.Argument(..., help="e.g. '3 normal'.")) -> None:
    """Create a priority."""
    with open_application(ctx) as application:
        admin.add_priority(application.uow, name)
    _created("priority", name)


@type_app.command("list")
def list_types(ctx: typer.Context) -> None:
    """List every ticket type."""
    _list(ctx, TicketType, "Ticket types", ("Name", "Valid"), lambda t: (t.name, t.valid))


@type_app.command("create")
def create_type(ctx: typer.Context, name: str = typer.Argument(..., help="Ticket type name.")) -> None:
    """Create a ticket type."""
    with open_application(ctx) as application:
        admin.add_type(application.uow, name)
    _created("ticket type", name)


@group_app.command("list")
def list_groups(ctx: typer.Context) -> None:
    """List every permission group."""
    _list(ctx, Group, "Groups", ("Name", "Comment", "Valid"), lambda g: (g.name, g.comment, g.valid))


@group_app.command("create")
def create_group(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Group name."),
    comment: str = typer.Option("", help="Free text."),
) -> None:
    """Create a permission group."""
    with open_application(ctx) as application:
        admin.add_group(application.uow, name, comment)
    _created("group", name)


# --- dynamic fields ----------------------------------------------------------------------------------


@dynamic_field_app.command("list")
def list_dynamic_fields(ctx: typer.Context) -> None:
    """List every dynamic field with its type and possible values."""

    def row(field: DynamicField) -> tuple[object, ...]:
        values = ", ".join(f"{key}={label}" for key, label in field.possible_values.items())
        return (field.name, field.label, field.type.value, values, field.valid)

    _list(ctx, DynamicField, "Dynamic fields", ("Name", "Label", "Type", "Possible values", "Valid"), row)


@dynamic_field_app.command("create")
def create_dynamic_field(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Letters and digits only; used as DynamicField_<NAME>.")],
    field_type: Annotated[DynamicFieldType, typer.Option("--type", help="The field's type.")],
    label: str | None = typer.Option(None, help="What forms show (default: the name)."),
    value: Annotated[
        list[str] | None,
        typer.Option("--value", help="A possible value KEY=Label (Dropdown, Multiselect); repeat for each."),
    ] = None,
) -> None:
    """Create a ticket dynamic field."""
    possible = dict(parse_pairs(value or [], "--value"))
    with open_application(ctx) as application:
        try:
            admin.add_dynamic_field(application.uow, name, label or name, field_type, possible or None)
        except InvalidInputError as error:
            if error.field != "possible_values":
                raise
            # Named by the option a person types, not by the record's attribute.
            raise CliInputError("--value", error.message.removeprefix("possible_values: ")) from error
    _created("dynamic field", name)


# --- people and roles --------------------------------------------------------------------------------


@agent_app.command("list")
def list_agents(ctx: typer.Context) -> None:
    """List every agent with their roles."""
    _list(
        ctx,
        Agent,
        "Agents",
        ("Login", "Name", "Email", "Roles", "Valid"),
        lambda a: (a.login, f"{a.first_name} {a.last_name}".strip(), a.email, a.roles, a.valid),
    )


@agent_app.command("create")
def create_agent(
    ctx: typer.Context,
    login: str = typer.Argument(..., help="Login name."),
    email: str = typer.Option(..., help="Email address."),
    first: str = typer.Option("", help="First name."),
    last: str = typer.Option("", help="Last name."),
    role: Annotated[
        list[str] | None, typer.Option("--role", help="A role the agent holds; repeat for several.")
    ] = None,
) -> None:
    """Create an agent (without a password)."""
    with open_application(ctx) as application:
        admin.add_agent(application.uow, login, first, last, email, role or [])
    _created("agent", login)


@customer_user_app.command("list")
def list_customer_users(ctx: typer.Context) -> None:
    """List every customer user."""
    _list(
        ctx,
        CustomerUser,
        "Customer users",
        ("Login", "Name", "Email", "Customer ID", "Valid"),
        lambda u: (u.login, f"{u.first_name} {u.last_name}".strip(), u.email, u.customer_id, u.valid),
    )


@customer_user_app.command("create")
def create_customer_user(
    ctx: typer.Context,
    login: str = typer.Argument(..., help="Login name."),
    email: str = typer.Option(..., help="Email address."),
    first: str = typer.Option("", help="First name."),
    last: str = typer.Option("", help="Last name."),
    customer_id: str = typer.Option("", help="The customer company's id."),
) -> None:
    """Create a customer user."""
    with open_application(ctx) as application:
        admin.add_customer_user(application.uow, login, email, first, last, customer_id)
    _created("customer user", login)


@customer_company_app.command("list")
def list_customer_companies(ctx: typer.Context) -> None:
    """List every customer company."""
    _list(
        ctx,
        CustomerCompany,
        "Customer companies",
        ("Customer ID", "Name", "Valid"),
        lambda c: (c.customer_id, c.name, c.valid),
    )


@customer_company_app.command("create")
def create_customer_company(
    ctx: typer.Context,
    customer_id: str = typer.Argument(..., help="The company's customer id."),
    name: str = typer.Option(..., help="The company's name."),
) -> None:
    """Create a customer company."""
    with open_application(ctx) as application:
        admin.add_customer_company(application.uow, customer_id, name)
    _created("customer company", customer_id)


@role_app.command("list")
def list_roles(ctx: typer.Context) -> None:
    """List every role with its permissions."""

    def row(role: Role) -> tuple[object, ...]:
        grants = "; ".join(
            f"{group}:{','.join(sorted(keys))}" for group, keys in sorted(role.permissions.items())
        )
        return (role.name, grants, role.comment, role.valid)

    _list(ctx, Role, "Roles", ("Name", "Permissions", "Comment", "Valid"), row)


@role_app.command("create")
def create_role(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Role name."),
    grant: Annotated[list[str] | None, typer.Option("--grant", help=GRANT_HELP)] = None,
    comment: str = typer.Option("", help="Free text."),
) -> None:
    """Create a role."""
    permissions = _grants(grant or [])
    with open_application(ctx) as application:
        admin.add_role(application.uow, name, permissions, comment)
    _created("role", name)


def _grants(items: Sequence[str]) -> dict[str, set[str]]:
    permissions: dict[str, set[str]] = {}
    for item in items:
        group, separator, keys = item.partition(":")
        chosen = {key.strip() for key in keys.split(",") if key.strip()}
        if not separator or not group.strip() or not chosen:
            raise CliInputError("--grant", f"'{item}' is not GROUP:PERM[,PERM…]")
        permissions.setdefault(group.strip(), set()).update(chosen)
    return permissions
