"""The sign-in use cases on a real store: passwords, sessions, CSRF, API tokens, rate limiting."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from ticketflow.db.unit_of_work import SqlUnitOfWork
from ticketflow.domain.definitions import Interface
from ticketflow.domain.errors import InvalidInputError, NotFoundError, PermissionDeniedError
from ticketflow.outbound.passwords import Argon2Hasher
from ticketflow.usecases.admin import add_agent, add_customer_user
from ticketflow.usecases.auth import Auth, AuthenticationError, AuthPolicy, LoginThrottledError, digest
from ticketflow.usecases.callers import Caller

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def auth(uow_factory: Callable[[], SqlUnitOfWork], clock: Clock) -> Auth:
    add_agent(uow_factory, "ann", "Ann", "A", "ann@example.com", roles=["Admin"])
    add_customer_user(uow_factory, "cus", "cus@example.com", customer_id="ACME")
    created = Auth(uow_factory, Argon2Hasher(time_cost=1, memory_cost=64), clock=clock, policy=AuthPolicy())
    created.set_password(Interface.AGENT, "ann", "correct horse")
    created.set_password(Interface.CUSTOMER, "cus", "customer pass")
    return created


def test_passwords_are_stored_as_argon2_hashes(auth: Auth, uow_factory: Callable[[], SqlUnitOfWork]) -> None:
    with uow_factory() as uow:
        stored = uow.auth.find_customer_password("cus")
    assert stored is not None
    assert stored.startswith("$argon2id$")
    assert "customer pass" not in stored


def test_sign_in_agents_and_customers(auth: Auth) -> None:
    assert auth.sign_in(Interface.AGENT, "ann", "correct horse", client="1.2.3.4") == Caller("ann")
    customer = auth.sign_in(Interface.CUSTOMER, "cus", "customer pass", client="1.2.3.4")
    assert customer == Caller("cus", Interface.CUSTOMER)
    # An agent's password does not open the customer interface, nor the other way round.
    with pytest.raises(AuthenticationError):
        auth.sign_in(Interface.CUSTOMER, "ann", "correct horse", client="1.2.3.4")


@pytest.mark.parametrize(("login", "password"), [("ann", "wrong"), ("nobody", "correct horse")])
def test_wrong_login_or_password_is_refused_with_one_message(auth: Auth, login: str, password: str) -> None:
    with pytest.raises(AuthenticationError, match="wrong login or password"):
        auth.sign_in(Interface.AGENT, login, password, client="1.2.3.4")


def test_short_passwords_and_unknown_users_are_refused(auth: Auth) -> None:
    with pytest.raises(InvalidInputError, match="password"):
        auth.set_password(Interface.AGENT, "ann", "short")
    with pytest.raises(NotFoundError):
        auth.set_password(Interface.AGENT, "nobody", "long enough")


def test_failed_logins_are_rate_limited_per_login_then_released(auth: Auth, clock: Clock) -> None:
    for _ in range(5):
        with pytest.raises(AuthenticationError):
            auth.sign_in(Interface.AGENT, "ann", "wrong", client="1.2.3.4")
    with pytest.raises(LoginThrottledError):
        auth.sign_in(Interface.AGENT, "ann", "correct horse", client="5.6.7.8")
    clock.now += timedelta(minutes=16)
    assert auth.sign_in(Interface.AGENT, "ann", "correct horse", client="5.6.7.8") == Caller("ann")


def test_failed_logins_are_rate_limited_per_client_address(auth: Auth) -> None:
    for number in range(20):
        with pytest.raises(AuthenticationError):
            auth.sign_in(Interface.AGENT, f"guess{number}", "wrong", client="6.6.6.6")
    with pytest.raises(LoginThrottledError):
        auth.sign_in(Interface.AGENT, "ann", "correct horse", client="6.6.6.6")
    assert auth.sign_in(Interface.AGENT, "ann", "correct horse", client="1.1.1.1") == Caller("ann")


def test_sessions_are_stored_hashed_and_expire(
    auth: Auth, clock: Clock, uow_factory: Callable[[], SqlUnitOfWork]
) -> None:
    session_id, record = auth.create_session(Caller("ann"), client="1.2.3.4")
    assert len(session_id) == 32
    assert session_id.isalnum()
    assert record.key == digest(session_id)
    found = auth.find_session(session_id)
    assert found is not None
    assert found.login == "ann"
    clock.now += timedelta(hours=1, minutes=59)
    assert auth.find_session(session_id) is not None  # used: the idle clock restarts
    clock.now += timedelta(hours=2)
    assert auth.find_session(session_id) is None  # idle for two hours
    with uow_factory() as uow:
        assert uow.auth.find_session(record.key) is None


def test_sessions_end_at_their_maximum_age_and_on_sign_out(auth: Auth, clock: Clock) -> None:
    session_id, _ = auth.create_session(Caller("ann"), client="1.2.3.4")
    for _ in range(8):
        clock.now += timedelta(hours=1, minutes=50)
        assert auth.find_session(session_id) is not None
    clock.now += timedelta(hours=1, minutes=50)
    assert auth.find_session(session_id) is None  # 16.5 h after creation
    other, _ = auth.create_session(Caller("ann"), client="1.2.3.4")
    auth.end_session(other)
    assert auth.find_session(other) is None
    assert auth.find_session("unknown") is None
    assert auth.find_session(None) is None


def test_csrf_tokens_belong_to_their_session(auth: Auth) -> None:
    _, first = auth.create_session(Caller("ann"), client="1.2.3.4")
    _, second = auth.create_session(Caller("ann"), client="1.2.3.4")
    auth.check_csrf(first, auth.csrf_token_for(first))
    with pytest.raises(PermissionDeniedError):
        auth.check_csrf(first, auth.csrf_token_for(second))
    with pytest.raises(PermissionDeniedError):
        auth.check_csrf(first, None)


def test_api_tokens_are_shown_once_stored_hashed_scoped_and_revocable(
    auth: Auth, uow_factory: Callable[[], SqlUnitOfWork]
) -> None:
    text, token = auth.create_token("ann", name="CI", scopes=["read"])
    assert text.startswith("tf_")
    assert token.prefix == text[:10]
    with uow_factory() as uow:
        assert uow.auth.find_token(digest(text)) is not None
    assert auth.authenticate_token(text) == (Caller("ann"), frozenset({"read"}))
    assert auth.authenticate_token(text + "x") is None
    assert auth.authenticate_token("not a token") is None
    assert [t.name for t in auth.list_tokens("ann")] == ["CI"]
    revoked = auth.revoke_token(token.id, agent_login="ann")
    assert revoked.revoked_at is not None
    assert auth.authenticate_token(text) is None


def test_token_scopes_expiry_and_ownership(auth: Auth, clock: Clock) -> None:
    with pytest.raises(InvalidInputError, match="scopes"):
        auth.create_token("ann", name="bad", scopes=["everything"])
    with pytest.raises(NotFoundError):
        auth.create_token("nobody", name="x", scopes=["read"])
    text, token = auth.create_token(
        "ann", name="short", scopes=["read"], expires_at=START + timedelta(days=1)
    )
    assert auth.authenticate_token(text) is not None
    clock.now += timedelta(days=2)
    assert auth.authenticate_token(text) is None
    with pytest.raises(NotFoundError):
        auth.revoke_token(token.id, agent_login="someone else")
