"""Who is signed in to the pages: server-side sessions in an HttpOnly cookie, and CSRF tokens.

PROVISIONAL until ``ticketflow.usecases.auth`` (argon2 passwords, stored sessions, rate limiting) is
committed: sessions live in this process's memory and ``Authenticator`` is a protocol, so switching to
the auth use cases replaces only ``ProvisionalAuthenticator`` and ``SessionStore``, not the pages.
"""

from __future__ import annotations

import hmac
import secrets
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from fastapi import Request

from ticketflow.domain.catalog import Catalog
from ticketflow.domain.definitions import Interface
from ticketflow.usecases.callers import Caller
from ticketflow.usecases.ports import UnitOfWork
from ticketflow.usecases.runtime import ProcessRuntime

SESSION_COOKIE = "tf_session"
# The sign-in form has no session yet: a double-submit cookie carries its CSRF token instead.
PRE_SESSION_COOKIE = "tf_csrf"
CSRF_FIELD = "csrf_token"


@dataclass(frozen=True, slots=True)
class Session:
    token: str
    caller: Caller
    csrf_token: str


class Authenticator(Protocol):
    def authenticate(self, login: str, password: str, interface: Interface) -> Caller | None:
        """The caller for a correct login and password on ``interface``; None otherwise."""


class ProvisionalAuthenticator:
    """Accepts a login the catalog knows for that interface with its configured password.

    Stands in for the auth use cases (see the module note); constant-time compare so that the
    stand-in does not teach a bad habit."""

    def __init__(self, catalog: Callable[[], Catalog], passwords: Mapping[str, str]) -> None:
        self._catalog = catalog
        self._passwords = passwords

    def authenticate(self, login: str, password: str, interface: Interface) -> Caller | None:
        catalog = self._catalog()
        known = catalog.users if interface is Interface.AGENT else catalog.customer_users
        expected = self._passwords.get(login)
        if login not in known or expected is None:
            return None
        if not hmac.compare_digest(expected.encode(), password.encode()):
            return None
        return Caller(login, interface)


class SessionStore:
    """Sessions by their random token; thread-safe because FastAPI runs sync endpoints in threads."""

    def __init__(self) -> None:
        self._sessions: dict[str, Session] = {}
        self._lock = threading.Lock()

    def open(self, caller: Caller) -> Session:
        session = Session(secrets.token_urlsafe(32), caller, secrets.token_urlsafe(32))
        with self._lock:
            self._sessions[session.token] = session
        return session

    def find(self, token: str | None) -> Session | None:
        if not token:
            return None
        with self._lock:
            return self._sessions.get(token)

    def close(self, token: str | None) -> None:
        with self._lock:
            self._sessions.pop(token or "", None)


def find_session(request: Request, store: SessionStore) -> Session | None:
    return store.find(request.cookies.get(SESSION_COOKIE))


def csrf_matches(expected: str, submitted: object) -> bool:
    return isinstance(submitted, str) and bool(expected) and hmac.compare_digest(expected, submitted)


def catalog_reader(uow_factory: Callable[[], UnitOfWork], runtime: ProcessRuntime) -> Callable[[], Catalog]:
    """The runtime's cached catalog, for the provisional authenticator."""

    def read() -> Catalog:
        with uow_factory() as uow:
            return runtime.catalog(uow, datetime.now(UTC))

    return read
