"""FastAPI runs every sync dependency and sync endpoint in a worker thread: a hop of ~45 µs CPU, and
a GIL hand-over under load. A REST request hops twice: the caller's sign-in (it reads the database)
and the endpoint; the dependencies that only read ``app.state`` run in the event loop."""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from pathlib import Path

from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from ticketflow.config import Settings
from ticketflow.web.app import create_app


def _sync_calls(dependant: Dependant) -> Iterator[str]:
    """The names of the sync callables of a dependency tree (the endpoint's included)."""
    for sub in dependant.dependencies:
        yield from _sync_calls(sub)
    call = dependant.call
    if call is not None:
        # Security schemes are objects with an async __call__.
        target = call if inspect.isfunction(call) else type(call).__call__
        if not inspect.iscoroutinefunction(target):
            yield getattr(call, "__name__", repr(call))


def test_a_rest_request_hops_to_a_thread_for_the_sign_in_and_the_endpoint_only(tmp_path: Path) -> None:
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'unused.db'}"))
    routes = {
        (route.path, method): route
        for route in app.routes
        if isinstance(route, APIRoute)
        for method in route.methods or ()
    }
    for key in (("/api/v1/tickets", "POST"), ("/api/v1/tickets/{ticket_id}", "GET")):
        hops = sorted(_sync_calls(routes[key].dependant))
        assert hops == sorted(["current_principal", routes[key].endpoint.__name__]), key
