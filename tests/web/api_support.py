"""Shared set-up of the API tests: an app on a fresh SQLite database with people of known passwords.

Agents: ``admin`` (role Admin: rw everywhere), ``reader`` (ro on users), ``writer`` (rw on users),
``noter`` (ro+note on users), ``sales`` (rw on sales only). Customers ``cus`` (company ACME) and
``other``. Queue ``Sales`` belongs to group ``sales``. Every password is ``PASSWORD``.
"""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager

from fastapi import FastAPI
from fastapi.testclient import TestClient

from ticketflow.bootstrap import Application, build_application
from ticketflow.config import Settings
from ticketflow.db.seed import seed_defaults
from ticketflow.domain.definitions import Interface
from ticketflow.outbound.passwords import Argon2Hasher
from ticketflow.usecases import admin
from ticketflow.usecases.auth import SESSION_COOKIE, Auth
from ticketflow.usecases.callers import Caller
from ticketflow.web.api import api_router
from ticketflow.web.deps import CSRF_HEADER
from ticketflow.web.otobo_api import otobo_router

PASSWORD = "secret password"
AGENT_ROLES = {
    "admin": ("Admin",),
    "reader": ("Reader",),
    "writer": ("Writer",),
    "noter": ("Noter",),
    "sales": ("Seller",),
}


def seed_people(application: Application, auth: Auth) -> None:
    uow = application.uow
    with uow() as unit:
        seed_defaults(unit)
        unit.commit()
    admin.add_group(uow, "sales")
    admin.add_queue(uow, "Sales", group="sales")
    admin.add_role(uow, "Reader", {"users": ["ro"]})
    admin.add_role(uow, "Writer", {"users": ["rw"]})
    admin.add_role(uow, "Noter", {"users": ["ro", "note"]})
    admin.add_role(uow, "Seller", {"sales": ["rw"]})
    for login, roles in AGENT_ROLES.items():
        admin.add_agent(uow, login, login.title(), "Agent", f"{login}@example.com", roles=roles)
        auth.set_password(Interface.AGENT, login, PASSWORD)
    admin.add_customer_company(uow, "ACME", "Acme Ltd")
    admin.add_customer_user(uow, "cus", "cus@example.com", "Cus", "Tomer", customer_id="ACME")
    admin.add_customer_user(uow, "other", "other@example.com", "Oth", "Er", customer_id="OTHER")
    for login in ("cus", "other"):
        auth.set_password(Interface.CUSTOMER, login, PASSWORD)
    application.runtime.forget_catalog()


def basic(login: str, password: str = PASSWORD) -> dict[str, str]:
    encoded = base64.b64encode(f"{login}:{password}".encode()).decode()
    return {"Authorization": f"Basic {encoded}"}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def build_test_app(database_url: str) -> FastAPI:
    """The two APIs as ``create_app`` mounts them, without the pages, with cheap argon2 parameters
    (hashing is the slowest part of a test otherwise)."""
    application = build_application(Settings(database_url=database_url))

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        application.close()

    app = FastAPI(title="ticketflow", lifespan=lifespan)
    app.state.application = application
    app.state.auth = Auth(application.uow, Argon2Hasher(time_cost=1, memory_cost=64))
    app.include_router(api_router())
    app.include_router(otobo_router())
    seed_people(application, app.state.auth)
    return app


@contextmanager
def api_client(database_url: str) -> Iterator[TestClient]:
    app = build_test_app(database_url)
    with TestClient(app, base_url="https://testserver") as client:
        yield client


def customer_session(client: TestClient, login: str) -> dict[str, str]:
    """Headers of a signed-in customer (the portal's session cookie and its CSRF token)."""
    auth: Auth = client.app.state.auth  # type: ignore[attr-defined]
    session_id, session = auth.create_session(Caller(login, Interface.CUSTOMER), client="testclient")
    return {"Cookie": f"{SESSION_COOKIE}={session_id}", CSRF_HEADER: auth.csrf_token_for(session)}
