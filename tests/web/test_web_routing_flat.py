"""The app's routes are registered flat (web/routing.py) and stay what they were under include_router:
the same routes in the same matching order, the same OpenAPI operations, the same 404/405 answers
and slash redirects."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from starlette.routing import Mount, Route

from ticketflow.config import Settings
from ticketflow.web.app import create_app
from ticketflow.web.routing import LiteralPrefixRoute, add_routes

HERE = Path(__file__).parent


def _pinned(name: str) -> list[str]:
    lines = (HERE / name).read_text(encoding="utf-8").splitlines()
    return [line for line in lines if line and not line.startswith("#")]


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> FastAPI:
    # No request here reads the database: the file need not exist or be migrated.
    path = tmp_path_factory.mktemp("routing") / "unused.db"
    return create_app(Settings(database_url=f"sqlite:///{path}"))


@pytest.fixture(scope="module")
def client(app: FastAPI) -> TestClient:
    return TestClient(app, follow_redirects=False)


def test_every_route_is_on_the_app_itself_in_the_pinned_order(app: FastAPI) -> None:
    for route in app.routes:
        # An include_router node here would mean a tree walk per request again, and a plain
        # APIRoute a full match attempt (~11,000 instructions) for every request that passes it.
        assert isinstance(route, APIRoute | Route | Mount), route
        assert not isinstance(route, APIRoute) or isinstance(route, LiteralPrefixRoute), route
    listed = [
        f"{','.join(sorted(route.methods or ())) if isinstance(route, Route) else 'mount'} {route.path}"
        for route in app.routes
        if isinstance(route, APIRoute | Route | Mount)
    ]
    assert listed == _pinned("routing_routes.txt")


def test_openapi_lists_the_pinned_operations(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    operations = sorted(
        f"{method.upper()} {path} {operation['operationId']}"
        for path, item in document["paths"].items()
        for method, operation in item.items()
    )
    assert operations == sorted(_pinned("routing_operations.txt"))


def test_api_operations_keep_their_tags_and_problem_responses(client: TestClient) -> None:
    operation = client.get("/openapi.json").json()["paths"]["/api/v1/tickets/{ticket_id}"]["get"]
    assert operation["tags"] == ["tickets"]
    assert {"401", "403", "404", "409", "422"} <= set(operation["responses"])
    assert "application/problem+json" in operation["responses"]["404"]["content"]


# (method, path, status, Location or None, Allow as a set or None)
ANSWERS: list[tuple[str, str, int, str | None, set[str] | None]] = [
    ("GET", "/nope", 404, None, None),
    ("GET", "/api/v1/nope", 404, None, None),
    ("DELETE", "/api/v1/tickets", 405, None, {"POST"}),
    ("OPTIONS", "/api/v1/tickets", 405, None, {"POST"}),
    ("PUT", "/api/v1/tickets/1", 405, None, {"GET"}),
    ("POST", "/health", 405, None, {"GET"}),
    ("HEAD", "/health", 405, None, {"GET"}),
    ("POST", "/", 405, None, {"GET"}),
    ("DELETE", "/agent/tickets/1", 405, None, {"GET"}),
    ("PUT", "/agent/admin/queues", 405, None, {"GET"}),
    ("POST", "/static/ui.css", 405, None, {"GET", "HEAD"}),
    (
        "HEAD",
        "/otobo/nph-genericinterface.pl/Webservice/x/y",
        405,
        None,
        {"GET", "POST", "PUT", "PATCH", "DELETE"},
    ),
    ("GET", "/api/v1/tickets/", 307, "http://testserver/api/v1/tickets", None),
    ("POST", "/api/v1/processes/import/", 307, "http://testserver/api/v1/processes/import", None),
    ("GET", "/api/v1/admin/queues/", 307, "http://testserver/api/v1/admin/queues", None),
    ("GET", "/agent", 307, "http://testserver/agent/", None),
    ("GET", "/customer", 307, "http://testserver/customer/", None),
    ("GET", "/agent/admin", 307, "http://testserver/agent/admin/", None),
    ("GET", "/agent/queue/", 307, "http://testserver/agent/queue", None),
    ("GET", "/agent/monitoring/", 307, "http://testserver/agent/monitoring", None),
    ("GET", "/agent/admin/processes/", 307, "http://testserver/agent/admin/processes", None),
    ("GET", "/sign-in/", 307, "http://testserver/sign-in", None),
    ("GET", "/health/", 307, "http://testserver/health", None),
    ("GET", "/docs/", 307, "http://testserver/docs", None),
    ("GET", "/static", 307, "http://testserver/static/", None),
    (
        "GET",
        "/otobo/nph-genericinterface.pl/Webservice/x",
        307,
        "http://testserver/otobo/nph-genericinterface.pl/Webservice/x/",
        None,
    ),
    ("GET", "/", 303, "/sign-in", None),
    ("GET", "/agent/admin/queues", 303, "/sign-in?next=/agent/admin/queues", None),
    ("GET", "/static/ui.css", 200, None, None),
    ("GET", "/static/nope.css", 404, None, None),
    ("HEAD", "/openapi.json", 200, None, None),
    ("GET", "/docs", 200, None, None),
]


@pytest.mark.parametrize(("method", "path", "status", "location", "allow"), ANSWERS)
def test_unmatched_paths_methods_and_slashes_answer_as_before(
    client: TestClient,
    method: str,
    path: str,
    status: int,
    location: str | None,
    allow: set[str] | None,
) -> None:
    answer = client.request(method, path)
    assert answer.status_code == status
    assert answer.headers.get("location") == location
    allowed = answer.headers.get("allow")
    assert (set(allowed.split(", ")) if allowed else None) == allow


def test_add_routes_refuses_a_router_with_an_included_router() -> None:
    inner = APIRouter(prefix="/inner")

    @inner.get("/thing")
    def thing() -> dict[str, str]:
        return {}

    outer = APIRouter()
    outer.include_router(inner)
    with pytest.raises(TypeError, match="include_router"):
        add_routes(FastAPI(), outer)


def test_add_routes_keeps_the_source_routers_prefix_and_order() -> None:
    first, second = APIRouter(prefix="/a"), APIRouter(prefix="/a")

    @first.get("/x")
    def from_first() -> str:
        return "first"

    @second.get("/x")
    def from_second() -> str:
        return "second"

    app = FastAPI()
    add_routes(app, first)
    add_routes(app, second)
    assert TestClient(app).get("/a/x").json() == "first"


def _items_router() -> APIRouter:
    routes = APIRouter(prefix="/items", route_class=LiteralPrefixRoute)

    @routes.get("/{item_id}/parts/{part}")
    def part(item_id: int, part: str) -> dict[str, object]:
        return {"item": item_id, "part": part}

    return routes


def test_literal_prefix_route_turns_away_only_paths_it_cannot_match() -> None:
    route = _items_router().routes[0]
    assert isinstance(route, LiteralPrefixRoute)
    assert route.literal_prefix == "/items/"
    app = FastAPI()
    add_routes(app, _items_router())
    client = TestClient(app)
    assert client.get("/items/7/parts/wheel").json() == {"item": 7, "part": "wheel"}
    assert client.post("/items/7/parts/wheel").status_code == 405
    assert client.get("/item/7/parts/wheel").status_code == 404


def test_literal_prefix_route_matches_under_an_include_prefix_and_a_root_path() -> None:
    app = FastAPI()
    app.include_router(_items_router(), prefix="/v2")
    client = TestClient(app, root_path="/behind-proxy")
    assert client.get("/behind-proxy/v2/items/3/parts/bell").json() == {"item": 3, "part": "bell"}
    assert client.get("/behind-proxy/items/3/parts/bell").status_code == 404
