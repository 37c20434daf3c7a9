"""Catalog records: the administrable things a ticket or a process refers to, one dataclass per kind.

Each kind is identified by one text key (``key_field``): the name, or the login for agents and
customer users, or the customer id for companies. ``valid`` is OTOBO's valid/invalid flag.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from ticketflow.domain.catalog import DynamicFieldType

# OTOBO's state types (reference §1.3); a state's ``type`` is one of these.
STATE_TYPES = ("new", "open", "closed", "pending reminder", "pending auto", "removed", "merged")

# OTOBO's agent permission keys (reference §1.7); ``rw`` implies every other key.
PERMISSION_KEYS = ("ro", "move_into", "create", "note", "owner", "priority", "rw")


@dataclass(frozen=True, slots=True)
class Group:
    key_field: ClassVar[str] = "name"
    name: str
    comment: str = ""
    valid: bool = True


@dataclass(frozen=True, slots=True)
class Queue:
    """A queue; ``group`` carries the permissions on its tickets."""

    key_field: ClassVar[str] = "name"
    name: str
    group: str = "users"
    comment: str = ""
    valid: bool = True


@dataclass(frozen=True, slots=True)
class State:
    key_field: ClassVar[str] = "name"
    name: str
    type: str
    comment: str = ""
    valid: bool = True


@dataclass(frozen=True, slots=True)
class Priority:
    key_field: ClassVar[str] = "name"
    name: str
    valid: bool = True


@dataclass(frozen=True, slots=True)
class TicketType:
    key_field: ClassVar[str] = "name"
    name: str
    valid: bool = True


@dataclass(frozen=True, slots=True)
class Service:
    key_field: ClassVar[str] = "name"
    name: str
    comment: str = ""
    valid: bool = True


@dataclass(frozen=True, slots=True)
class Sla:
    key_field: ClassVar[str] = "name"
    name: str
    comment: str = ""
    valid: bool = True


@dataclass(frozen=True, slots=True)
class Role:
    """A role; ``permissions`` maps group name → the permission keys the role grants there."""

    key_field: ClassVar[str] = "name"
    name: str
    permissions: Mapping[str, frozenset[str]] = field(default_factory=dict)
    comment: str = ""
    valid: bool = True


@dataclass(frozen=True, slots=True)
class Agent:
    """An agent. ``password_hash`` None means the agent cannot log in with a password (yet)."""

    key_field: ClassVar[str] = "login"
    login: str
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    password_hash: str | None = None
    roles: tuple[str, ...] = ()
    valid: bool = True


@dataclass(frozen=True, slots=True)
class CustomerCompany:
    key_field: ClassVar[str] = "customer_id"
    customer_id: str
    name: str
    valid: bool = True


@dataclass(frozen=True, slots=True)
class CustomerUser:
    """A customer user; ``customer_id`` is the primary company (not checked: OTOBO allows external ids)."""

    key_field: ClassVar[str] = "login"
    login: str
    email: str
    first_name: str = ""
    last_name: str = ""
    customer_id: str = ""
    valid: bool = True


@dataclass(frozen=True, slots=True)
class DynamicField:
    """A ticket dynamic field. ``config`` uses OTOBO's keys (``PossibleValues``, ``DefaultValue`` …)."""

    key_field: ClassVar[str] = "name"
    name: str
    label: str
    type: DynamicFieldType
    config: Mapping[str, Any] = field(default_factory=dict)
    order: int = 0
    valid: bool = True

    @property
    def possible_values(self) -> Mapping[str, str]:
        """``PossibleValues`` of a Dropdown or Multiselect (stored key → label); empty otherwise."""
        values = self.config.get("PossibleValues")
        if not isinstance(values, Mapping):
            return {}
        return {str(k): str(v) for k, v in values.items()}


@dataclass(frozen=True, slots=True)
class WebService:
    """A web service in OTOBO's shape: invokers live under ``config["Requester"]["Invoker"]``."""

    key_field: ClassVar[str] = "name"
    name: str
    config: Mapping[str, Any] = field(default_factory=dict)
    valid: bool = True

    @property
    def invokers(self) -> frozenset[str]:
        requester = self.config.get("Requester")
        invokers = requester.get("Invoker") if isinstance(requester, Mapping) else None
        return frozenset(str(name) for name in invokers) if isinstance(invokers, Mapping) else frozenset()


@dataclass(frozen=True, slots=True)
class NotificationTemplate:
    key_field: ClassVar[str] = "name"
    name: str
    subject: str
    body: str
    content_type: str = "text/plain"
    valid: bool = True


CatalogRecord = (
    Group
    | Queue
    | State
    | Priority
    | TicketType
    | Service
    | Sla
    | Role
    | Agent
    | CustomerCompany
    | CustomerUser
    | DynamicField
    | WebService
    | NotificationTemplate
)


def record_key(record: CatalogRecord) -> str:
    """The identifying text of a record (its name, login or customer id)."""
    return str(getattr(record, record.key_field))
