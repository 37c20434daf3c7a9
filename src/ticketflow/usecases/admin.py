"""Admin use cases: add and list the catalog's records (queues, states, dynamic fields, agents …).

Each ``add_*`` checks its input before it writes and refuses bad input with an ``InvalidInputError``
naming the field (``name: queue 'Raw' already exists``), so that the CLI, the web UI and the API
report the same problem the same way. Every change is one transaction.

A process runtime caches the catalog for a few seconds; pass it as ``cache`` to have an addition
seen at once by that runtime (the CLI, one command per process, does not need to).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Protocol

from ticketflow.domain.catalog import DynamicFieldType
from ticketflow.domain.errors import InvalidInputError
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
    record_key,
)
from ticketflow.usecases.ports import R, UnitOfWork

UnitOfWorkFactory = Callable[[], UnitOfWork]

# OTOBO allows only letters and digits in a dynamic field's name (it becomes part of DynamicField_<Name>).
_FIELD_NAME = re.compile(r"[A-Za-z0-9]+")
# A deliberately loose address check: one "@" with something on both sides and no spaces.
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+")
_LIST_TYPES = (DynamicFieldType.DROPDOWN, DynamicFieldType.MULTISELECT)


class CatalogCache(Protocol):
    """Anything that caches the catalog and can be told to drop it (the process runtime)."""

    def forget_catalog(self) -> None: ...


def list_records(uow_factory: UnitOfWorkFactory, kind: type[R]) -> list[R]:
    """Every record of ``kind`` (valid and invalid), sorted by its key."""
    with uow_factory() as uow:
        return list(uow.catalog.list(kind))


def add_group(
    uow_factory: UnitOfWorkFactory, name: str, comment: str = "", *, cache: CatalogCache | None = None
) -> Group:
    """Add a permission group."""
    record = Group(_name(name), comment=comment)
    _store(uow_factory, record, cache)
    return record


def add_queue(
    uow_factory: UnitOfWorkFactory,
    name: str,
    group: str = "users",
    comment: str = "",
    *,
    cache: CatalogCache | None = None,
) -> Queue:
    """Add a queue whose tickets belong to permission group ``group`` (which must exist)."""
    record = Queue(_name(name), group=_name(group, "group"), comment=comment)
    _store(uow_factory, record, cache, groups=[(record.group, "group")])
    return record


def add_state(
    uow_factory: UnitOfWorkFactory,
    name: str,
    type: str,
    comment: str = "",
    *,
    cache: CatalogCache | None = None,
) -> State:
    """Add a ticket state of one of OTOBO's state types (``new``, ``open``, ``closed`` …)."""
    if type not in STATE_TYPES:
        raise InvalidInputError(
            f"'{type}' is not a state type (one of: {', '.join(STATE_TYPES)})", field="type"
        )
    record = State(_name(name), type=type, comment=comment)
    _store(uow_factory, record, cache)
    return record


def add_priority(uow_factory: UnitOfWorkFactory, name: str, *, cache: CatalogCache | None = None) -> Priority:
    """Add a ticket priority (OTOBO names them with their rank first: ``3 normal``)."""
    record = Priority(_name(name))
    _store(uow_factory, record, cache)
    return record


def add_type(uow_factory: UnitOfWorkFactory, name: str, *, cache: CatalogCache | None = None) -> TicketType:
    """Add a ticket type."""
    record = TicketType(_name(name))
    _store(uow_factory, record, cache)
    return record


def add_dynamic_field(
    uow_factory: UnitOfWorkFactory,
    name: str,
    label: str,
    type: DynamicFieldType,
    possible_values: Mapping[str, str] | None = None,
    *,
    cache: CatalogCache | None = None,
) -> DynamicField:
    """Add a ticket dynamic field, placed after the existing ones.

    The name has letters and digits only (as in OTOBO). Dropdown and Multiselect fields need
    ``possible_values`` (stored key → label); the other types refuse them.
    """
    if not _FIELD_NAME.fullmatch(name):
        raise InvalidInputError(f"'{name}' must consist of letters and digits only", field="name")
    if not label.strip():
        raise InvalidInputError("must not be empty", field="label")
    values = dict(possible_values or {})
    if type in _LIST_TYPES and not values:
        raise InvalidInputError(
            f"a {type.value} field needs at least one possible value", field="possible_values"
        )
    if type not in _LIST_TYPES and values:
        raise InvalidInputError(f"a {type.value} field takes no possible values", field="possible_values")
    for key, value_label in values.items():
        if not key.strip() or not value_label.strip():
            raise InvalidInputError(f"'{key}={value_label}' needs a key and a label", field="possible_values")
    config = {"PossibleValues": values} if values else {}
    with uow_factory() as uow:
        order = max((field.order for field in uow.catalog.list(DynamicField)), default=0) + 1
        record = DynamicField(name, label.strip(), type, config=config, order=order)
        _add(uow, record)
        uow.commit()
    _forget(cache)
    return record


def add_agent(
    uow_factory: UnitOfWorkFactory,
    login: str,
    first_name: str,
    last_name: str,
    email: str,
    roles: Sequence[str] = (),
    *,
    cache: CatalogCache | None = None,
) -> Agent:
    """Add an agent (without a password: it cannot log in until one is set) holding ``roles``."""
    record = Agent(
        _login(login), first_name.strip(), last_name.strip(), _email(email), roles=tuple(dict.fromkeys(roles))
    )
    _store(uow_factory, record, cache, roles=[(role, "roles") for role in record.roles])
    return record


def add_customer_company(
    uow_factory: UnitOfWorkFactory, customer_id: str, name: str, *, cache: CatalogCache | None = None
) -> CustomerCompany:
    """Add a customer company, identified by its customer id."""
    record = CustomerCompany(_name(customer_id, "customer_id"), _name(name))
    _store(uow_factory, record, cache)
    return record


def add_customer_user(
    uow_factory: UnitOfWorkFactory,
    login: str,
    email: str,
    first_name: str = "",
    last_name: str = "",
    customer_id: str = "",
    *,
    cache: CatalogCache | None = None,
) -> CustomerUser:
    """Add a customer user. ``customer_id`` is not checked: OTOBO allows ids of external companies."""
    record = CustomerUser(
        _login(login), _email(email), first_name.strip(), last_name.strip(), customer_id=customer_id.strip()
    )
    _store(uow_factory, record, cache)
    return record


def add_role(
    uow_factory: UnitOfWorkFactory,
    name: str,
    permissions: Mapping[str, Iterable[str]] | None = None,
    comment: str = "",
    *,
    cache: CatalogCache | None = None,
) -> Role:
    """Add a role granting, per permission group, OTOBO permission keys (``ro``, ``rw``, ``move_into`` …)."""
    granted: dict[str, frozenset[str]] = {}
    for group, keys in (permissions or {}).items():
        chosen = frozenset(keys)
        unknown = sorted(chosen - set(PERMISSION_KEYS))
        if unknown or not chosen:
            raise InvalidInputError(
                f"'{', '.join(unknown) or group}' is not a permission (one of: {', '.join(PERMISSION_KEYS)})",
                field="permissions",
            )
        granted[group] = chosen
    record = Role(_name(name), permissions=granted, comment=comment)
    _store(uow_factory, record, cache, groups=[(group, "permissions") for group in granted])
    return record


def _name(text: str, field: str = "name") -> str:
    if not text.strip():
        raise InvalidInputError("must not be empty", field=field)
    if text != text.strip():
        raise InvalidInputError(f"'{text}' must not start or end with spaces", field=field)
    return text


def _login(text: str) -> str:
    login = _name(text, "login")
    if any(character.isspace() for character in login):
        raise InvalidInputError(f"'{login}' must not contain spaces", field="login")
    return login


def _email(text: str) -> str:
    if not _EMAIL.fullmatch(text.strip()):
        raise InvalidInputError(f"'{text}' is not an email address", field="email")
    return text.strip()


# References a record makes, as (key, field to blame): each must exist before the record is stored.
References = Iterable[tuple[str, str]]


def _store(
    uow_factory: UnitOfWorkFactory,
    record: R,
    cache: CatalogCache | None,
    *,
    groups: References = (),
    roles: References = (),
) -> None:
    with uow_factory() as uow:
        _add(uow, record, groups=groups, roles=roles)
        uow.commit()
    _forget(cache)


def _add(uow: UnitOfWork, record: R, *, groups: References = (), roles: References = ()) -> None:
    # Checked here as well as by the store so the message is the same whatever store is behind the port.
    kind = type(record)
    key = record_key(record)
    if uow.catalog.find(kind, key) is not None:
        raise InvalidInputError(f"{_kind_label(kind)} '{key}' already exists", field=kind.key_field)
    for group, field in groups:
        _check_exists(uow, Group, group, field)
    for role, field in roles:
        _check_exists(uow, Role, role, field)
    uow.catalog.add(record)


def _check_exists(uow: UnitOfWork, kind: type[R], key: str, field: str) -> None:
    if uow.catalog.find(kind, key) is None:
        raise InvalidInputError(f"{_kind_label(kind)} '{key}' does not exist", field=field)


def _kind_label(kind: type[object]) -> str:
    """``CustomerUser`` → ``customer user``: how a kind is named in messages."""
    return re.sub(r"(?<!^)(?=[A-Z])", " ", kind.__name__).lower()


def _forget(cache: CatalogCache | None) -> None:
    if cache is not None:
        cache.forget_catalog()
