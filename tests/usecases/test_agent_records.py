"""AgentRecords keeps agents' records a few seconds; load_principal then needs no unit of work, yet an
agent made invalid is refused once the record is read again."""

from __future__ import annotations

from typing import Any

import pytest

from ticketflow.domain.errors import PermissionDeniedError
from ticketflow.usecases.callers import Caller
from ticketflow.usecases.catalog_records import Agent, Role
from ticketflow.usecases.principals import AgentRecords, RoleGrants, load_principal


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Catalog:
    def __init__(self) -> None:
        self.agents = {"ann": Agent("ann", "Ann", "A", "ann@example.com", roles=("Writers",))}
        self.roles = [Role("Writers", {"users": frozenset({"rw"})})]
        self.reads = 0

    def find(self, kind: type[Any], key: str) -> Any:
        assert kind is Agent
        self.reads += 1
        return self.agents.get(key)

    def list(self, kind: type[Any]) -> list[Any]:
        assert kind is Role
        return list(self.roles)


class Units:
    """A unit-of-work factory over ``Catalog`` that counts the units it opened."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.opened = 0

    def __call__(self) -> Any:
        self.opened += 1
        return self

    def __enter__(self) -> Any:
        return self

    def __exit__(self, *_: object) -> None:
        return None


def test_records_are_fresh_for_their_ttl_only() -> None:
    clock = Clock()
    agents = AgentRecords(ttl=5, clock=clock)
    ann = Agent("ann", "Ann", "A", "ann@example.com")
    assert agents.fresh("ann") is None
    agents.remember(ann)
    clock.now += 5
    assert agents.fresh("ann") == ann
    clock.now += 1
    assert agents.fresh("ann") is None


def test_with_both_caches_fresh_no_unit_of_work_is_opened_and_an_invalid_agent_shows_after_the_ttl() -> None:
    clock, catalog = Clock(), Catalog()
    units = Units(catalog)
    agents, grants = AgentRecords(ttl=5, clock=clock), RoleGrants(ttl=5, clock=clock)

    first = load_principal(units, Caller("ann"), role_grants=grants, agents=agents)
    second = load_principal(units, Caller("ann"), role_grants=grants, agents=agents)
    assert first.permissions.has("users", "rw")
    assert second.permissions.has("users", "rw")
    assert (units.opened, catalog.reads) == (1, 1)

    catalog.agents["ann"] = Agent("ann", "Ann", "A", "ann@example.com", roles=("Writers",), valid=False)
    clock.now += 6
    with pytest.raises(PermissionDeniedError, match="unknown or invalid"):
        load_principal(units, Caller("ann"), role_grants=grants, agents=agents)
    assert catalog.reads == 2
