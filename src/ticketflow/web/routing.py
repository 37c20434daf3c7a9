"""Flat route registration: every route of the app in one list, each built with its full path.

Why not ``include_router``: since FastAPI 0.137 it keeps the included router as a node of a tree, and
every request walks every node (saving and restoring scope state per candidate route) until one
matches: about 1 ms of CPU per request with our ~140 routes. Routers built with their full prefix
(and their tags, responses, route class and ``include_in_schema``) hold complete ``APIRoute``
objects already; moving those into the app's route list gives the same routes, OpenAPI entries,
404/405 answers and slash redirects, matched by one pass over a flat list.

The order of ``add_routes`` calls is the matching order, as it was for ``include_router``.
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute


def add_routes(target: FastAPI | APIRouter, source: APIRouter) -> None:
    """Append ``source``'s routes, as they are, to ``target``'s route list.

    ``source`` must hold only routes it built itself (with its own prefix): a router added to it
    by ``include_router`` would carry its prefix and options in FastAPI's private inclusion
    record, which this function does not read, so it is refused.
    """
    for route in source.routes:
        if not isinstance(route, APIRoute):
            raise TypeError(
                f"{route!r} is not an APIRoute: build the router with its full prefix and add it"
                " with add_routes, not include_router"
            )
    routes = target.router.routes if isinstance(target, FastAPI) else target.routes
    routes.extend(source.routes)
