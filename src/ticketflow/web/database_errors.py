"""A database out of reach answers 503 in each interface's own form, never a bare 500.

A server restart, a network cut or a connection refused at the pool reaches the web layer as a
driver error. It is not a bug in the request, and the person or client should hear that plainly:
the REST API answers a problem document (``database_unavailable``, with ``Retry-After``), the pages
an error page, the OTOBO-compatible API its plain-text transport error. The connection that failed
was invalidated on the way (SQLAlchemy and ``db.prepared`` do so on a disconnect), so the next
request gets a fresh one. Any other driver error is a bug and stays a 500.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request, Response
from fastapi.responses import PlainTextResponse
from sqlalchemy.exc import DBAPIError, OperationalError

from ticketflow.web.api.common import API_PREFIX
from ticketflow.web.errors import problem_response

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5
_OTOBO_SCRIPT = "/nph-genericinterface.pl/"


def database_unavailable(error: DBAPIError) -> bool:
    """Whether a driver error says the database is out of reach or busy, not that a statement was wrong."""
    return bool(error.connection_invalidated) or isinstance(error, OperationalError)


def unavailable_message(error: DBAPIError) -> str:
    cause = (
        "the connection to the database was lost"
        if error.connection_invalidated
        else ("the database could not carry out the request just now")
    )
    return f"{cause}: try again in a moment"


def answer_database_errors(app: FastAPI) -> None:
    """Install the 503 answers on ``app`` (after the pages are mounted: they use ``app.state.ui``)."""

    async def handle(request: Request, error: Exception) -> Response:
        if not isinstance(error, DBAPIError) or not database_unavailable(error):
            raise error
        message = unavailable_message(error)
        log.warning("%s %s: %s (%s)", request.method, request.url.path, message, error.orig)
        path = request.url.path
        if path.startswith(API_PREFIX):
            return problem_response(
                503,
                "Database unavailable",
                message,
                "database_unavailable",
                headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
            )
        if _OTOBO_SCRIPT in path:
            return PlainTextResponse(f"HTTP::REST Error: {message}", status_code=503)
        sentence = message[:1].upper() + message[1:] + "."
        page: Response = request.app.state.ui.error_page(request, 503, sentence)
        page.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return page

    app.add_exception_handler(DBAPIError, handle)
