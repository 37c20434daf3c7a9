"""Token and session checks read through the read-only unit of work and read the agent once: only
the once-a-minute "last used" mark (or ending an expired session) takes a writing transaction.
Counted on a real store (SQLite and PostgreSQL) by the statements it runs."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, event

from ticketflow.db.auth_repository import SqlAuthRepository
from ticketflow.db.catalog_repository import SqlCatalogRepository
from ticketflow.db.unit_of_work import SqlUnitOfWork
from ticketflow.outbound.passwords import Argon2Hasher
from ticketflow.usecases.admin import add_agent, add_role
from ticketflow.usecases.auth import Auth, AuthPolicy
from ticketflow.usecases.callers import Caller
from ticketflow.usecases.principals import AgentRecords, RoleGrants, load_principal

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


class Counted:
    """A real unit-of-work factory that counts the units of work it made."""

    def __init__(self, engine: Engine, *, read_only: bool) -> None:
        self.engine = engine
        self.read_only = read_only
        self.made = 0

    def __call__(self) -> SqlUnitOfWork:
        self.made += 1
        return SqlUnitOfWork(self.engine, read_only=self.read_only)


@pytest.fixture
def statements(engine: Engine) -> Iterator[list[str]]:
    """Every SQL statement run on ``engine`` while the test runs."""
    seen: list[str] = []

    def record(*args: Any) -> None:
        seen.append(str(args[2]).lower())

    event.listen(engine, "before_cursor_execute", record)
    yield seen
    event.remove(engine, "before_cursor_execute", record)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def writer(engine: Engine) -> Counted:
    return Counted(engine, read_only=False)


@pytest.fixture
def reader(engine: Engine) -> Counted:
    return Counted(engine, read_only=True)


@pytest.fixture
def auth(uow_factory: Callable[[], SqlUnitOfWork], writer: Counted, reader: Counted, clock: Clock) -> Auth:
    add_role(uow_factory, "Writers", {"users": ["rw"]})
    add_agent(uow_factory, "ann", "Ann", "A", "ann@example.com", roles=["Writers"])
    hasher = Argon2Hasher(time_cost=1, memory_cost=64)
    return Auth(writer, hasher, clock=clock, policy=AuthPolicy(), reader=reader)


def test_a_token_is_checked_through_the_reader_and_marked_used_once_a_minute(
    auth: Auth, writer: Counted, reader: Counted, clock: Clock
) -> None:
    text, _ = auth.create_token("ann", name="CI", scopes=["read", "write"])
    writer.made = 0

    first = auth.token_sign_in(text)
    assert first is not None
    assert (first.caller, first.scopes, first.agent.login) == (
        Caller("ann"),
        frozenset({"read", "write"}),
        "ann",
    )
    assert (reader.made, writer.made) == (1, 1)  # never used before: marked now

    clock.now += timedelta(seconds=30)
    assert auth.token_sign_in(text) is not None
    assert (reader.made, writer.made) == (2, 1)  # marked less than a minute ago: no write

    clock.now += timedelta(minutes=1)
    assert auth.authenticate_token(text) == (Caller("ann"), frozenset({"read", "write"}))
    assert (reader.made, writer.made) == (3, 2)


def test_an_unusable_token_writes_nothing(auth: Auth, writer: Counted, clock: Clock) -> None:
    text, _ = auth.create_token("ann", name="short", scopes=["read"], expires_at=START + timedelta(hours=1))
    writer.made = 0
    clock.now += timedelta(hours=2)

    assert auth.token_sign_in(text) is None
    assert auth.token_sign_in("tf_unknown") is None
    assert writer.made == 0


def test_a_token_requests_principal_reads_the_agent_once(
    auth: Auth, reader: Counted, statements: list[str]
) -> None:
    text, _ = auth.create_token("ann", name="CI", scopes=["read"])
    auth.token_sign_in(text)  # the first use writes its mark; the next ones only read
    grants = RoleGrants()
    load_principal(reader, Caller("ann"), role_grants=grants)  # roles now cached, as in a running app
    statements.clear()

    found = auth.token_sign_in(text)
    assert found is not None
    principal = load_principal(reader, found.caller, found.scopes, role_grants=grants, agent=found.agent)

    assert principal.permissions.has("users", "rw")
    agent_reads = [s for s in statements if s.lstrip().startswith("select") and "from agents" in s]
    assert len(agent_reads) == 1, agent_reads
    assert not [s for s in statements if s.lstrip().startswith(("insert", "update", "delete"))]


def test_a_session_is_found_through_the_reader_and_touched_once_a_minute(
    auth: Auth, writer: Counted, reader: Counted, clock: Clock
) -> None:
    session_id, _ = auth.create_session(Caller("ann"), client="1.2.3.4")
    writer.made = reader.made = 0

    assert auth.find_session(session_id) is not None
    clock.now += timedelta(seconds=59)
    assert auth.find_session(session_id) is not None
    assert (reader.made, writer.made) == (2, 0)

    clock.now += timedelta(seconds=1)
    assert auth.find_session(session_id) is not None
    assert (reader.made, writer.made) == (3, 1)

    clock.now += auth.policy.session_max_idle
    assert auth.find_session(session_id) is None  # idle too long: ended, in a writing unit of work
    assert writer.made == 2
    assert auth.find_session(session_id) is None
    assert writer.made == 2


def test_with_agent_records_a_warm_token_request_reads_only_the_token_row(
    uow_factory: Callable[[], SqlUnitOfWork],
    writer: Counted,
    reader: Counted,
    clock: Clock,
    statements: list[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Agents' records and role grants are kept a few seconds, so a request signed in by a token reads
    the token row alone; revoking the token still takes effect at the next request."""
    add_role(uow_factory, "Writers", {"users": ["rw"]})
    add_agent(uow_factory, "ann", "Ann", "A", "ann@example.com", roles=["Writers"])
    agents, grants = AgentRecords(), RoleGrants()
    auth = Auth(writer, Argon2Hasher(time_cost=1, memory_cost=64), clock=clock, reader=reader, agents=agents)
    text, token = auth.create_token("ann", name="CI", scopes=["read"])

    def request() -> bool:
        found = auth.token_sign_in(text)
        if found is None:
            return False
        principal = load_principal(
            reader, found.caller, found.scopes, role_grants=grants, agent=found.agent, agents=agents
        )
        return principal.permissions.has("users", "rw")

    assert request()  # the first reads the agent, the roles, and writes the "last used" mark
    # The token row is read on the driver's cursor (db.prepared), which SQLAlchemy's statement events
    # do not see: the repository's reads are counted instead, and the events show nothing else ran.
    reads: list[str] = []
    for name in ("find_token", "find_session"):
        monkeypatch.setattr(SqlAuthRepository, name, _counting(getattr(SqlAuthRepository, name), reads))
    for name in ("find", "list", "catalog"):
        monkeypatch.setattr(SqlCatalogRepository, name, _counting(getattr(SqlCatalogRepository, name), reads))
    statements.clear()
    reader.made = 0
    assert request()
    assert reads == ["find_token"]
    assert statements == []
    assert reader.made == 1  # the token's read; the permissions needed no unit of work

    auth.revoke_token(token.id)
    assert not request()


def _counting(method: Callable[..., Any], calls: list[str]) -> Callable[..., Any]:
    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(method.__name__)
        return method(*args, **kwargs)

    return counted
