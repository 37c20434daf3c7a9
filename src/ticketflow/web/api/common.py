"""Shared pieces of the REST API: pagination, ETags, the clock, the router factory."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Annotated, Generic, TypeVar
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel

from ticketflow.web.errors import PreconditionFailedError, ProblemRoute

T = TypeVar("T")

API_PREFIX = "/api/v1"
MAX_LIMIT = 500
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="page size")]
Offset = Annotated[int, Query(ge=0, le=10**9, description="items to skip")]

PROBLEM_RESPONSES: dict[int | str, dict[str, object]] = {
    status: {"description": text, "content": {"application/problem+json": {}}}
    for status, text in (
        (401, "not signed in"),
        (403, "forbidden"),
        (404, "not found"),
        (409, "conflict"),
        (422, "invalid input"),
    )
}


def router(tag: str) -> APIRouter:
    """A router under ``/api/v1`` whose errors are RFC 9457 problem details. It carries the full
    prefix itself so that its routes can be added to the app flat (``web/routing.py``)."""
    return APIRouter(prefix=API_PREFIX, route_class=ProblemRoute, tags=[tag], responses=PROBLEM_RESPONSES)


def now() -> datetime:
    return datetime.now(UTC)


class Page(BaseModel, Generic[T]):
    """One page of a list: ``next`` is the URL of the following page, None on the last one."""

    items: list[T]
    total: int
    limit: int
    offset: int
    next: str | None = None


def page(
    request: Request, response: Response, items: Sequence[T], total: int, limit: int, offset: int
) -> Page[T]:
    """A page with ``next`` and an RFC 8288 ``Link: <…>; rel="next"`` header when more follow."""
    following = None
    if offset + len(items) < total:
        params = dict(request.query_params)
        params.update(limit=str(limit), offset=str(offset + limit))
        following = f"{request.url.path}?{urlencode(params)}"
        response.headers["Link"] = f'<{following}>; rel="next"'
    return Page[T](items=list(items), total=total, limit=limit, offset=offset, next=following)


def slice_page(
    request: Request, response: Response, everything: Sequence[T], limit: int, offset: int
) -> Page[T]:
    """A page cut from a list that is small enough to load whole (catalog records, history)."""
    return page(request, response, everything[offset : offset + limit], len(everything), limit, offset)


def etag(version: int) -> str:
    return f'"{version}"'


def expected_version(if_match: str | None, current: int) -> int | None:
    """The version an ``If-Match`` header names; PreconditionFailedError (412) if the ticket is at
    another one now. ``*`` or no header: no precondition."""
    if if_match is None or if_match.strip() == "*":
        return None
    tags = [tag.strip().removeprefix("W/").strip('"') for tag in if_match.split(",")]
    if str(current) not in tags:
        raise PreconditionFailedError(
            f"the ticket is at version {current}, not {if_match.strip()}: reload it and try again"
        )
    return current
