"""Sign-in and sign-out for agents (``/sign-in``) and customer users (``/customer/sign-in``).

The session token goes into an HttpOnly, SameSite=Lax cookie (Secure over HTTPS); the sign-in form
itself is protected by a double-submit CSRF cookie, since there is no session yet to hold a token.
"""

from __future__ import annotations

import secrets

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from ticketflow.domain.definitions import Interface
from ticketflow.web.ui.core import Ui, redirect, sign_in_path
from ticketflow.web.ui.session import (
    CSRF_FIELD,
    PRE_SESSION_COOKIE,
    SESSION_COOKIE,
    csrf_matches,
    find_session,
)

HOME = {Interface.AGENT: "/agent/", Interface.CUSTOMER: "/customer/"}


def router(ui: Ui) -> APIRouter:
    routes = APIRouter(route_class=ui.route_class())

    @routes.get("/", include_in_schema=False)
    def root(request: Request) -> RedirectResponse:
        session = find_session(request, ui.sessions)
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
        session = find_session(request, ui.sessions)
        form = await request.form()
        target = "/sign-in"
        if session is not None and csrf_matches(session.csrf_token, form.get(CSRF_FIELD)):
            ui.sessions.close(session.token)
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
    _cookie(request, response, PRE_SESSION_COOKIE, token)
    return response


async def _sign_in(ui: Ui, request: Request, interface: Interface) -> Response:
    form = await request.form()
    login, password, next_path = (_text(form.get(k)) for k in ("login", "password", "next"))
    if not csrf_matches(request.cookies.get(PRE_SESSION_COOKIE, ""), form.get(CSRF_FIELD)):
        return _form(
            ui,
            request,
            interface,
            next_path,
            error="The form expired; please sign in again.",
            login=login,
            status=403,
        )
    # Password hashing is slow on purpose: off the event loop.
    caller = await run_in_threadpool(ui.authenticator.authenticate, login, password, interface)
    if caller is None:
        return _form(
            ui,
            request,
            interface,
            next_path,
            error="Login or password is not right.",
            login=login,
            status=401,
        )
    session = ui.sessions.open(caller)
    home = HOME[interface]
    # Only local paths of the same interface: an open redirect would help phishing.
    target = next_path if next_path.startswith(home) and not next_path.startswith("//") else home
    response = redirect(target)
    _cookie(request, response, SESSION_COOKIE, session.token)
    return response


def _cookie(request: Request, response: Response, name: str, value: str) -> None:
    response.set_cookie(
        name, value, httponly=True, samesite="lax", secure=request.url.scheme == "https", path="/"
    )


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""
