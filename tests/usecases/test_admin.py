"""Admin use cases against an in-memory catalog: what they store and what they refuse."""

from __future__ import annotations

from collections.abc import Sequence
from types import TracebackType
from typing import Any

import pytest

from ticketflow.domain.catalog import DynamicFieldType
from ticketflow.domain.errors import InvalidInputError
from ticketflow.usecases import admin
from ticketflow.usecases.catalog_records import (
    Agent,
    CustomerUser,
    DynamicField,
    Group,
    Queue,
    Role,
    State,
    record_key,
)


class FakeCatalog:
    def __init__(self) -> None:
        self.records: dict[tuple[type[Any], str], Any] = {}

    def list(self, kind: type[Any]) -> Sequence[Any]:
        found = [r for (k, _), r in self.records.items() if k is kind]
        return sorted(found, key=record_key)

    def find(self, kind: type[Any], key: str) -> Any:
        return self.records.get((kind, key))

    def add(self, record: Any) -> None:
        self.records[(type(record), record_key(record))] = record


class FakeUnitOfWork:
    """Stages additions and makes them visible only on commit, like the real one."""

    def __init__(self, store: FakeCatalog) -> None:
        self.store = store
        self.catalog = FakeCatalog()
        self.catalog.records = dict(store.records)

    def __enter__(self) -> FakeUnitOfWork:
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        return None

    def commit(self) -> None:
        self.store.records = dict(self.catalog.records)


class Cache:
    def __init__(self) -> None:
        self.forgotten = 0

    def forget_catalog(self) -> None:
        self.forgotten += 1


@pytest.fixture
def store() -> FakeCatalog:
    catalog = FakeCatalog()
    catalog.add(Group("users"))
    return catalog


@pytest.fixture
def uow(store: FakeCatalog) -> Any:
    return lambda: FakeUnitOfWork(store)


def test_add_queue_stores_it_and_tells_the_cache(uow: Any, store: FakeCatalog) -> None:
    cache = Cache()
    admin.add_queue(uow, "Sales", comment="leads", cache=cache)
    assert admin.list_records(uow, Queue) == [Queue("Sales", "users", "leads")]
    assert cache.forgotten == 1


def test_duplicate_names_the_key_field(uow: Any) -> None:
    admin.add_queue(uow, "Sales")
    with pytest.raises(InvalidInputError, match="queue 'Sales' already exists") as caught:
        admin.add_queue(uow, "Sales")
    assert caught.value.field == "name"


def test_queue_needs_an_existing_group(uow: Any) -> None:
    with pytest.raises(InvalidInputError, match="group 'nobody' does not exist") as caught:
        admin.add_queue(uow, "Sales", group="nobody")
    assert caught.value.field == "group"
    assert admin.list_records(uow, Queue) == []


@pytest.mark.parametrize("name", ["", "  ", " Sales"])
def test_blank_or_padded_names_are_refused(uow: Any, name: str) -> None:
    with pytest.raises(InvalidInputError) as caught:
        admin.add_queue(uow, name)
    assert caught.value.field == "name"


def test_state_type_must_be_otobos(uow: Any) -> None:
    admin.add_state(uow, "waiting", "pending reminder")
    with pytest.raises(InvalidInputError, match="not a state type") as caught:
        admin.add_state(uow, "weird", "halfway")
    assert caught.value.field == "type"
    assert [s.name for s in admin.list_records(uow, State)] == ["waiting"]


def test_dynamic_fields_are_ordered_and_keep_possible_values(uow: Any) -> None:
    admin.add_dynamic_field(uow, "Note", "Note", DynamicFieldType.TEXT)
    field = admin.add_dynamic_field(uow, "Status", "Status", DynamicFieldType.DROPDOWN, {"ok": "Approved"})
    assert field.order == 2
    assert field.possible_values == {"ok": "Approved"}
    assert [f.name for f in admin.list_records(uow, DynamicField)] == ["Note", "Status"]


@pytest.mark.parametrize(
    ("name", "kind", "values", "field"),
    [
        ("Bad_Name", DynamicFieldType.TEXT, None, "name"),
        ("Status", DynamicFieldType.MULTISELECT, None, "possible_values"),
        ("Note", DynamicFieldType.TEXT, {"a": "A"}, "possible_values"),
        ("Status", DynamicFieldType.DROPDOWN, {"a": " "}, "possible_values"),
    ],
)
def test_bad_dynamic_fields_are_refused(
    uow: Any, name: str, kind: DynamicFieldType, values: dict[str, str] | None, field: str
) -> None:
    with pytest.raises(InvalidInputError) as caught:
        admin.add_dynamic_field(uow, name, "Label", kind, values)
    assert caught.value.field == field


def test_agent_roles_must_exist_and_email_must_look_like_one(uow: Any) -> None:
    admin.add_role(uow, "helpdesk", {"users": {"ro", "note"}})
    agent = admin.add_agent(uow, "jdoe", "Jane", "Doe", "jane@example.com", ["helpdesk"])
    assert admin.list_records(uow, Agent) == [agent]
    with pytest.raises(InvalidInputError, match="role 'boss' does not exist"):
        admin.add_agent(uow, "max", "Max", "M", "max@example.com", ["boss"])
    with pytest.raises(InvalidInputError) as caught:
        admin.add_agent(uow, "max", "Max", "M", "not-an-address")
    assert caught.value.field == "email"


def test_role_permissions_are_checked(uow: Any) -> None:
    role = admin.add_role(uow, "readers", {"users": ["ro"]})
    assert admin.list_records(uow, Role) == [role]
    assert role.permissions == {"users": frozenset({"ro"})}
    with pytest.raises(InvalidInputError, match="'fly' is not a permission"):
        admin.add_role(uow, "pilots", {"users": ["fly"]})
    with pytest.raises(InvalidInputError, match="group 'admin' does not exist"):
        admin.add_role(uow, "admins", {"admin": ["rw"]})


def test_customer_user_login_has_no_spaces(uow: Any) -> None:
    admin.add_customer_company(uow, "ACME", "Acme Inc.")
    admin.add_customer_user(uow, "alice", "alice@acme.test", "Alice", "A", "ACME")
    assert [u.login for u in admin.list_records(uow, CustomerUser)] == ["alice"]
    with pytest.raises(InvalidInputError) as caught:
        admin.add_customer_user(uow, "al ice", "alice@acme.test")
    assert caught.value.field == "login"
