"""Flat route registration: every route of the app in one list, each built with its full path.

Why not ``include_router``: since FastAPI 0.137 it keeps the included router as a node of a tree, and
every request walks every node (saving and restoring scope state per candidate route) until one
matches: about 1 ms of CPU per request with our ~140 routes. Routers built with their full prefix
(and their tags, responses, route class and ``include_in_schema``) hold complete ``APIRoute``
objects already; moving those into the app's route list gives the same routes, OpenAPI entries,
404/405 answers and slash redirects, matched by one pass over a flat list.

The order of ``add_routes`` calls is the matching order, as it was for ``include_router``.

A flat list is still walked in order, and FastAPI's ``APIRoute.matches`` costs about 11,000
instructions even for a route that cannot match (scope bookkeeping, then the path regex): a request
for a route near the end of ~140 paid ~1.5 million. ``LiteralPrefixRoute`` answers "no" first, from
the literal start of its path, for a few hundred.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool
from starlette.routing import Match
from starlette.types import Scope


class LiteralPrefixRoute(APIRoute):
    """An ``APIRoute`` that turns away a request whose path does not contain the literal part of
    the route's own path (up to its first ``{``) before the full match runs. Whatever the full match
    accepts contains that part: directly after the root path and any prefix the route was included
    under, so a ``root_path``, a mount or an ``include_router`` prefix changes nothing."""

    def __init__(self, path: str, endpoint: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        super().__init__(path, in_one_thread_call(endpoint), *args, **kwargs)
        self.literal_prefix = self.path_format.split("{", 1)[0]

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if self.literal_prefix not in scope["path"]:
            return Match.NONE, {}
        return super().matches(scope)


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


def in_one_thread_call(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    """A blocking endpoint as a coroutine that runs it in a worker thread: one thread call per request.

    FastAPI hands a plain ``def`` endpoint to a worker thread, and then its answer again, to check it
    against the response model. Each hand-over wakes a thread and moves the interpreter lock; on this
    project's 2-vCPU machines that measured ~140 µs of CPU for an empty call (``bench/web_overhead.py``
    shows the hops per request). As a coroutine the endpoint's answer is checked in the event loop,
    where the check is a few microseconds of Python. The signature is the endpoint's (``wraps``), so
    its parameters, dependencies and response model are read as before.
    """
    if not inspect.isfunction(endpoint) or inspect.iscoroutinefunction(endpoint):
        return endpoint
    if inspect.isgeneratorfunction(endpoint) or inspect.isasyncgenfunction(endpoint):
        return endpoint

    @functools.wraps(endpoint)
    async def in_thread(*args: Any, **kwargs: Any) -> Any:
        return await run_in_threadpool(endpoint, *args, **kwargs)

    return in_thread
