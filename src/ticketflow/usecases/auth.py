"""Sign-in: passwords, server-side sessions, CSRF tokens, API tokens, failed-login rate limiting.

How to use it (the UI, the REST API, the OTOBO API and the CLI all go through ``Auth``)
---------------------------------------------------------------------------------------
``auth = Auth(uow_factory, hasher)`` — the web app builds one at start-up and keeps it in
``app.state.auth`` (``ticketflow.web.deps.get_auth``); the hasher is ``outbound.passwords.Argon2Hasher``.

Sign-in form (agent or customer)::

    caller = auth.sign_in(Interface.AGENT, login, password, client=request.client.host)
    #   -> Caller; raises AuthenticationError (401: wrong login or password, the message never says
    #      which) or LoginThrottledError (429: too many failures for this login or this address;
    #      ``retry_after`` is a timedelta). A success clears the login's failure count.
    session_id, session = auth.create_session(caller, client=address)
    response.set_cookie(SESSION_COOKIE, session_id, **COOKIE_OPTIONS)   # Secure, HttpOnly, SameSite=Lax

Every request::

    session = auth.find_session(request.cookies.get(SESSION_COOKIE))  # None: not signed in / expired
    caller = session_caller(session)                                   # Caller(login, interface)

Forms (CSRF, synchronizer-token pattern): render ``auth.csrf_token_for(session)`` into a hidden field
``csrf_token`` (or the ``X-CSRF-Token`` header for htmx); on POST call ``auth.check_csrf(session, token)``
— PermissionDeniedError (403) when it does not match. Logout: ``auth.end_session(session_id)`` and
delete the cookie.

Sessions expire ``AuthPolicy.session_max_age`` after creation (16 h, OTOBO's SessionMaxTime) or after
``session_max_idle`` without use (2 h, SessionMaxIdleTime). The cookie holds the only copy of the
session id; the store keeps its SHA-256.

API tokens (REST API, ``Authorization: Bearer tf_…``)::

    text, token = auth.create_token("alice", name="CI", scopes={"read", "write"})  # text shown once
    auth.authenticate_token(text)  # -> (Caller, scopes) or None (unknown, revoked, expired)
    auth.token_sign_in(text)       # -> TokenSignIn (caller, scopes and the agent as read) or None

Token and session checks read through ``reader`` (``Auth(uow, hasher, reader=application.reader)``, a
read-only unit of work): only the "last used" mark, at most once a minute, or ending an expired
session takes a writing one.
    auth.revoke_token(token.id)

Passwords: ``auth.set_password(Interface.AGENT, login, password)`` (at least 8 characters).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import string
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from ticketflow.domain.definitions import Interface
from ticketflow.domain.errors import InvalidInputError, NotFoundError, PermissionDeniedError, TicketflowError
from ticketflow.usecases.auth_records import SCOPES, ApiToken, SessionRecord
from ticketflow.usecases.callers import Caller
from ticketflow.usecases.catalog_records import Agent, CustomerUser
from ticketflow.usecases.ports import PasswordHasher, UnitOfWork

if TYPE_CHECKING:
    from ticketflow.usecases.principals import AgentRecords

UnitOfWorkFactory = Callable[[], UnitOfWork]
Clock = Callable[[], datetime]

SESSION_COOKIE = "tf_session"
# For ``response.set_cookie``: the session id never reaches JavaScript, never travels over plain
# HTTP, and is not sent on cross-site sub-requests (the CSRF token covers top-level form posts).
COOKIE_OPTIONS: dict[str, object] = {"httponly": True, "secure": True, "samesite": "lax", "path": "/"}
TOKEN_PREFIX = "tf_"  # noqa: S105 - a prefix that marks our tokens, not a secret
MIN_PASSWORD_LENGTH = 8
_SESSION_ALPHABET = string.ascii_letters + string.digits


class AuthenticationError(TicketflowError):
    """Wrong login or password, or an unknown/expired session or token (HTTP 401)."""

    code = "authentication_failed"


class LoginThrottledError(TicketflowError):
    """Too many failed sign-ins for a login or a client address (HTTP 429)."""

    code = "too_many_attempts"

    def __init__(self, message: str, retry_after: timedelta) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclass(frozen=True, slots=True)
class TokenSignIn:
    """A usable API token's caller and scopes, with its agent as read (so that building the caller's
    permissions need not read the agent again)."""

    caller: Caller
    scopes: frozenset[str]
    agent: Agent


@dataclass(frozen=True, slots=True)
class AuthPolicy:
    """Lifetimes and limits; OTOBO's defaults where it has them (reference §2.4)."""

    session_max_age: timedelta = timedelta(hours=16)
    session_max_idle: timedelta = timedelta(hours=2)
    failure_window: timedelta = timedelta(minutes=15)
    max_failures_per_login: int = 5
    max_failures_per_client: int = 20


def utc_now() -> datetime:
    return datetime.now(UTC)


def digest(secret: str) -> str:
    """The SHA-256 under which a session id or token is stored. A fast hash is right here: both are
    long random strings, so there is nothing to brute-force (unlike a password)."""
    return hashlib.sha256(secret.encode()).hexdigest()


def session_caller(session: SessionRecord) -> Caller:
    return Caller(session.login, session.interface)


class Auth:
    """The sign-in use cases on one store; see the module note for how to call them."""

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        hasher: PasswordHasher,
        *,
        clock: Clock = utc_now,
        policy: AuthPolicy | None = None,
        reader: UnitOfWorkFactory | None = None,
        agents: AgentRecords | None = None,
    ) -> None:
        self._uow_factory = uow_factory
        # Reads that need no write (token checks) go here: on SQLite they do not queue behind writers.
        self._reader = reader or uow_factory
        # Agents' records for token sign-ins, read at most once per few seconds (principals.AgentRecords).
        self.agents = agents
        self._hasher = hasher
        self._clock = clock
        self.policy = policy or AuthPolicy()
        # Verified against for unknown logins, so that a wrong login costs as long as a wrong password.
        self._dummy_hash = hasher.hash(secrets.token_hex(16))

    # --- passwords ---

    def set_password(self, interface: Interface, login: str, password: str) -> None:
        """Set the password of an agent or a customer user (NotFoundError if there is none)."""
        if len(password) < MIN_PASSWORD_LENGTH:
            raise InvalidInputError(f"must have at least {MIN_PASSWORD_LENGTH} characters", field="password")
        hashed = self._hasher.hash(password)
        with self._uow_factory() as uow:
            if interface is Interface.CUSTOMER:
                uow.auth.set_customer_password(login, hashed)
            else:
                uow.auth.set_agent_password(login, hashed)
            uow.commit()

    def sign_in(self, interface: Interface, login: str, password: str, *, client: str) -> Caller:
        """The caller whose login and password these are; see the module note for the errors."""
        now = self._clock()
        login_key = f"login:{interface.value}:{login}"
        client_key = f"client:{client}"
        with self._uow_factory() as uow:
            self._check_throttle(uow, login_key, client_key, now)
            stored = _stored_hash(uow, interface, login)
            matches = self._hasher.verify(stored or self._dummy_hash, password)
            if not (matches and stored):
                uow.auth.add_login_failure(login_key, now)
                uow.auth.add_login_failure(client_key, now)
                uow.commit()
                raise AuthenticationError("wrong login or password")
            uow.auth.clear_login_failures(login_key)
            if self._hasher.needs_rehash(stored):
                _store_hash(uow, interface, login, self._hasher.hash(password))
            uow.commit()
        return Caller(login, interface)

    def _check_throttle(self, uow: UnitOfWork, login_key: str, client_key: str, now: datetime) -> None:
        since = now - self.policy.failure_window
        limits = (
            (login_key, self.policy.max_failures_per_login, "this login"),
            (client_key, self.policy.max_failures_per_client, "this address"),
        )
        for key, limit, what in limits:
            if uow.auth.count_login_failures(key, since) >= limit:
                raise LoginThrottledError(
                    f"too many failed sign-ins for {what}; try again later", self.policy.failure_window
                )

    # --- sessions ---

    def create_session(
        self, caller: Caller, *, client: str, source: str = "web"
    ) -> tuple[str, SessionRecord]:
        """A new session for a signed-in caller: (the session id for the cookie, the stored record).

        The id is 32 letters and digits, like OTOBO's SessionIDs (≈190 random bits)."""
        now = self._clock()
        session_id = "".join(secrets.choice(_SESSION_ALPHABET) for _ in range(32))
        record = SessionRecord(
            key=digest(session_id),
            interface=caller.interface,
            login=caller.login,
            source=source,
            client=client,
            csrf_secret=secrets.token_urlsafe(32),
            created_at=now,
            last_seen_at=now,
            expires_at=now + self.policy.session_max_age,
        )
        with self._uow_factory() as uow:
            uow.auth.delete_expired_sessions(now)
            uow.auth.add_session(record)
            uow.commit()
        return session_id, record

    def find_session(self, session_id: str | None) -> SessionRecord | None:
        """The live session with this id, its idle clock reset; None if unknown, expired or idle too long.
        Read through the read-only unit of work: a write only when the session ends or is marked used."""
        if not session_id:
            return None
        now = self._clock()
        with self._reader() as uow:
            record = uow.auth.find_session(digest(session_id))
        if record is None:
            return None
        if now >= record.expires_at or now - record.last_seen_at >= self.policy.session_max_idle:
            with self._uow_factory() as uow:
                uow.auth.delete_session(record.key)
                uow.commit()
            return None
        # Written at most once a minute: a page with many htmx requests must not write on each.
        if now - record.last_seen_at >= timedelta(minutes=1):
            with self._uow_factory() as uow:
                uow.auth.touch_session(record.key, last_seen_at=now)
                uow.commit()
        return record

    def end_session(self, session_id: str | None) -> None:
        """Sign out: the session is gone (ending an unknown session is not an error)."""
        if not session_id:
            return
        with self._uow_factory() as uow:
            uow.auth.delete_session(digest(session_id))
            uow.commit()

    @staticmethod
    def csrf_token_for(session: SessionRecord) -> str:
        return session.csrf_secret

    @staticmethod
    def check_csrf(session: SessionRecord, token: str | None) -> None:
        """PermissionDeniedError unless ``token`` is the session's CSRF token (constant-time compare)."""
        if not token or not hmac.compare_digest(token.encode(), session.csrf_secret.encode()):
            raise PermissionDeniedError("the form's CSRF token is missing or wrong; reload the page")

    # --- API tokens ---

    def create_token(
        self,
        agent_login: str,
        *,
        name: str,
        scopes: Iterable[str],
        expires_at: datetime | None = None,
    ) -> tuple[str, ApiToken]:
        """A new token for an agent: (its text, shown this once; the stored record)."""
        chosen = frozenset(scopes)
        unknown = sorted(chosen - set(SCOPES))
        if unknown or not chosen:
            raise InvalidInputError(
                f"'{', '.join(unknown)}' is not a scope (choose from: {', '.join(SCOPES)})", field="scopes"
            )
        if not name.strip():
            raise InvalidInputError("must not be empty", field="name")
        text = TOKEN_PREFIX + secrets.token_urlsafe(32)
        with self._uow_factory() as uow:
            agent = uow.catalog.find(Agent, agent_login)
            if agent is None:
                raise NotFoundError(f"agent '{agent_login}' does not exist")
            token = uow.auth.add_token(
                agent_login=agent_login,
                name=name.strip(),
                token_hash=digest(text),
                prefix=text[:10],
                scopes=chosen,
                created_at=self._clock(),
                expires_at=expires_at,
            )
            uow.commit()
        return text, token

    def authenticate_token(self, text: str) -> tuple[Caller, frozenset[str]] | None:
        """The agent and scopes of a usable token; None for an unknown, revoked or expired one, or
        one whose agent is invalid now."""
        found = self.token_sign_in(text)
        return None if found is None else (found.caller, found.scopes)

    def token_sign_in(self, text: str) -> TokenSignIn | None:
        """As ``authenticate_token``, with the agent as read. The token and its agent are read in one
        read-only unit of work; the token's "last used" mark is written (in a unit of work of its own)
        only when the stored one is a minute old or more."""
        if not text.startswith(TOKEN_PREFIX):
            return None
        now = self._clock()
        with self._reader() as uow:
            token = uow.auth.find_token(digest(text))
            if token is None or not token.usable_at(now):
                return None
            agent = self.agents.fresh(token.agent_login) if self.agents is not None else None
            if agent is None:
                agent = uow.catalog.find(Agent, token.agent_login)
                if agent is not None and self.agents is not None:
                    self.agents.remember(agent)
        if agent is None or not agent.valid:
            return None
        if token.last_used_at is None or now - token.last_used_at >= timedelta(minutes=1):
            with self._uow_factory() as uow:
                uow.auth.touch_token(token.id, used_at=now)
                uow.commit()
        return TokenSignIn(Caller(token.agent_login, Interface.AGENT), token.scopes, agent)

    def list_tokens(self, agent_login: str | None = None) -> Sequence[ApiToken]:
        with self._uow_factory() as uow:
            return uow.auth.list_tokens(agent_login)

    def revoke_token(self, token_id: int, *, agent_login: str | None = None) -> ApiToken:
        """Revoke a token; with ``agent_login``, only one of that agent's (NotFoundError otherwise)."""
        with self._uow_factory() as uow:
            owned = [t for t in uow.auth.list_tokens(agent_login) if t.id == token_id]
            if not owned:
                raise NotFoundError(f"API token {token_id} does not exist")
            revoked = uow.auth.revoke_token(token_id, revoked_at=self._clock())
            uow.commit()
        if revoked is None:  # deleted together with its agent meanwhile
            raise NotFoundError(f"API token {token_id} does not exist")
        return revoked


def _stored_hash(uow: UnitOfWork, interface: Interface, login: str) -> str | None:
    """The password hash of a *valid* agent or customer user, None otherwise."""
    if interface is Interface.CUSTOMER:
        customer = uow.catalog.find(CustomerUser, login)
        return uow.auth.find_customer_password(login) if customer is not None and customer.valid else None
    agent = uow.catalog.find(Agent, login)
    return agent.password_hash if agent is not None and agent.valid else None


def _store_hash(uow: UnitOfWork, interface: Interface, login: str, hashed: str) -> None:
    if interface is Interface.CUSTOMER:
        uow.auth.set_customer_password(login, hashed)
    else:
        uow.auth.set_agent_password(login, hashed)
