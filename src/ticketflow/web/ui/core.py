"""What every page module shares: the ``Ui`` (application, sessions, templates), sign-in dependencies,
CSRF-checked forms, and a route class that turns use-case errors into HTML pages.

Pages work without JavaScript: every action is a plain form POST answered by a redirect (303) or by
the same form re-rendered with errors beside its fields.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.datastructures import FormData

from ticketflow.bootstrap import Application
from ticketflow.domain.catalog import Catalog
from ticketflow.domain.definitions import Interface, Process
from ticketflow.domain.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
    TicketflowError,
)
from ticketflow.usecases.auth import session_caller
from ticketflow.usecases.principals import Principal, load_principal
from ticketflow.web.deps import role_grants_of
from ticketflow.web.routing import LiteralPrefixRoute
from ticketflow.web.ui.session import CSRF_FIELD, Session, auth_of, csrf_matches, session_cookie

_ERROR_STATUS: dict[type[TicketflowError], int] = {
    NotFoundError: 404,
    PermissionDeniedError: 403,
    ConflictError: 409,
    InvalidInputError: 400,
}


class SignInRequiredError(Exception):
    """No (valid) session for the interface a page belongs to: answered by a redirect to sign in."""

    def __init__(self, interface: Interface) -> None:
        super().__init__(interface.value)
        self.interface = interface


class CsrfRefusedError(Exception):
    """A form POST without the session's CSRF token."""


@dataclass
class SignedInForm:
    session: Session
    form: FormData

    @property
    def principal(self) -> Principal:
        return self.session.principal

    def text(self, name: str) -> str:
        value = self.form.get(name)
        return value if isinstance(value, str) else ""


def sign_in_path(interface: Interface) -> str:
    return "/customer/sign-in" if interface is Interface.CUSTOMER else "/sign-in"


@dataclass
class Ui:
    application: Application
    templates: Environment

    @classmethod
    def build(cls, application: Application) -> Ui:
        templates = Environment(
            loader=PackageLoader("ticketflow.web", "templates"),
            autoescape=select_autoescape(default=True),
            trim_blocks=True,
            lstrip_blocks=True,
        )
        return cls(application, templates)

    def now(self) -> datetime:
        """The one place the pages read the clock (aware UTC)."""
        return datetime.now(UTC)

    def catalog(self) -> Catalog:
        """The names this system knows (cached by the runtime for a few seconds)."""
        with self.application.reader() as uow:
            return self.application.runtime.catalog(uow, self.now())

    def deployed_process(self, key: str, version: int) -> Process:
        """A deployed process version, from the runtime's cache of compiled versions (versions never
        change, so pages need not parse the stored document again)."""
        with self.application.reader() as uow:
            return self.application.runtime.load_version(uow, key, version).version.process

    def render(self, request: Request, template: str, *, status: int = 200, **context: Any) -> HTMLResponse:
        session: Session | None = getattr(request.state, "session", None)
        html = self.templates.get_template(template).render(
            request=request, session=session, csrf_field=CSRF_FIELD, **context
        )
        return HTMLResponse(html, status_code=status)

    def router(self, prefix: str = "") -> APIRouter:
        """A page router: the page route class, no OpenAPI entries (pages are not API), and the full
        path prefix, so that ``mount_ui`` can add its routes to the app flat (``web/routing.py``)."""
        return APIRouter(prefix=prefix, route_class=self.route_class(), include_in_schema=False)

    def route_class(self) -> type[APIRoute]:
        """Routes whose errors become pages: sign-in redirects, 403/404/409 pages with the message."""
        ui = self

        class UiRoute(LiteralPrefixRoute):
            def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
                handler = super().get_route_handler()

                async def guarded(request: Request) -> Response:
                    try:
                        return await handler(request)
                    except SignInRequiredError as missing:
                        target = f"{sign_in_path(missing.interface)}?next={quote(request.url.path)}"
                        return RedirectResponse(target, status_code=303)
                    except CsrfRefusedError:
                        return ui.error_page(request, 403, "The form was not sent from this site (CSRF).")
                    except TicketflowError as error:
                        status = next((s for k, s in _ERROR_STATUS.items() if isinstance(error, k)), 400)
                        return ui.error_page(request, status, error.message)

                return guarded

        return UiRoute

    def error_page(self, request: Request, status: int, message: str) -> HTMLResponse:
        titles = {403: "Not allowed", 404: "Not found", 409: "Changed meanwhile", 503: "Database unavailable"}
        title = titles.get(status, "Cannot do that")
        page = self.render(request, "error.html", status=status, title=title, message=message)
        if request.headers.get("HX-Request") == "true":
            # htmx swaps only successful answers and only into its target: show the refusal in
            # place of the page's main content instead of leaving the person without an answer.
            page.status_code = 200
            page.headers.update({"HX-Retarget": "#main", "HX-Reselect": "#main", "HX-Reswap": "outerHTML"})
        return page


def _ui(request: Request) -> Ui:
    ui: Ui = request.app.state.ui
    return ui


def find_session(request: Request) -> Session | None:
    """The visitor's live session with its permissions as stored now, or None."""
    session_id = session_cookie(request)
    auth = auth_of(request)
    record = auth.find_session(session_id)
    if record is None or session_id is None:
        return None
    try:
        principal = load_principal(
            _ui(request).application.reader,
            session_caller(record),
            role_grants=role_grants_of(request),
            agents=auth.agents,
        )
    except PermissionDeniedError:
        return None  # the person was removed or made invalid since signing in
    return Session(session_id, record, principal)


def _signed_in(request: Request, interface: Interface) -> Session:
    session = find_session(request)
    if session is None or session.caller.interface is not interface:
        raise SignInRequiredError(interface)
    request.state.session = session
    return session


# The session is looked up here, in the event loop, before the form is read (nobody's upload is
# parsed before the sign-in is checked): one thread hop less than a sync session dependency, which
# measured ~6% more CPU per form POST (see web/deps.py on hops).
async def _posted(request: Request, interface: Interface) -> SignedInForm:
    session = _signed_in(request, interface)
    form = await request.form()
    if not csrf_matches(session.csrf_token, form.get(CSRF_FIELD)):
        await form.close()  # uploaded files are spooled to temporary files
        raise CsrfRefusedError
    return SignedInForm(session, form)


def agent_session(request: Request) -> Session:
    """The signed-in agent's session, or a redirect to the agent sign-in page."""
    return _signed_in(request, Interface.AGENT)


def customer_session(request: Request) -> Session:
    return _signed_in(request, Interface.CUSTOMER)


async def agent_form(request: Request) -> SignedInForm:
    """A form POSTed by a signed-in agent, refused without the session's CSRF token."""
    return await _posted(request, Interface.AGENT)


async def customer_form(request: Request) -> SignedInForm:
    return await _posted(request, Interface.CUSTOMER)


# Module-level aliases: FastAPI resolves string annotations in the module's namespace.
AgentSession = Annotated[Session, Depends(agent_session)]
CustomerSession = Annotated[Session, Depends(customer_session)]
AgentForm = Annotated[SignedInForm, Depends(agent_form)]
CustomerForm = Annotated[SignedInForm, Depends(customer_form)]


def redirect(path: str) -> RedirectResponse:
    """After a successful POST: see the result with a GET (no resubmission on reload)."""
    return RedirectResponse(path, status_code=303)
