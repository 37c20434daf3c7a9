"""``/api/v1/admin/<kind>``: the catalog — queues, states, priorities, types, dynamic fields, roles,
groups, agents, customer users and companies, web services, notification templates.

Agents may list and read; creating needs an administrator (rw on group ``admin``). Agents' password
hashes and web services' secrets are never part of an answer.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import asdict
from typing import Annotated, Any, Literal

from fastapi import Body, Request, Response
from pydantic import BaseModel, Field

from ticketflow.domain.catalog import DynamicFieldType
from ticketflow.domain.errors import NotFoundError
from ticketflow.usecases import admin, webservices
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
    State,
    TicketType,
    record_key,
)
from ticketflow.usecases.notification_templates import save_template
from ticketflow.usecases.ports import UnitOfWork
from ticketflow.usecases.principals import require_admin, require_agent
from ticketflow.web.api.common import Limit, Offset, Page, router, slice_page
from ticketflow.web.deps import CurrentApplication, CurrentPrincipal

admin_router = router("admin")
Name = Annotated[str, Field(min_length=1, max_length=200)]
Comment = Annotated[str, Field(max_length=2000)]
Factory = Callable[[], UnitOfWork]
_BODY = Body()  # the type of each create route's body is set per kind below


def record_out(record: CatalogRecord) -> dict[str, Any]:
    """A record as JSON: sets as sorted lists, no password hash."""
    data = asdict(record)
    data.pop("password_hash", None)
    if isinstance(record, Role):
        data["permissions"] = {group: sorted(keys) for group, keys in record.permissions.items()}
    return data


class QueueIn(BaseModel):
    name: Name
    group: Name = "users"
    comment: Comment = ""


class StateIn(BaseModel):
    name: Name
    type: Name
    comment: Comment = ""


class NameIn(BaseModel):
    name: Name


class GroupIn(BaseModel):
    name: Name
    comment: Comment = ""


class DynamicFieldIn(BaseModel):
    name: Name
    label: Name
    type: DynamicFieldType
    possible_values: dict[Name, Name] = Field(default_factory=dict)


class RoleIn(BaseModel):
    name: Name
    permissions: dict[Name, list[Name]] = Field(default_factory=dict)
    comment: Comment = ""


class AgentIn(BaseModel):
    login: Name
    first_name: Name
    last_name: Name
    email: Name
    roles: list[Name] = Field(default_factory=list)


class CustomerIn(BaseModel):
    login: Name
    email: Name
    first_name: Annotated[str, Field(max_length=200)] = ""
    last_name: Annotated[str, Field(max_length=200)] = ""
    customer_id: Annotated[str, Field(max_length=150)] = ""


class CompanyIn(BaseModel):
    customer_id: Annotated[str, Field(min_length=1, max_length=150)]
    name: Name


def _catalog_routes(
    path: str,
    kind: type[CatalogRecord],
    body_type: type[BaseModel] | None,
    add: Callable[..., CatalogRecord] | None,
) -> None:
    """list, get and (with ``add``) create routes for one record kind."""

    def list_records(
        request: Request,
        response: Response,
        application: CurrentApplication,
        principal: CurrentPrincipal,
        limit: Limit = 100,
        offset: Offset = 0,
    ) -> Page[dict[str, Any]]:
        require_agent(principal)
        records = [record_out(r) for r in admin.list_records(application.uow, kind)]
        return slice_page(request, response, records, limit, offset)

    def get_record(key: str, application: CurrentApplication, principal: CurrentPrincipal) -> dict[str, Any]:
        require_agent(principal)
        for record in admin.list_records(application.uow, kind):
            if record_key(record) == key:
                return record_out(record)
        raise NotFoundError(f"{path} '{key}' does not exist")

    label = path.replace("-", " ")
    admin_router.get(f"/admin/{path}", summary=f"List {label}", operation_id=f"list_{path}")(list_records)
    admin_router.get(f"/admin/{path}/{{key}}", summary=f"Get one of {label}", operation_id=f"get_{path}")(
        get_record
    )
    if body_type is None or add is None:
        return
    adder = add

    def create_record(
        application: CurrentApplication, principal: CurrentPrincipal, body: Any = _BODY
    ) -> dict[str, Any]:
        require_admin(principal)
        record = adder(application.uow, cache=application.runtime, **body.model_dump())
        return record_out(record)

    create_record.__annotations__["body"] = body_type
    admin_router.post(
        f"/admin/{path}", status_code=201, summary=f"Create one of {label}", operation_id=f"create_{path}"
    )(create_record)


_KINDS: tuple[tuple[str, type[CatalogRecord], type[BaseModel] | None, Callable[..., Any] | None], ...] = (
    ("queues", Queue, QueueIn, admin.add_queue),
    ("states", State, StateIn, admin.add_state),
    ("priorities", Priority, NameIn, admin.add_priority),
    ("types", TicketType, NameIn, admin.add_type),
    ("dynamic-fields", DynamicField, DynamicFieldIn, admin.add_dynamic_field),
    ("roles", Role, RoleIn, admin.add_role),
    ("groups", Group, GroupIn, admin.add_group),
    ("agents", Agent, AgentIn, admin.add_agent),
    ("customers", CustomerUser, CustomerIn, admin.add_customer_user),
    ("customer-companies", CustomerCompany, CompanyIn, admin.add_customer_company),
    # Created and changed by the routes below (usecases/notification_templates.py checks them).
    ("notification-templates", NotificationTemplate, None, None),
)
for _path, _kind, _body, _add in _KINDS:
    _catalog_routes(_path, _kind, _body, _add)


class TemplateChange(BaseModel):
    subject: Annotated[str, Field(min_length=1, max_length=250)]
    body: Annotated[str, Field(min_length=1, max_length=100_000)]
    content_type: Literal["text/plain", "text/html"] = "text/plain"
    valid: bool = True

    def values(self) -> dict[str, str]:
        data = self.model_dump()
        return {**data, "valid": "1" if self.valid else "0"}


class TemplateIn(TemplateChange):
    name: Name


@admin_router.post("/admin/notification-templates", status_code=201)
def create_notification_template(
    body: TemplateIn, application: CurrentApplication, principal: CurrentPrincipal
) -> dict[str, Any]:
    """Create a notification template; unknown placeholders and OTRS tags are refused naming the field."""
    require_admin(principal)
    record = save_template(application.uow, {**body.values(), "name": body.name}, cache=application.runtime)
    return record_out(record)


@admin_router.put("/admin/notification-templates/{name}")
def change_notification_template(
    name: str, body: TemplateChange, application: CurrentApplication, principal: CurrentPrincipal
) -> dict[str, Any]:
    """Change a template's subject, body, format and validity (its name stays)."""
    require_admin(principal)
    record = save_template(application.uow, body.values(), existing=name, cache=application.runtime)
    return record_out(record)


class WebServiceOut(BaseModel):
    name: str
    valid: bool
    base_url: str
    invokers: list[str]
    secrets: list[str]
    problem: str | None


def _service_out(summary: webservices.WebServiceSummary) -> WebServiceOut:
    data: Mapping[str, Any] = asdict(summary)
    return WebServiceOut(**{**data, "invokers": list(summary.invokers), "secrets": list(summary.secrets)})


@admin_router.get("/admin/web-services")
def list_web_services(
    request: Request,
    response: Response,
    application: CurrentApplication,
    principal: CurrentPrincipal,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Page[WebServiceOut]:
    require_agent(principal)
    found = [_service_out(s) for s in webservices.list_web_services(application.uow)]
    return slice_page(request, response, found, limit, offset)


@admin_router.get("/admin/web-services/{name}")
def get_web_service(name: str, application: CurrentApplication, principal: CurrentPrincipal) -> WebServiceOut:
    require_agent(principal)
    return _service_out(webservices.show_web_service(application.uow, name))


@admin_router.post("/admin/web-services", status_code=201)
def create_web_service(
    application: CurrentApplication,
    principal: CurrentPrincipal,
    document: Annotated[dict[str, Any], Body(description='{"format": …, "name": …, "config": {…}}')],
) -> WebServiceOut:
    """Import a web service (the document ``ticketflow webservice export`` writes)."""
    require_admin(principal)
    parsed = webservices.import_web_service(application.uow, document)
    return _service_out(webservices.show_web_service(application.uow, parsed.name))
