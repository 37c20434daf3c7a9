"""Sign-in and sign-out for agents (``/sign-in``) and customer users (``/customer/sign-in``), through
the sign-in use cases (argon2 passwords, rate limiting, server-side sessions).

The sign-in form is protected by a double-submit CSRF cookie, since there is no session yet to hold a
token; every later form carries the session's token.
"""

from __future__ import annotations

import secrets

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from ticketflow.domain.definitions import Interface
from ticketflow.usecases.auth import SESSION_COOKIE, AuthenticationError, LoginThrottledError
from ticketflow.web.ui.core import Ui, find_session, redirect, sign_in_path
from ticketflow.web.ui.session import CSRF_FIELD, PRE_SESSION_COOKIE, auth_of, csrf_matches, set_cookie

HOME = {Interface.AGENT: "/agent/", Interface.CUSTOMER: "/customer/"}


def router(ui: Ui) -> APIRouter:
    routes = ui.router()

    @routes.get("/", include_in_schema=False)
    def root(request: Request) -> RedirectResponse:
        session = find_session(request)
        return redirect(HOME[session.caller.interface] if session else "/sign-in")

    @routes.get("/sign-in", response_class=HTMLResponse)
    def agent_form(request: Request, next: str = "") -> Response:
        return _form(ui, request, Interface.AGENT, next)

    @routes.get("/customer/sign-in", response_class=HTMLResponse)
    def customer_form(request: Request, next: str = "") -> Response:
        return _form(ui, request, Interface.CUSTOMER, next)

    @routes.post("/sign-in")
    async def agent_sign_in(request: Request) -> Response:
        return await _sign_in(ui, request, Interface.AGENT)

    @routes.post("/customer/sign-in")
    async def customer_sign_in(request: Request) -> Response:
        return await _sign_in(ui, request, Interface.CUSTOMER)

    @routes.post("/sign-out")
    async def sign_out(request: Request) -> Response:
        session = await run_in_threadpool(find_session, request)
        form = await request.form()
        target = "/sign-in"
        if session is not None and csrf_matches(session.csrf_token, form.get(CSRF_FIELD)):
            await run_in_threadpool(auth_of(request).end_session, session.session_id)
            target = sign_in_path(session.caller.interface)
        response = redirect(target)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    return routes


def _form(
    ui: Ui,
    request: Request,
    interface: Interface,
    next_path: str,
    *,
    error: str = "",
    login: str = "",
    status: int = 200,
) -> Response:
    token = request.cookies.get(PRE_SESSION_COOKIE) or secrets.token_urlsafe(32)
    title = "Customer portal: sign in" if interface is Interface.CUSTOMER else "Agent sign in"
    response = ui.render(
        request,
        "sign_in.html",
        status=status,
        title=title,
        interface=interface.value,
        action=sign_in_path(interface),
        csrf_token=token,
        next=next_path,
        error=error,
        login=login,
    )
    set_cookie(request, response, PRE_SESSION_COOKIE, token)
    return response


async def _sign_in(ui: Ui, request: Request, interface: Interface) -> Response:
    form = await request.form()
    login, password, next_path = (_text(form.get(k)) for k in ("login", "password", "next"))
    if not csrf_matches(request.cookies.get(PRE_SESSION_COOKIE, ""), form.get(CSRF_FIELD)):
        error = "The form expired; please sign in again."
        return _form(ui, request, interface, next_path, error=error, login=login, status=403)
    auth = auth_of(request)
    client = request.client.host if request.client else "unknown"
    try:
        # Password hashing is slow on purpose: off the event loop.
        caller = await run_in_threadpool(auth.sign_in, interface, login, password, client=client)
    except AuthenticationError:
        error = "Login or password is not right."
        return _form(ui, request, interface, next_path, error=error, login=login, status=401)
    except LoginThrottledError as throttled:
        minutes = int(throttled.retry_after.total_seconds() // 60)
        error = f"Too many failed sign-ins; try again in {minutes} minutes."
        return _form(ui, request, interface, next_path, error=error, login=login, status=429)
    session_id, _ = await run_in_threadpool(auth.create_session, caller, client=client)
    home = HOME[interface]
    # Only local paths of the same interface: an open redirect would help phishing.
    target = next_path if next_path.startswith(home) and not next_path.startswith("//") else home
    response = redirect(target)
    set_cookie(request, response, SESSION_COOKIE, session_id)
    return response


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""
