"""OTOBO's HTTP::REST provider transport (reference §2.2, §2.3): route table, request data, answers.

``/otobo/nph-genericinterface.pl/Webservice/<Name>/<route>`` (also ``/znuny/…`` and ``/otrs/…``).
Routes come from the web service's ``Provider.Transport.Config.RouteOperationMapping`` when a web
service of that name with a provider part is stored; otherwise from ``DEFAULT_ROUTES``, which serves
both profiles of the compatibility checklist (§8): OTOBO's sample GenericTicketConnectorREST (PyOTRS,
pyznuny) and the routes of the ``otobo`` client on PyPI (``ticket-create`` …, with IncludeTicketData).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse
from starlette.concurrency import run_in_threadpool

from ticketflow.usecases.catalog_records import WebService
from ticketflow.web.deps import application_of, auth_of, client_address
from ticketflow.web.otobo_api import operations as op
from ticketflow.web.otobo_api.operations import Context, OperationError
from ticketflow.web.otobo_api.search import ticket_search
from ticketflow.web.routing import LiteralPrefixRoute

OPERATIONS = {
    "Session::SessionCreate": op.session_create,
    "Session::SessionGet": op.session_get,
    "Session::SessionRemove": op.session_remove,
    "Ticket::TicketCreate": op.ticket_create,
    "Ticket::TicketUpdate": op.ticket_update,
    "Ticket::TicketGet": op.ticket_get,
    "Ticket::TicketSearch": ticket_search,
    "Ticket::TicketHistoryGet": op.ticket_history_get,
}
MAX_LENGTH = 100_000_000  # OTOBO's sample MaxLength
JSON_UTF8 = "application/json; charset=UTF-8"
TEXT_UTF8 = "text/plain; charset=UTF-8"


@dataclass(frozen=True, slots=True)
class Route:
    """One entry of RouteOperationMapping: operation name, its type, route, allowed methods."""

    operation: str
    type: str
    route: str
    methods: tuple[str, ...] = ()
    include_ticket_data: bool = False

    def match(self, method: str, path: str) -> dict[str, str] | None:
        if self.methods and method not in self.methods:
            return None
        pattern = re.sub(r":(\w+)", r"(?P<\1>[^/]+)", re.escape(self.route).replace(r"\:", ":"))
        found = re.fullmatch(pattern, path)
        return None if found is None else found.groupdict()


DEFAULT_ROUTES = (
    Route("SessionCreate", "Session::SessionCreate", "/Session", ("POST",)),
    Route("SessionGet", "Session::SessionGet", "/Session/:SessionID", ("GET",)),
    Route("SessionRemove", "Session::SessionRemove", "/Session/:SessionID", ("DELETE",)),
    Route("TicketCreate", "Ticket::TicketCreate", "/Ticket", ("POST",)),
    Route("TicketGet", "Ticket::TicketGet", "/Ticket/:TicketID", ("GET",)),
    Route("TicketGetList", "Ticket::TicketGet", "/TicketList", ("GET",)),
    Route("TicketGetPost", "Ticket::TicketGet", "/TicketGet", ("POST",)),
    Route("TicketHistoryGet", "Ticket::TicketHistoryGet", "/TicketHistory/:TicketID", ("GET",)),
    Route("TicketSearch", "Ticket::TicketSearch", "/Ticket", ("GET",)),
    Route("TicketSearchPost", "Ticket::TicketSearch", "/TicketSearch", ("POST",)),
    Route("TicketUpdate", "Ticket::TicketUpdate", "/Ticket/:TicketID", ("PATCH",)),
    Route("ticket-create", "Ticket::TicketCreate", "/ticket-create", ("POST",), True),
    Route("ticket-get", "Ticket::TicketGet", "/ticket-get", ("GET", "POST"), True),
    Route("ticket-search", "Ticket::TicketSearch", "/ticket-search", ("POST",), True),
    Route("ticket-update", "Ticket::TicketUpdate", "/ticket-update", ("PUT", "PATCH"), True),
)


def routes_of(config: Mapping[str, Any]) -> tuple[Route, ...] | None:
    """The provider route table of a stored web service, or None if it has no provider part."""
    provider = config.get("Provider")
    if not isinstance(provider, Mapping):
        return None
    operations = provider.get("Operation") or {}
    transport = (provider.get("Transport") or {}).get("Config") or {}
    mapping = transport.get("RouteOperationMapping") or {}
    routes = []
    for name, entry in mapping.items():
        operation = operations.get(name) or {}
        methods = entry.get("RequestMethod") or ()
        routes.append(
            Route(
                str(name),
                str(operation.get("Type", "")),
                str(entry.get("Route", "")),
                tuple(str(m) for m in methods),
                str(operation.get("IncludeTicketData", "")) == "1",
            )
        )
    return tuple(routes)


def _route_table(request: Request, name: str) -> tuple[Route, ...]:
    application = application_of(request)
    with application.uow() as uow:
        stored = uow.catalog.find(WebService, name)
    if stored is not None:
        if not stored.valid:
            raise LookupError(name)
        routes = routes_of(stored.config)
        if routes is not None:
            return routes
    return DEFAULT_ROUTES


def _query_data(query: str) -> dict[str, Any]:
    """``&`` or ``;`` separated, ``+`` is a space; a key given twice becomes a list (§2.2)."""
    data: dict[str, Any] = {}
    for key, value in parse_qsl(query.replace(";", "&"), keep_blank_values=True):
        if key in data:
            previous = data[key]
            data[key] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            data[key] = value
    return data


def _plain(status: int, message: str) -> Response:
    return PlainTextResponse(message, status_code=status, media_type=TEXT_UTF8)


async def _request_data(request: Request) -> dict[str, Any] | Response:
    body = await request.body()
    data: dict[str, Any] = {}
    if request.method != "GET" and body.strip():
        if len(body) > MAX_LENGTH:
            return _plain(413, "HTTP::REST Error: request too large")
        try:
            decoded = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            return _plain(500, "HTTP::REST Error: the request body is not valid JSON")
        if isinstance(decoded, list):
            decoded = next((item for item in decoded if isinstance(item, dict)), {})
        if not isinstance(decoded, dict):
            return _plain(500, "HTTP::REST Error: the request body is not a JSON object")
        data.update(decoded)
    data.update(_query_data(request.url.query))  # query overrides body keys of the same name (§2.2)
    data["RequestMethod"] = request.method
    return data


async def handle(request: Request, name: str, path: str) -> Response:
    try:
        routes = _route_table(request, name)
    except LookupError:
        return Response(status_code=500)  # an invalid web service: OTOBO answers an empty 500
    route_path = "/" + path.lstrip("/")
    for route in sorted(routes, key=lambda r: r.operation):  # alphabetical, first match wins
        parameters = route.match(request.method, route_path)
        if parameters is not None:
            break
    else:
        return _plain(
            500, f"HTTP::REST Error while determine Operation for request URI '{request.url.path}'."
        )
    data = await _request_data(request)
    if isinstance(data, Response):
        return data
    data.update(parameters)
    operation = OPERATIONS.get(route.type)
    if operation is None:
        return _plain(500, f"Operation type '{route.type}' is not supported")
    context = Context(
        application_of(request),
        auth_of(request),
        client_address(request),
        route.operation,
        route.include_ticket_data,
    )
    try:
        # Sync use cases off the event loop, like FastAPI's sync endpoints.
        answer = await run_in_threadpool(operation, context, data)
    except OperationError as error:
        answer = {"Error": {"ErrorCode": error.code, "ErrorMessage": error.message}}
    return JSONResponse(answer, media_type=JSON_UTF8, headers={"Connection": "close"})


def otobo_router() -> APIRouter:
    """The GenericInterface under OTOBO's, Znuny's and OTRS's script paths (not in the OpenAPI document:
    its request shapes are OTOBO's, documented in docs and the reference)."""
    router = APIRouter(include_in_schema=False, route_class=LiteralPrefixRoute)
    methods: Sequence[str] = ("GET", "POST", "PUT", "PATCH", "DELETE")
    for product in ("otobo", "znuny", "otrs"):
        router.add_api_route(
            f"/{product}/nph-genericinterface.pl/Webservice/{{name}}/{{path:path}}",
            handle,
            methods=list(methods),
        )
    return router
