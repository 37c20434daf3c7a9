"""The REST API under ``/api/v1``: one module per resource; errors are RFC 9457 problem details."""

from __future__ import annotations

from fastapi import APIRouter

from ticketflow.web.api.admin import admin_router
from ticketflow.web.api.incidents import incidents_router
from ticketflow.web.api.monitoring import monitoring_router
from ticketflow.web.api.processes import processes_router
from ticketflow.web.api.scenarios import scenarios_router
from ticketflow.web.api.tickets import tickets_router

API_PREFIX = "/api/v1"


def api_router() -> APIRouter:
    """Every REST route, mounted under ``/api/v1``."""
    combined = APIRouter(prefix=API_PREFIX)
    for part in (
        tickets_router,
        processes_router,
        scenarios_router,
        incidents_router,
        monitoring_router,
        admin_router,
    ):
        combined.include_router(part)
    return combined
