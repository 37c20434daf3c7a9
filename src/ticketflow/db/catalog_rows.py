"""Explicit conversion between catalog rows and catalog records, one pair of functions per kind."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table

from ticketflow.db import tables
from ticketflow.domain.catalog import DynamicFieldType
from ticketflow.usecases.catalog_records import (
    Agent,
    CatalogRecord,
    CustomerCompany,
    CustomerUser,
    DynamicField,
    Group,
    NotificationTemplate,
    Priority,
    Queue,
    Role,
    Service,
    Sla,
    State,
    TicketType,
    WebService,
)

Row = Mapping[Any, Any]


@dataclass(frozen=True, slots=True)
class Kind:
    """How one record kind is stored: its table, key column and row conversions.

    ``label`` names the kind in messages (``queue 'Raw' already exists``). Roles' permissions and
    agents' roles live in link tables the repository handles; ``from_row`` leaves them empty."""

    label: str
    table: Table
    key_column: str
    to_row: Callable[[Any], dict[str, Any]]
    from_row: Callable[[Row], CatalogRecord]


def _named(record: Group | Priority | TicketType | Service | Sla | Role) -> dict[str, Any]:
    row: dict[str, Any] = {"name": record.name, "valid": record.valid}
    if isinstance(record, Group | Service | Sla | Role):
        row["comment"] = record.comment
    return row


def _queue_row(record: Queue) -> dict[str, Any]:
    return {"name": record.name, "group_name": record.group, "comment": record.comment, "valid": record.valid}


def _queue(row: Row) -> Queue:
    return Queue(name=row["name"], group=row["group_name"], comment=row["comment"], valid=row["valid"])


def _state_row(record: State) -> dict[str, Any]:
    return {"name": record.name, "type": record.type, "comment": record.comment, "valid": record.valid}


def _state(row: Row) -> State:
    return State(name=row["name"], type=row["type"], comment=row["comment"], valid=row["valid"])


def _agent_row(record: Agent) -> dict[str, Any]:
    return {
        "login": record.login,
        "first_name": record.first_name,
        "last_name": record.last_name,
        "email": record.email,
        "password_hash": record.password_hash,
        "valid": record.valid,
    }


def _agent(row: Row) -> Agent:
    return Agent(
        login=row["login"],
        first_name=row["first_name"],
        last_name=row["last_name"],
        email=row["email"],
        password_hash=row["password_hash"],
        valid=row["valid"],
    )


def _company_row(record: CustomerCompany) -> dict[str, Any]:
    return {"customer_id": record.customer_id, "name": record.name, "valid": record.valid}


def _company(row: Row) -> CustomerCompany:
    return CustomerCompany(customer_id=row["customer_id"], name=row["name"], valid=row["valid"])


def _customer_user_row(record: CustomerUser) -> dict[str, Any]:
    return {
        "login": record.login,
        "email": record.email,
        "first_name": record.first_name,
        "last_name": record.last_name,
        "customer_id": record.customer_id,
        "valid": record.valid,
    }


def _customer_user(row: Row) -> CustomerUser:
    return CustomerUser(
        login=row["login"],
        email=row["email"],
        first_name=row["first_name"],
        last_name=row["last_name"],
        customer_id=row["customer_id"],
        valid=row["valid"],
    )


def _dynamic_field_row(record: DynamicField) -> dict[str, Any]:
    return {
        "name": record.name,
        "label": record.label,
        "field_type": record.type.value,
        "config": dict(record.config),
        "field_order": record.order,
        "valid": record.valid,
    }


def _dynamic_field(row: Row) -> DynamicField:
    return DynamicField(
        name=row["name"],
        label=row["label"],
        type=DynamicFieldType(row["field_type"]),
        config=row["config"],
        order=row["field_order"],
        valid=row["valid"],
    )


def _web_service_row(record: WebService) -> dict[str, Any]:
    return {"name": record.name, "config": dict(record.config), "valid": record.valid}


def _web_service(row: Row) -> WebService:
    return WebService(name=row["name"], config=row["config"], valid=row["valid"])


def _template_row(record: NotificationTemplate) -> dict[str, Any]:
    return {
        "name": record.name,
        "subject": record.subject,
        "body": record.body,
        "content_type": record.content_type,
        "valid": record.valid,
    }


def _template(row: Row) -> NotificationTemplate:
    return NotificationTemplate(
        name=row["name"],
        subject=row["subject"],
        body=row["body"],
        content_type=row["content_type"],
        valid=row["valid"],
    )


def _simple(label: str, table: Table, record: Callable[..., CatalogRecord]) -> Kind:
    """A kind whose columns are exactly its record's fields (name, valid, maybe comment)."""
    columns = [column.name for column in table.columns if column.name != "id"]
    return Kind(label, table, "name", _named, lambda row: record(**{name: row[name] for name in columns}))


KINDS: dict[type[Any], Kind] = {
    Group: _simple("group", tables.groups, Group),
    Queue: Kind("queue", tables.queues, "name", _queue_row, _queue),
    State: Kind("state", tables.states, "name", _state_row, _state),
    Priority: _simple("priority", tables.priorities, Priority),
    TicketType: _simple("ticket type", tables.ticket_types, TicketType),
    Service: _simple("service", tables.services, Service),
    Sla: _simple("SLA", tables.slas, Sla),
    Role: _simple("role", tables.roles, Role),
    Agent: Kind("agent", tables.agents, "login", _agent_row, _agent),
    CustomerCompany: Kind(
        "customer company", tables.customer_companies, "customer_id", _company_row, _company
    ),
    CustomerUser: Kind("customer user", tables.customer_users, "login", _customer_user_row, _customer_user),
    DynamicField: Kind("dynamic field", tables.dynamic_fields, "name", _dynamic_field_row, _dynamic_field),
    WebService: Kind("web service", tables.web_services, "name", _web_service_row, _web_service),
    NotificationTemplate: Kind(
        "notification template", tables.notification_templates, "name", _template_row, _template
    ),
}
