"""What the browser tests share: where Chromium is, how it is launched, the live server's handle, a
page signed in as an administrator or a demo agent, and a purchase request started by the customer."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from playwright.sync_api import Browser, Page

from ticketflow.bootstrap import Application
from ticketflow.demo.catalog import DEMO_PASSWORDS
from ticketflow.domain.definitions import Interface
from ticketflow.domain.tickets import Ticket
from ticketflow.outbound.passwords import Argon2Hasher
from ticketflow.usecases import access, admin, principals
from ticketflow.usecases.auth import Auth
from ticketflow.usecases.callers import Caller
from ticketflow.usecases.tickets import TicketInput

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


@dataclass
class LiveServer:
    base_url: str
    application: Application


ADMIN_PASSWORD = "admin-password"


def administrator_page(
    server: LiveServer, browser: Browser, *, width: int = 1400, height: int = 900, by_keyboard: bool = False
) -> Page:
    """A page signed in as 'ada', an administrator created for the test (``by_keyboard``: the sign-in
    form is sent with Enter instead of a click)."""
    uow = server.application.uow
    admin.add_role(uow, "Admins", {"admin": ["rw"], "users": ["rw"]})
    admin.add_agent(uow, "ada", "Ada", "Admin", "ada@example.com", roles=["Admins"])
    Auth(uow, Argon2Hasher(time_cost=1, memory_cost=64)).set_password(Interface.AGENT, "ada", ADMIN_PASSWORD)
    context = browser.new_context(base_url=server.base_url, viewport={"width": width, "height": height})
    page = context.new_page()
    page.goto("/sign-in")
    page.get_by_label("Login").fill("ada")
    page.get_by_label("Password").fill(ADMIN_PASSWORD)
    if by_keyboard:
        page.keyboard.press("Enter")
    else:
        page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/agent/**")
    return page


def sign_in_demo(page: Page, login: str) -> None:
    """Send the sign-in form as the demo agent ``login`` (the page then shows the dashboard)."""
    page.goto("/sign-in")
    page.get_by_label("Login").fill(login)
    page.get_by_label("Password").fill(DEMO_PASSWORDS[login])
    page.get_by_role("button", name="Sign in").click()


def purchase_request(server: LiveServer, start_values: Mapping[str, str]) -> Ticket:
    """A demo purchase request started by the customer alice with ``start_values``, through the use
    cases (the browser tests start with the ticket, not with its form)."""
    application = server.application
    alice = principals.load_principal(application.uow, Caller("alice", Interface.CUSTOMER))
    return access.create_ticket(
        application.uow,
        application.runtime,
        alice,
        TicketInput(),
        now=datetime.now(UTC),
        process_key="purchase-request",
        start_values=dict(start_values),
    )
