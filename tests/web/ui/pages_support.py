"""Helpers of the page tests that drive the pages and the REST API together on the demo database:
sessions made directly (no password hashing), a purchase request started by a customer, a ticket
locked for an agent, and what is stored about a ticket (to assert that a refusal changed nothing).

Besides the demo's people, ``deputy`` reads Management (ro + note) but may not write it, and
``second`` writes Management like the demo's ``manager``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from fastapi import FastAPI
from fastapi.testclient import TestClient

from ticketflow.bootstrap import Application, build_application
from ticketflow.config import Settings
from ticketflow.domain.definitions import Interface
from ticketflow.domain.tickets import Ticket
from ticketflow.outbound.passwords import Argon2Hasher
from ticketflow.usecases import access, admin, principals, tickets
from ticketflow.usecases.auth import SESSION_COOKIE, Auth
from ticketflow.usecases.callers import Caller
from ticketflow.usecases.records import HistoryEntry
from ticketflow.usecases.tickets import TicketInput
from ticketflow.web.api import api_router
from ticketflow.web.deps import CSRF_HEADER
from ticketflow.web.ui import mount_ui

NOW = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)

START_VALUES = {
    "Title": "Two monitors for the design team",
    "DynamicField_PurchaseItems": "2 x 27-inch monitor",
    "DynamicField_PurchaseCategory": "hardware",
    "DynamicField_PurchaseAmount": "598.00",
    "DynamicField_PurchaseJustification": "The designers share one screen.",
}


@dataclass
class Visitor:
    """A signed-in person: a client carrying the session cookie, and the session's CSRF token."""

    client: TestClient
    csrf: str

    def form(self, values: dict[str, str]) -> dict[str, str]:
        return {**values, "csrf_token": self.csrf}

    @property
    def api_headers(self) -> dict[str, str]:
        return {CSRF_HEADER: self.csrf}


def pages_and_api(database_url: str) -> FastAPI:
    """The pages and the REST API on one demo database, with ``deputy`` and ``second``."""
    application = build_application(Settings(database_url=database_url))
    built = FastAPI()
    built.state.application = application
    # Cheap argon2 parameters: nobody signs in with a password here, sessions are made directly.
    built.state.auth = Auth(application.uow, Argon2Hasher(time_cost=1, memory_cost=64))
    built.include_router(api_router())
    mount_ui(built, application)
    admin.add_role(application.uow, "Deputies", {"management": ["ro", "note"]})
    admin.add_role(application.uow, "Second approvers", {"management": ["rw"]})
    admin.add_agent(application.uow, "deputy", "Dee", "Puty", "deputy@example.com", roles=("Deputies",))
    admin.add_agent(
        application.uow, "second", "Sam", "Second", "second@example.com", roles=("Second approvers",)
    )
    application.runtime.forget_catalog()
    return built


def application_of(app: FastAPI) -> Application:
    found: Application = app.state.application
    return found


def visit(app: FastAPI, login: str, interface: Interface = Interface.AGENT) -> Visitor:
    session_id, record = app.state.auth.create_session(Caller(login, interface), client="testclient")
    client = TestClient(app, follow_redirects=False, cookies={SESSION_COOKIE: session_id})
    return Visitor(client, app.state.auth.csrf_token_for(record))


def start_purchase(application: Application, customer: str = "alice", **changes: str) -> int:
    """A purchase request as the customer starts it (through the permission checks, which also set
    the ticket's customer id to the customer's company); it then waits at "Manager approval"."""
    principal = principals.load_principal(application.uow, Caller(customer, Interface.CUSTOMER))
    ticket = access.create_ticket(
        application.uow,
        application.runtime,
        principal,
        TicketInput(),
        now=NOW,
        process_key="purchase-request",
        start_values={**START_VALUES, **changes},
    )
    return ticket.id


def lock_for(application: Application, ticket_id: int, owner: str) -> None:
    tickets.update_ticket(
        application.uow,
        application.runtime,
        ticket_id,
        {"Lock": "lock", "Owner": owner},
        caller=Caller("root@localhost"),
        now=NOW,
    )


@dataclass(frozen=True)
class Stored:
    ticket: Ticket
    history: tuple[HistoryEntry, ...]
    jobs: tuple[object, ...]


def stored(application: Application, ticket_id: int) -> Stored:
    """The ticket, its history and its jobs as stored now."""
    with application.uow() as uow:
        return Stored(
            uow.tickets.get(ticket_id),
            tuple(uow.tickets.list_history(ticket_id)),
            tuple(uow.jobs.list_jobs(ticket_id)),
        )
