"""The REST API under ``/api/v1``: one module per resource; errors are RFC 9457 problem details."""

from __future__ import annotations

from fastapi import APIRouter

from ticketflow.web.api.admin import admin_router
from ticketflow.web.api.common import API_PREFIX
from ticketflow.web.api.incidents import incidents_router
from ticketflow.web.api.monitoring import monitoring_router
from ticketflow.web.api.processes import processes_router
from ticketflow.web.api.scenarios import scenarios_router
from ticketflow.web.api.tickets import tickets_router
from ticketflow.web.routing import add_routes

__all__ = ["API_PREFIX", "api_router"]


def api_router() -> APIRouter:
    """Every REST route under ``/api/v1``, in one flat list (``web/routing.py``)."""
    combined = APIRouter()
    for part in (
        tickets_router,
        processes_router,
        scenarios_router,
        incidents_router,
        monitoring_router,
        admin_router,
    ):
        add_routes(combined, part)
    return combined
