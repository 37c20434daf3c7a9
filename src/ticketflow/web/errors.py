"""RFC 9457 problem details for the REST API: one table from error class to HTTP status.

Every error body is ``application/problem+json``::

    {"type": "https://ticketflow.dev/problems/invalid_input", "title": "Invalid input", "status": 422,
     "detail": "Queue: 'Nowhere' does not exist", "code": "invalid_input", "field": "Queue",
     "errors": [{"field": "Queue", "detail": "..."}]}

``field`` names the input at fault when there is one; ``errors`` lists every problem when there are
several (a dialog submission, a process definition, request validation).
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Mapping, Sequence
from typing import Any

from fastapi import Request, Response
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from ticketflow.domain.errors import (
    ConflictError,
    DefinitionError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
    Problem,
    ProcessRuntimeError,
    TicketflowError,
)
from ticketflow.usecases.auth import AuthenticationError, LoginThrottledError
from ticketflow.web.deps import current_principal
from ticketflow.web.routing import LiteralPrefixRoute

PROBLEM_JSON = "application/problem+json"
PROBLEM_BASE = "https://ticketflow.dev/problems/"


class PreconditionFailedError(ConflictError):
    """``If-Match`` names a version (ETag) the ticket no longer has."""

    code = "precondition_failed"


class PreconditionRequiredError(TicketflowError):
    code = "precondition_required"


# Most specific first: the first class an error is an instance of decides its status.
STATUS_OF: tuple[tuple[type[TicketflowError], int, str], ...] = (
    (AuthenticationError, 401, "Not signed in"),
    (LoginThrottledError, 429, "Too many attempts"),
    (PermissionDeniedError, 403, "Forbidden"),
    (NotFoundError, 404, "Not found"),
    (PreconditionFailedError, 412, "Precondition failed"),
    (PreconditionRequiredError, 428, "Precondition required"),
    (ConflictError, 409, "Conflict"),
    (DefinitionError, 422, "Invalid process definition"),
    (InvalidInputError, 422, "Invalid input"),
    (ProcessRuntimeError, 422, "The process could not move"),
    (TicketflowError, 400, "Bad request"),
)


def problem_response(
    status: int,
    title: str,
    detail: str,
    code: str,
    *,
    field: str | None = None,
    errors: Sequence[dict[str, Any]] = (),
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + code,
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
    }
    if field is not None:
        body["field"] = field
    if errors:
        body["errors"] = list(errors)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _problem_items(problems: Sequence[Problem]) -> list[dict[str, Any]]:
    return [
        {"element": p.element, "field": p.field, "detail": p.message, "severity": p.severity}
        for p in problems
    ]


def error_response(error: TicketflowError) -> JSONResponse:
    """The problem response for a ticketflow error (the table above)."""
    status, title = next((s, t) for kind, s, t in STATUS_OF if isinstance(error, kind))
    field = getattr(error, "field", None)
    problems: Sequence[Problem] = getattr(error, "problems", ())
    headers: dict[str, str] = {}
    if isinstance(error, LoginThrottledError):
        headers["Retry-After"] = str(int(error.retry_after.total_seconds()))
    if isinstance(error, AuthenticationError):
        headers["WWW-Authenticate"] = 'Bearer realm="ticketflow"'
    return problem_response(
        status,
        title,
        error.message,
        error.code,
        field=field,
        errors=_problem_items(problems),
        headers=headers or None,
    )


def _validation_response(error: RequestValidationError) -> JSONResponse:
    items = [_validation_item(entry) for entry in error.errors()]
    first = items[0] if items else {"field": None, "detail": "invalid request"}
    detail = f"{first['field']}: {first['detail']}" if first["field"] else str(first["detail"])
    return problem_response(422, "Invalid input", detail, "invalid_input", field=first["field"], errors=items)


def _validation_item(entry: Mapping[str, Any]) -> dict[str, str | None]:
    """One request-validation problem as ``{field, detail}``. A body that is not JSON at all names the
    body and where the parser stopped (pydantic's location is then a character offset, not a field);
    a body of the wrong shape (a list for an object) names the body."""
    where = tuple(entry.get("loc", ()))
    if entry.get("type") == "json_invalid":
        offset = next((part for part in where if isinstance(part, int)), None)
        reason = str((entry.get("ctx") or {}).get("error", "JSON decode error"))
        at = f" at character {offset}" if offset is not None else ""
        return {"field": "body", "detail": f"is not valid JSON: {reason}{at}"}
    location = [str(part) for part in where if part not in ("body", "query", "path", "header")]
    field = ".".join(location) or ("body" if where == ("body",) else None)
    return {"field": field, "detail": str(entry.get("msg", "invalid"))}


class ProblemRoute(LiteralPrefixRoute):
    """The route class of the REST API's routers: ticketflow errors and request-validation errors
    become problem details here, per route, so the UI and the OTOBO API keep their own error pages."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        signed_in_only = _needs_principal(self.dependant)

        async def handle(request: Request) -> Response:
            try:
                return await handler(request)
            except TicketflowError as error:
                return error_response(error)
            except RequestValidationError as error:
                if signed_in_only and _body_not_json(error):
                    # FastAPI parses a JSON body before it resolves the dependencies: who asks is
                    # checked here first, so that a caller without credentials learns nothing more.
                    try:
                        await current_principal(request)
                    except TicketflowError as refused:
                        return error_response(refused)
                return _validation_response(error)

        return handle


def _needs_principal(dependant: Dependant) -> bool:
    return any(d.call is current_principal or _needs_principal(d) for d in dependant.dependencies)


def _body_not_json(error: RequestValidationError) -> bool:
    return any(entry.get("type") == "json_invalid" for entry in error.errors())
