"""The web application: built by ``create_app(settings)``; nothing is created at import time."""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio.to_thread
from fastapi import FastAPI
from pydantic import BaseModel

from ticketflow.bootstrap import build_application
from ticketflow.config import Settings
from ticketflow.web.api import api_router
from ticketflow.web.database_errors import answer_database_errors
from ticketflow.web.deps import build_auth
from ticketflow.web.otobo_api import otobo_router
from ticketflow.web.routing import LiteralPrefixRoute, add_routes
from ticketflow.web.ui import mount_ui


class Health(BaseModel):
    status: str
    version: str
    database: str


def create_app(settings: Settings) -> FastAPI:
    """The ASGI app for ``settings``. Until the web issue lands it serves health and OpenAPI only."""
    application = build_application(settings)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        # Blocking endpoints and dependencies run in these threads. With anyio's 40, sixteen clients'
        # requests ran side by side and took the interpreter lock from each other: more CPU per
        # request and longer tails. Alternating quick runs of bench/web_requests.py, 4 against 40:
        # SQLite ticket create p99 55-56 against 82-112 ms, server CPU 2.3 against 3.0 ms/request;
        # PostgreSQL create p99 94-131 against 258-288 ms.
        anyio.to_thread.current_default_thread_limiter().total_tokens = settings.web_threads
        yield
        application.close()

    app = FastAPI(
        title="ticketflow",
        version=_version(),
        description="Process-driven ticket system: tickets, processes, activity dialogs.",
        lifespan=lifespan,
    )
    app.router.route_class = LiteralPrefixRoute  # for the routes declared here (web/routing.py)
    app.state.application = application
    app.state.auth = build_auth(application)  # sign-in use cases (usecases/auth.py), shared by UI and APIs
    # Flat, not include_router: one pass over one route list per request (web/routing.py).
    add_routes(app, api_router())
    add_routes(app, otobo_router())
    # The agent interface and the customer portal; they sign in through app.state.auth.
    mount_ui(app, application)
    answer_database_errors(app)  # a database out of reach: 503 in each interface's form
    backend = settings.database_url.split(":", 1)[0]

    @app.get("/health", tags=["operations"])
    async def health() -> Health:
        """Liveness: the server answers and knows its database backend."""
        return Health(status="ok", version=_version(), database=backend)

    return app


def app_from_environment() -> FastAPI:
    """The app for settings read from the environment: what each process of ``ticketflow serve
    --workers N`` builds (uvicorn's factory)."""
    return create_app(Settings())


@functools.cache
def _version() -> str:
    """The installed package's version (read once: reading package metadata parses a file)."""
    from importlib.metadata import version

    return version("ticketflow")
