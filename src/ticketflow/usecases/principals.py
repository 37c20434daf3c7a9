"""Who is asking: a signed-in caller with what it may do (an agent's keys per group through its
roles, a customer's companies, the scopes of the credential used), loaded for each request with the
caches of role grants and agent records that spare most requests a read, and the checks every entry
point starts with: the credential's scope, an agent, an administrator (reference §1.7).

The checks on tickets built on a principal are ``access``; those on activity dialogs ``dialog_access``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from ticketflow.domain.definitions import Interface
from ticketflow.domain.errors import PermissionDeniedError
from ticketflow.domain.permissions import AgentPermissions, effective_permissions
from ticketflow.usecases.auth_records import SCOPES
from ticketflow.usecases.callers import Caller
from ticketflow.usecases.catalog_records import Agent, CustomerUser, Role
from ticketflow.usecases.ports import UnitOfWork

UnitOfWorkFactory = Callable[[], UnitOfWork]


@dataclass(frozen=True, slots=True)
class Principal:
    """A signed-in caller with what it may do: agent permissions per group, a customer's company ids,
    and the scopes of the credential used (all of them for passwords and sessions)."""

    caller: Caller
    permissions: AgentPermissions = field(default_factory=AgentPermissions)
    customer_ids: frozenset[str] = frozenset()
    scopes: frozenset[str] = frozenset(SCOPES)

    @property
    def is_customer(self) -> bool:
        return self.caller.interface is Interface.CUSTOMER


Grants = Mapping[str, frozenset[str]]  # permission group → keys


class RoleGrants:
    """What each valid role grants, read at most once per ``ttl`` seconds: every request of an entry
    point needs it to build its caller's permissions, and roles change rarely. A role the cache does
    not know yet (created since) makes it read again at once, so a new role works immediately; a
    changed grant shows within ``ttl``. ``forget`` drops it (after an admin change here)."""

    def __init__(self, ttl: float = 5.0, clock: Callable[[], float] = time.monotonic) -> None:
        self._ttl = ttl
        self._clock = clock
        self._grants: tuple[float, Mapping[str, Grants]] | None = None

    def grants(self, uow: UnitOfWork, roles: Sequence[str]) -> Mapping[str, Grants]:
        now = self._clock()
        cached = self._grants
        if cached is None or now - cached[0] > self._ttl or any(r not in cached[1] for r in roles):
            read: dict[str, Grants] = {r.name: r.permissions for r in uow.catalog.list(Role) if r.valid}
            # An invalid or missing role the agent holds is remembered as granting nothing, so that
            # it does not make every request read again.
            cached = (now, {**{role: {} for role in roles}, **read})
            self._grants = cached
        return cached[1]

    def forget(self) -> None:
        self._grants = None

    def fresh(self, roles: Sequence[str]) -> Mapping[str, Grants] | None:
        """The grants as last read if that is under ``ttl`` ago and knows every role in ``roles``;
        None when ``grants`` would read (so the caller needs no unit of work otherwise)."""
        cached = self._grants
        if cached is None or self._clock() - cached[0] > self._ttl or any(r not in cached[1] for r in roles):
            return None
        return cached[1]


class AgentRecords:
    """Agents' records (valid, roles) as read at most ``ttl`` seconds ago, like ``RoleGrants``:
    every request signed in by a token or a session needs its agent's, and they change rarely. An
    agent made invalid, or given other roles, is seen within ``ttl``; a revoked token or an ended
    session is seen at once (their rows are read on every request)."""

    def __init__(self, ttl: float = 5.0, clock: Callable[[], float] = time.monotonic) -> None:
        self._ttl = ttl
        self._clock = clock
        self._agents: dict[str, tuple[float, Agent]] = {}

    def fresh(self, login: str) -> Agent | None:
        """The agent as read under ``ttl`` ago, or None (not known, or too old)."""
        cached = self._agents.get(login)
        if cached is None or self._clock() - cached[0] > self._ttl:
            return None
        return cached[1]

    def remember(self, agent: Agent) -> None:
        self._agents[agent.login] = (self._clock(), agent)

    def forget(self) -> None:
        self._agents = {}


def load_principal(
    uow_factory: UnitOfWorkFactory,
    caller: Caller,
    scopes: frozenset[str] = frozenset(SCOPES),
    *,
    role_grants: RoleGrants | None = None,
    agent: Agent | None = None,
    agents: AgentRecords | None = None,
) -> Principal:
    """The caller's permissions as stored now (role grants possibly from ``role_grants``, the agent's
    record from ``agents``, see there). ``agent`` is the caller's agent record when the sign-in
    already read it (not read again). With both caches fresh no unit of work is opened.
    PermissionDeniedError for an unknown or invalid user."""
    if caller.interface is Interface.AGENT and role_grants is not None:
        known = agent if agent is not None and agent.login == caller.login else None
        if known is None and agents is not None:
            known = agents.fresh(caller.login)
        grants = role_grants.fresh(known.roles) if known is not None else None
        if known is not None and grants is not None:
            if not known.valid:
                raise PermissionDeniedError(f"agent '{caller.login}' is unknown or invalid")
            return Principal(caller, effective_permissions(known.roles, grants), scopes=scopes)
    with uow_factory() as uow:
        if caller.interface is Interface.CUSTOMER:
            customer = uow.catalog.find(CustomerUser, caller.login)
            if customer is None or not customer.valid:
                raise PermissionDeniedError(f"customer user '{caller.login}' is unknown or invalid")
            ids = frozenset({customer.customer_id} - {""})
            return Principal(replace(caller, customer_ids=ids), customer_ids=ids, scopes=scopes)
        if agent is None or agent.login != caller.login:
            agent = uow.catalog.find(Agent, caller.login)
            if agent is not None and agents is not None:
                agents.remember(agent)
        if agent is None or not agent.valid:
            raise PermissionDeniedError(f"agent '{caller.login}' is unknown or invalid")
        if role_grants is not None:
            grants = role_grants.grants(uow, agent.roles)
        else:
            grants = {role.name: role.permissions for role in uow.catalog.list(Role) if role.valid}
        return Principal(caller, effective_permissions(agent.roles, grants), scopes=scopes)


def require_scope(principal: Principal, scope: str) -> None:
    """API tokens carry scopes; refuse a call the token was not made for."""
    if scope not in principal.scopes and "admin" not in principal.scopes:
        raise PermissionDeniedError(f"this API token lacks the '{scope}' scope")


def require_admin(principal: Principal) -> None:
    """Admin work: an agent with rw on group ``admin``, through a credential with the ``admin`` scope."""
    require_scope(principal, "admin")
    if principal.is_customer or not principal.permissions.is_admin:
        raise PermissionDeniedError(f"{principal.caller} is not an administrator (rw on group 'admin')")


def require_agent(principal: Principal) -> None:
    if principal.is_customer:
        raise PermissionDeniedError("only agents may do this")
