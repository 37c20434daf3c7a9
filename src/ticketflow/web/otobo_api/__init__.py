"""The OTOBO/Znuny-compatible GenericInterface REST provider (GenericTicketConnectorREST)."""

from __future__ import annotations

from ticketflow.web.otobo_api.transport import otobo_router

__all__ = ["otobo_router"]
