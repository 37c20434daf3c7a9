"""Web services as JSON: import (validated), export (never with a secret value), list and show.

The document of one web service::

    {"format": "ticketflow.webservice/1", "name": "ERP", "valid": true, "config": {<OTOBO's shape>}}

An import refuses a config the outbound side could not use (``ticketflow.domain.webservices``),
including one with a literal secret; secrets are referenced by name and set in the environment or
the secrets file. The store has no update for catalog records yet, so importing a name that exists
is refused rather than silently ignored.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from ticketflow.domain.errors import InvalidInputError
from ticketflow.domain.webservices import (
    FORBIDDEN_HEADERS,
    LITERAL_SECRET_KEYS,
    WebServiceConfig,
    parse_web_service,
)
from ticketflow.usecases.catalog_records import WebService
from ticketflow.usecases.ports import UnitOfWorkFactory

FORMAT = "ticketflow.webservice/1"


@dataclass(frozen=True, slots=True)
class WebServiceSummary:
    """One line of the list. ``problem`` says why the config is unusable (e.g. an old record)."""

    name: str
    valid: bool
    base_url: str
    invokers: tuple[str, ...]
    secrets: tuple[str, ...]
    problem: str | None = None


def import_web_service(uow: UnitOfWorkFactory, document: Mapping[str, Any]) -> WebServiceConfig:
    """Validate and store a new web service; InvalidInputError naming the field otherwise."""
    if document.get("format", FORMAT) != FORMAT:
        raise InvalidInputError(f"must be '{FORMAT}'", "format")
    name = document.get("name")
    if not isinstance(name, str) or not name.strip():
        raise InvalidInputError("a web service needs a name", "name")
    config = document.get("config")
    if not isinstance(config, Mapping):
        raise InvalidInputError("must be an object", "config")
    valid = document.get("valid", True)
    if not isinstance(valid, bool):
        raise InvalidInputError("must be true or false", "valid")
    parsed = parse_web_service(name, config)
    with uow() as unit:
        unit.catalog.add(WebService(name, dict(config), valid))
        unit.commit()
    return parsed


def export_web_service(uow: UnitOfWorkFactory, name: str) -> dict[str, Any]:
    """The import document of ``name`` (NotFoundError if there is none), without any secret value."""
    with uow() as unit:
        record = unit.catalog.get(WebService, name)
    return {
        "format": FORMAT,
        "name": record.name,
        "valid": record.valid,
        "config": without_secrets(record.config),
    }


def list_web_services(uow: UnitOfWorkFactory) -> Sequence[WebServiceSummary]:
    with uow() as unit:
        records = unit.catalog.list(WebService)
    return [_summary(record) for record in records]


def show_web_service(uow: UnitOfWorkFactory, name: str) -> WebServiceSummary:
    with uow() as unit:
        return _summary(unit.catalog.get(WebService, name))


def without_secrets(config: Mapping[str, Any]) -> dict[str, Any]:
    """``config`` with anything that could hold a secret value removed: literal-secret keys in
    Authentication, credential headers, a password in the Host URL. Imports refuse these, but a
    record may predate that check (or come from the demo seed)."""
    cleaned: dict[str, Any] = copy.deepcopy(dict(config))
    transport = _find(cleaned, "Requester", "Transport", "Config")
    if transport is None:
        return cleaned
    auth = transport.get("Authentication")
    if isinstance(auth, dict):
        for key in LITERAL_SECRET_KEYS:
            auth.pop(key, None)
    headers = transport.get("OutboundHeaders")
    if isinstance(headers, dict):
        for group in [headers.get("Common"), *dict(headers.get("Specific") or {}).values()]:
            if isinstance(group, dict):
                for header in [h for h in group if str(h).lower() in FORBIDDEN_HEADERS]:
                    del group[header]
    host = transport.get("Host")
    if isinstance(host, str):
        parts = urlsplit(host)
        if parts.password or parts.username:
            netloc = parts.hostname or ""
            netloc += f":{parts.port}" if parts.port else ""
            transport["Host"] = urlunsplit(parts._replace(netloc=netloc))
    return cleaned


def _find(config: dict[str, Any], *keys: str) -> dict[str, Any] | None:
    current: Any = config
    for key in keys:
        current = current.get(key) if isinstance(current, dict) else None
    return current if isinstance(current, dict) else None


def _summary(record: WebService) -> WebServiceSummary:
    try:
        parsed = parse_web_service(record.name, record.config)
    except InvalidInputError as error:
        return WebServiceSummary(
            record.name, record.valid, "", tuple(sorted(record.invokers)), (), error.message
        )
    return WebServiceSummary(
        record.name,
        record.valid,
        parsed.base_url,
        tuple(sorted(parsed.invokers)),
        parsed.auth.secret_names(),
    )
