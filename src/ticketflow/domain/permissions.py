"""OTOBO's permission model (reference §1.7), as pure functions.

Agents: queues belong to a group; roles grant permission keys per group; an agent holds the union of
the keys its roles grant. ``rw`` implies every other key, including keys OTOBO's code asks for but
does not register (``move``, ``close``, ``responsible`` …). The ticket's owner gets every key on it
(OTOBO's ``1-OwnerCheck``, Granted).

Customers: a customer user sees a ticket whose ``CustomerUserID`` is their login, or whose
``CustomerID`` is one of their company ids (OTOBO's ``CustomerUserIDCheck`` / ``CustomerIDCheck``;
``CustomerGroupSupport`` is off, as in OTOBO's default, so the group check always passes).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

AGENT_PERMISSION_KEYS = ("ro", "move_into", "create", "note", "owner", "priority", "rw")
ADMIN_GROUP = "admin"


@dataclass(frozen=True, slots=True)
class AgentPermissions:
    """An agent's effective keys per group name (``{"users": {"ro", "note"}}``)."""

    by_group: Mapping[str, frozenset[str]] = field(default_factory=dict)

    def has(self, group: str, key: str) -> bool:
        """Whether the agent holds ``key`` on ``group`` (``rw`` there implies any key)."""
        keys = self.by_group.get(group, frozenset())
        return key in keys or "rw" in keys

    def groups_with(self, key: str) -> frozenset[str]:
        """The groups where the agent holds ``key`` (OTOBO's ``PermissionUserGet``)."""
        return frozenset(group for group in self.by_group if self.has(group, key))

    @property
    def is_admin(self) -> bool:
        """Admin screens and admin API: ``rw`` on the ``admin`` group, as in OTOBO."""
        return "rw" in self.by_group.get(ADMIN_GROUP, frozenset())


def effective_permissions(
    agent_roles: Iterable[str], role_grants: Mapping[str, Mapping[str, Iterable[str]]]
) -> AgentPermissions:
    """Union of what ``agent_roles`` grant; ``role_grants`` maps a *valid* role → group → keys.

    Roles missing from ``role_grants`` (invalid or deleted ones) grant nothing."""
    merged: dict[str, set[str]] = {}
    for role in agent_roles:
        for group, keys in role_grants.get(role, {}).items():
            merged.setdefault(group, set()).update(keys)
    return AgentPermissions({group: frozenset(keys) for group, keys in merged.items()})


def ticket_keys(
    permissions: AgentPermissions, *, queue_group: str, ticket_owner: str, agent_login: str
) -> frozenset[str]:
    """The keys an agent holds on one ticket: everything as its owner, else those of its queue's group.

    ``rw`` stays in the result so that callers can test ``"rw" in keys`` for keys not listed here."""
    if ticket_owner == agent_login:
        return frozenset(AGENT_PERMISSION_KEYS)
    keys = permissions.by_group.get(queue_group, frozenset())
    return frozenset(AGENT_PERMISSION_KEYS) if "rw" in keys else keys


def holds(keys: frozenset[str], key: str) -> bool:
    """Whether ``keys`` (as from ``ticket_keys``) grant ``key``; ``rw`` grants any key."""
    return key in keys or "rw" in keys


def customer_may_see(
    *,
    ticket_customer_user: str | None,
    ticket_customer_id: str | None,
    login: str,
    customer_ids: Iterable[str],
) -> bool:
    """Whether the customer user ``login`` (of companies ``customer_ids``) may see the ticket."""
    if ticket_customer_user is not None and ticket_customer_user == login:
        return True
    ids = {customer_id for customer_id in customer_ids if customer_id}
    return ticket_customer_id is not None and ticket_customer_id in ids
