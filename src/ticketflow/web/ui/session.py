"""Who is signed in to the pages: the sign-in use cases' server-side sessions (``usecases/auth.py``) in
an HttpOnly cookie, the caller's permissions (``usecases/principals.py``), and CSRF tokens for forms."""

from __future__ import annotations

import hmac
from dataclasses import dataclass

from fastapi import Request, Response

from ticketflow.usecases.auth import COOKIE_OPTIONS, SESSION_COOKIE, Auth
from ticketflow.usecases.auth_records import SessionRecord
from ticketflow.usecases.callers import Caller
from ticketflow.usecases.principals import Principal
from ticketflow.web.deps import auth_of

# The sign-in form has no session yet: a double-submit cookie carries its CSRF token instead.
PRE_SESSION_COOKIE = "tf_csrf"
CSRF_FIELD = "csrf_token"


@dataclass(frozen=True, slots=True)
class Session:
    """A signed-in page visitor: the session id (from the cookie), its record and permissions."""

    session_id: str
    record: SessionRecord
    principal: Principal

    @property
    def caller(self) -> Caller:
        return self.principal.caller

    @property
    def csrf_token(self) -> str:
        return Auth.csrf_token_for(self.record)


def csrf_matches(expected: str, submitted: object) -> bool:
    return isinstance(submitted, str) and bool(expected) and hmac.compare_digest(expected, submitted)


def set_cookie(request: Request, response: Response, name: str, value: str) -> None:
    """HttpOnly, SameSite=Lax; Secure whenever the page came over HTTPS (a plain-HTTP development
    server on 127.0.0.1 could not sign anyone in with a Secure-only cookie)."""
    options = {**COOKIE_OPTIONS, "secure": request.url.scheme == "https"}
    response.set_cookie(
        name,
        value,
        httponly=bool(options["httponly"]),
        secure=bool(options["secure"]),
        samesite="lax",
        path=str(options["path"]),
    )


def session_cookie(request: Request) -> str | None:
    return request.cookies.get(SESSION_COOKIE)


__all__ = ["SESSION_COOKIE", "Session", "auth_of"]
