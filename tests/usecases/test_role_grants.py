"""RoleGrants: what roles grant, read once per TTL; a role it does not know yet is read at once."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ticketflow.usecases.catalog_records import Role
from ticketflow.usecases.principals import RoleGrants


class Catalog:
    def __init__(self, roles: list[Role]) -> None:
        self.roles = roles
        self.reads = 0

    def list(self, kind: type[Any]) -> Sequence[Any]:
        assert kind is Role
        self.reads += 1
        return list(self.roles)


class Unit:
    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_grants_are_read_once_per_ttl() -> None:
    catalog, clock = Catalog([Role("Buyers", {"purchasing": frozenset({"rw"})})]), Clock()
    grants = RoleGrants(ttl=5, clock=clock)
    unit: Any = Unit(catalog)

    first = grants.grants(unit, ["Buyers"])
    catalog.roles = [Role("Buyers", {"purchasing": frozenset({"ro"})})]
    clock.now += 4
    within = grants.grants(unit, ["Buyers"])
    clock.now += 2
    after = grants.grants(unit, ["Buyers"])

    assert first["Buyers"] == {"purchasing": frozenset({"rw"})}
    assert within == first  # a changed grant shows only after the TTL …
    assert after["Buyers"] == {"purchasing": frozenset({"ro"})}  # … and then it does
    assert catalog.reads == 2


def test_a_role_created_since_is_read_at_once_and_an_invalid_one_grants_nothing() -> None:
    catalog = Catalog([Role("Buyers", {"purchasing": frozenset({"rw"})})])
    grants = RoleGrants(ttl=5, clock=Clock())
    unit: Any = Unit(catalog)
    grants.grants(unit, ["Buyers"])
    catalog.roles.append(Role("HR", {"hr": frozenset({"rw"})}))
    catalog.roles.append(Role("Retired", {"hr": frozenset({"rw"})}, valid=False))

    known = grants.grants(unit, ["Buyers", "HR", "Retired"])
    again = grants.grants(unit, ["Retired"])

    assert known["HR"] == {"hr": frozenset({"rw"})}
    assert known["Retired"] == {}
    assert again["Retired"] == {}
    assert catalog.reads == 2  # the invalid role did not make the second call read again


def test_forget_reads_again() -> None:
    catalog = Catalog([])
    grants = RoleGrants(ttl=5, clock=Clock())
    unit: Any = Unit(catalog)
    grants.grants(unit, [])
    grants.forget()
    grants.grants(unit, [])
    assert catalog.reads == 2
