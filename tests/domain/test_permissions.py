"""OTOBO's permission model: roles grant keys per group, rw implies all, the owner holds everything."""

from __future__ import annotations

from ticketflow.domain.permissions import (
    AGENT_PERMISSION_KEYS,
    AgentPermissions,
    customer_may_see,
    effective_permissions,
    holds,
    ticket_keys,
)

GRANTS = {
    "Reader": {"users": ["ro"]},
    "Noter": {"users": ["note"], "sales": ["create"]},
    "Admin": {"admin": ["rw"], "users": ["rw"]},
}


def test_effective_permissions_are_the_union_of_the_roles() -> None:
    permissions = effective_permissions(["Reader", "Noter"], GRANTS)
    assert permissions.by_group == {"users": frozenset({"ro", "note"}), "sales": frozenset({"create"})}
    assert permissions.has("users", "note")
    assert not permissions.has("users", "priority")
    assert permissions.groups_with("create") == {"sales"}


def test_unknown_roles_grant_nothing() -> None:
    assert effective_permissions(["Gone"], GRANTS).by_group == {}


def test_rw_implies_every_key_even_unregistered_ones() -> None:
    permissions = effective_permissions(["Admin"], GRANTS)
    assert all(permissions.has("users", key) for key in (*AGENT_PERMISSION_KEYS, "move", "close"))
    assert permissions.is_admin
    assert not effective_permissions(["Reader"], GRANTS).is_admin


def test_ticket_keys_come_from_the_queue_group_or_ownership() -> None:
    reader = effective_permissions(["Reader"], GRANTS)
    assert ticket_keys(reader, queue_group="users", ticket_owner="root", agent_login="ann") == {"ro"}
    assert ticket_keys(reader, queue_group="sales", ticket_owner="root", agent_login="ann") == frozenset()
    owned = ticket_keys(reader, queue_group="sales", ticket_owner="ann", agent_login="ann")
    assert holds(owned, "priority")
    assert holds(owned, "close")


def test_holds_respects_rw() -> None:
    assert holds(frozenset({"rw"}), "move")
    assert not holds(frozenset({"ro"}), "move")


def test_customers_see_their_own_and_their_company_tickets() -> None:
    assert customer_may_see(ticket_customer_user="c1", ticket_customer_id=None, login="c1", customer_ids=[])
    assert customer_may_see(
        ticket_customer_user="c2", ticket_customer_id="ACME", login="c1", customer_ids=["ACME"]
    )
    assert not customer_may_see(
        ticket_customer_user="c2", ticket_customer_id="OTHER", login="c1", customer_ids=["ACME"]
    )
    # An empty company id never matches a ticket without company.
    assert not customer_may_see(
        ticket_customer_user=None, ticket_customer_id="", login="c1", customer_ids=[""]
    )


def test_empty_permissions() -> None:
    assert not AgentPermissions().has("users", "ro")
