"""The web application: built by ``create_app(settings)``; nothing is created at import time."""

from __future__ import annotations

from fastapi import FastAPI
from pydantic import BaseModel

from ticketflow.config import Settings


class Health(BaseModel):
    status: str
    version: str
    database: str


def create_app(settings: Settings) -> FastAPI:
    """The ASGI app for ``settings``. Until the web issue lands it serves health and OpenAPI only."""
    app = FastAPI(
        title="ticketflow",
        version=_version(),
        description="Process-driven ticket system: tickets, processes, activity dialogs.",
    )
    backend = settings.database_url.split(":", 1)[0]

    @app.get("/health", tags=["operations"])
    def health() -> Health:
        """Liveness: the server answers and knows its database backend."""
        return Health(status="ok", version=_version(), database=backend)

    return app


def _version() -> str:
    from importlib.metadata import version

    return version("ticketflow")
