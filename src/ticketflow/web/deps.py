"""FastAPI dependencies shared by the REST API (and usable by the UI): the application, the sign-in
use cases, and the current caller.

The caller is taken, in this order, from ``Authorization: Bearer tf_…`` (an API token with scopes),
``Authorization: Basic`` (an agent's login and password; rate limited like the sign-in form), or the
session cookie ``tf_session`` (the UI's session; unsafe methods then need ``X-CSRF-Token``).
"""

from __future__ import annotations

import base64
import binascii
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyCookie, HTTPBasic, HTTPBearer
from starlette.concurrency import run_in_threadpool

from ticketflow.bootstrap import Application
from ticketflow.domain.definitions import Interface
from ticketflow.outbound.passwords import Argon2Hasher
from ticketflow.usecases.auth import SESSION_COOKIE, Auth, AuthenticationError, session_caller
from ticketflow.usecases.ports import PasswordHasher
from ticketflow.usecases.principals import AgentRecords, Principal, RoleGrants, load_principal, require_scope

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_HEADER = "X-CSRF-Token"

# Declared for the OpenAPI document (the "Authorize" button of /docs); parsing is done below.
_bearer = HTTPBearer(auto_error=False, description="API token tf_… (ticketflow token create)")
_basic = HTTPBasic(auto_error=False, description="agent login and password")
_cookie = APIKeyCookie(name=SESSION_COOKIE, auto_error=False, description="the web UI's session")


def build_auth(application: Application, hasher: PasswordHasher | None = None) -> Auth:
    """The sign-in use cases for ``application`` (argon2id with its default cost unless told)."""
    return Auth(application.uow, hasher or Argon2Hasher(), reader=application.reader, agents=AgentRecords())


def application_of(request: Request) -> Application:
    application: Application = request.app.state.application
    return application


async def get_application(request: Request) -> Application:
    """The application, as a dependency. Async on purpose (so are the others that only read
    ``app.state``): FastAPI runs a sync dependency in a worker thread, a hop of ~45 µs CPU."""
    return application_of(request)


async def get_auth(request: Request) -> Auth:
    return auth_of(request)


def auth_of(request: Request) -> Auth:
    """The app's sign-in use cases (built once by ``create_app`` into ``app.state.auth``)."""
    auth: Auth = request.app.state.auth
    return auth


def role_grants_of(request: Request) -> RoleGrants:
    """The app's cache of role grants (usecases.principals.RoleGrants), made on first use."""
    state = request.app.state
    grants: RoleGrants | None = getattr(state, "role_grants", None)
    if grants is None:
        grants = state.role_grants = RoleGrants()
    return grants


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


async def current_principal(
    request: Request,
    _b: Annotated[object, Depends(_bearer)] = None,
    _p: Annotated[object, Depends(_basic)] = None,
    _c: Annotated[object, Depends(_cookie)] = None,
) -> Principal:
    """The signed-in caller with its permissions; AuthenticationError (401) without valid credentials.

    A GET needs the ``read`` scope of a token; writes check ``write``/``admin`` where they happen.

    A coroutine: a token or a session is one indexed read (and the agent from a cache), done here in
    the event loop rather than in a worker thread of its own, which cost a thread hand-over per request
    (~140 µs of CPU on a 2-vCPU machine; the pages' forms do the same, ``ui/core.py``). A password
    (Basic) is hashed for tens of milliseconds: that one goes to a worker thread."""
    application, auth = application_of(request), auth_of(request)
    scheme, _, credentials = request.headers.get("Authorization", "").partition(" ")
    scheme = scheme.lower()
    if scheme == "bearer":
        found = auth.token_sign_in(credentials.strip())
        if found is None:
            raise AuthenticationError("the API token is unknown, revoked or expired")
        principal = load_principal(
            application.reader,
            found.caller,
            found.scopes,
            role_grants=role_grants_of(request),
            agent=found.agent,  # read by the token check: not read twice
            agents=auth.agents,
        )
    elif scheme == "basic":
        login, password = _basic_credentials(credentials)
        client = client_address(request)
        caller = await run_in_threadpool(auth.sign_in, Interface.AGENT, login, password, client=client)
        principal = load_principal(
            application.reader, caller, role_grants=role_grants_of(request), agents=auth.agents
        )
    else:
        session = auth.find_session(request.cookies.get(SESSION_COOKIE))
        if session is None:
            raise AuthenticationError("sign in: send an API token (Authorization: Bearer tf_…) or a session")
        if request.method not in SAFE_METHODS:
            auth.check_csrf(session, request.headers.get(CSRF_HEADER))
        principal = load_principal(
            application.reader,
            session_caller(session),
            role_grants=role_grants_of(request),
            agents=auth.agents,
        )
    if request.method in SAFE_METHODS:
        require_scope(principal, "read")
    return principal


def _basic_credentials(encoded: str) -> tuple[str, str]:
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError) as error:
        raise AuthenticationError("the Basic credentials are not base64 'login:password'") from error
    login, separator, password = decoded.partition(":")
    if not separator:
        raise AuthenticationError("the Basic credentials are not base64 'login:password'")
    return login, password


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]
CurrentApplication = Annotated[Application, Depends(get_application)]
