"""Web services: the configuration model read from OTOBO's shape, and its validation.

A web service is stored as ``WebService(name, config)`` with ``config`` in OTOBO's GenericInterface
shape (reference §4.1, §4.4), so an OTOBO admin recognises it::

    {"Description": "...",
     "Requester": {
       "Transport": {"Type": "HTTP::REST", "Config": {
           "Host": "https://erp.example.com/api",          # base URL: scheme, host, port, base path
           "DefaultCommand": "POST", "Timeout": "30",
           "InvokerControllerMapping": {"CreateOrder": {"Command": "POST", "Controller": "/orders"}},
           "Authentication": {"AuthType": "BearerToken", "TokenSecret": "ERP_TOKEN"},
           "OutboundHeaders": {"Common": {"Accept": "application/json"}, "Specific": {"CreateOrder": {}}},
           "SSL": {"SSLVerify": "Yes"}}},
       "Invoker": {"CreateOrder": {
           "Type": "Generic::PassThrough", "Description": "...", "Events": [],
           "MappingOutbound": {"Type": "Template", "Config": {"Body": {...}, "Query": {...}}},
           "MappingInbound": {"Type": "JSONPath", "Config": {"DynamicField_X": "$.order.id"}},
           "SuccessStatuses": [200, 201]}}}}

Secrets are never part of a config: authentication names them (``TokenSecret``, ``KeySecret``,
``BasicAuthPasswordSecret``) and the outbound adapter resolves the name at call time. A config that
holds a literal secret (``BasicAuthPassword``, an ``Authorization`` header, a URL with a password)
is refused. The request/response mapping lives in ``ticketflow.domain.webservice_mapping``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

from ticketflow.domain.errors import InvalidInputError

_TRANSPORT = "Requester.Transport.Config"
_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"})
# Headers an admin may not set: the transport owns them (OTOBO's blacklist) or they carry
# credentials, which belong in Authentication with a secret reference.
FORBIDDEN_HEADERS = frozenset(
    {"host", "content-length", "content-md5", "authorization", "proxy-authorization", "cookie"}
)
# Authentication keys that would hold a secret value itself; their ``…Secret`` twins are the way.
LITERAL_SECRET_KEYS = frozenset({"BasicAuthPassword", "Token", "BearerToken", "Key", "ApiKey", "Password"})
_SECRET_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_HEADER_NAME = re.compile(r"^[A-Za-z0-9!#$%&'*+.^_`|~-]+$")
_TARGET = re.compile(r"^[A-Za-z][A-Za-z0-9_\-]*$")
DEFAULT_TIMEOUT = timedelta(seconds=30)


class AuthType(StrEnum):
    """OTOBO's ``AuthType`` values plus the two token kinds REST services use today."""

    NONE = "None"
    BASIC = "BasicAuth"
    BEARER = "BearerToken"
    API_KEY = "APIKey"


@dataclass(frozen=True, slots=True)
class Authentication:
    """How to authenticate; every ``*_secret`` is a secret's *name*, resolved by the adapter."""

    type: AuthType = AuthType.NONE
    user: str = ""
    password_secret: str = ""
    token_secret: str = ""
    header: str = ""
    key_secret: str = ""

    def secret_names(self) -> tuple[str, ...]:
        return tuple(n for n in (self.password_secret, self.token_secret, self.key_secret) if n)


@dataclass(frozen=True, slots=True)
class Invoker:
    """One operation of a web service. ``path`` is a template relative to the base URL: ``:Name``
    takes the (URL-encoded) parameter ``Name``, ``<OTOBO_TICKET_…>`` a ticket value. ``body`` and
    ``query`` are templates (None body: pass the parameters through, as ``Generic::PassThrough``);
    ``response`` maps ticket-data names (``DynamicField_X``) to JSON paths (``$.order.id``)."""

    name: str
    method: str
    path: str
    body: Any = None
    query: Mapping[str, str] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)
    response: Mapping[str, str] = field(default_factory=dict)
    success_statuses: frozenset[int] = frozenset()

    def is_success(self, status: int) -> bool:
        """The invoker's ``SuccessStatuses``, by default any 2xx (OTOBO: 20x)."""
        return status in self.success_statuses if self.success_statuses else 200 <= status < 300


@dataclass(frozen=True, slots=True)
class WebServiceConfig:
    """A web service as the outbound side needs it (see the module docstring for the stored shape)."""

    name: str
    base_url: str
    timeout: timedelta = DEFAULT_TIMEOUT
    auth: Authentication = field(default_factory=Authentication)
    headers: Mapping[str, str] = field(default_factory=dict)
    verify_tls: bool = True
    invokers: Mapping[str, Invoker] = field(default_factory=dict)

    def get_invoker(self, name: str) -> Invoker:
        found = self.invokers.get(name)
        if found is None:
            raise InvalidInputError(f"web service '{self.name}' has no invoker '{name}'", field="invoker")
        return found


def parse_web_service(name: str, config: Mapping[str, Any]) -> WebServiceConfig:
    """Read ``config`` (OTOBO's shape) into a ``WebServiceConfig``; InvalidInputError naming the
    dotted config key for anything unusable, including a literal secret or an unsafe base URL."""
    requester = _mapping(config.get("Requester"), "Requester")
    transport = _mapping(requester.get("Transport"), "Requester.Transport")
    kind = str(transport.get("Type") or "HTTP::REST")
    if kind != "HTTP::REST":
        raise InvalidInputError(f"only HTTP::REST is supported, not '{kind}'", "Requester.Transport.Type")
    settings = _mapping(transport.get("Config"), _TRANSPORT)
    base_url = check_base_url(str(settings.get("Host") or ""))
    default_method = _method(settings.get("DefaultCommand") or "POST", f"{_TRANSPORT}.DefaultCommand")
    controllers = _mapping(
        settings.get("InvokerControllerMapping", {}), f"{_TRANSPORT}.InvokerControllerMapping"
    )
    headers = _mapping(settings.get("OutboundHeaders", {}), f"{_TRANSPORT}.OutboundHeaders")
    specific = _mapping(headers.get("Specific", {}), f"{_TRANSPORT}.OutboundHeaders.Specific")
    invokers = {
        str(key): _invoker(str(key), value, controllers, specific, default_method)
        for key, value in _mapping(requester.get("Invoker", {}), "Requester.Invoker").items()
    }
    return WebServiceConfig(
        name=name,
        base_url=base_url,
        timeout=_timeout(settings.get("Timeout"), f"{_TRANSPORT}.Timeout"),
        auth=_authentication(_mapping(settings.get("Authentication", {}), f"{_TRANSPORT}.Authentication")),
        headers=_headers(headers.get("Common", {}), f"{_TRANSPORT}.OutboundHeaders.Common"),
        verify_tls=_yes(_mapping(settings.get("SSL", {}), f"{_TRANSPORT}.SSL").get("SSLVerify", "Yes")),
        invokers=invokers,
    )


def check_base_url(url: str) -> str:
    """The base URL without a trailing ``/``: http(s), a host, no credentials, query or fragment."""
    where = f"{_TRANSPORT}.Host"
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInputError(f"must be an http or https URL with a host, not '{url}'", where)
    if parts.username or parts.password:
        raise InvalidInputError("may not hold credentials: use Authentication with a secret", where)
    if parts.query or parts.fragment:
        raise InvalidInputError("may not have a query or a fragment", where)
    return url.rstrip("/")


def _invoker(
    name: str,
    raw: Any,
    controllers: Mapping[str, Any],
    specific_headers: Mapping[str, Any],
    default_method: str,
) -> Invoker:
    where = f"Requester.Invoker.{name}"
    config = _mapping(raw, where)
    route = _mapping(controllers.get(name, {}), f"{_TRANSPORT}.InvokerControllerMapping.{name}")
    path = str(route.get("Controller") or "")
    _check_path(path, f"{_TRANSPORT}.InvokerControllerMapping.{name}.Controller")
    outbound = _mapping(
        _mapping(config.get("MappingOutbound", {}), f"{where}.MappingOutbound").get("Config", {}),
        f"{where}.MappingOutbound.Config",
    )
    inbound = _mapping(
        _mapping(config.get("MappingInbound", {}), f"{where}.MappingInbound").get("Config", {}),
        f"{where}.MappingInbound.Config",
    )
    return Invoker(
        name=name,
        method=_method(
            route.get("Command") or default_method, f"{_TRANSPORT}.InvokerControllerMapping.{name}.Command"
        ),
        path=path,
        body=outbound.get("Body"),
        query=_texts(outbound.get("Query", {}), f"{where}.MappingOutbound.Config.Query"),
        headers=_headers(specific_headers.get(name, {}), f"{_TRANSPORT}.OutboundHeaders.Specific.{name}"),
        response=_response_mapping(inbound, f"{where}.MappingInbound.Config"),
        success_statuses=_statuses(config.get("SuccessStatuses", ()), f"{where}.SuccessStatuses"),
    )


def _check_path(path: str, where: str) -> None:
    """A controller is a path below the base URL: it can never name another host or scheme."""
    if path and not path.startswith("/"):
        raise InvalidInputError(f"must start with '/', not '{path}'", where)
    if path.startswith("//") or "\\" in path or "://" in path or "@" in path.split("?", 1)[0]:
        raise InvalidInputError(f"must be a path below the base URL, not '{path}'", where)
    if any(segment in (".", "..") for segment in path.split("?", 1)[0].split("/")):
        raise InvalidInputError("may not contain '.' or '..' segments", where)


def _authentication(config: Mapping[str, Any]) -> Authentication:
    where = f"{_TRANSPORT}.Authentication"
    literal = sorted(LITERAL_SECRET_KEYS & set(config))
    if literal:
        raise InvalidInputError(
            f"holds a secret value ({', '.join(literal)}): name a secret instead (…Secret)", where
        )
    raw_type = str(config.get("AuthType") or AuthType.NONE.value)
    try:
        kind = AuthType(raw_type)
    except ValueError:
        allowed = ", ".join(t.value for t in AuthType)
        raise InvalidInputError(f"AuthType must be one of {allowed}, not '{raw_type}'", where) from None
    auth = Authentication(
        type=kind,
        user=str(config.get("BasicAuthUser") or ""),
        password_secret=str(config.get("BasicAuthPasswordSecret") or ""),
        token_secret=str(config.get("TokenSecret") or ""),
        header=str(config.get("HeaderName") or ""),
        key_secret=str(config.get("KeySecret") or ""),
    )
    needed = {
        AuthType.NONE: (),
        AuthType.BASIC: (("BasicAuthUser", auth.user), ("BasicAuthPasswordSecret", auth.password_secret)),
        AuthType.BEARER: (("TokenSecret", auth.token_secret),),
        AuthType.API_KEY: (("HeaderName", auth.header), ("KeySecret", auth.key_secret)),
    }[kind]
    for key, value in needed:
        if not value:
            raise InvalidInputError(f"{kind.value} needs {key}", f"{where}.{key}")
    for secret in auth.secret_names():
        if not _SECRET_NAME.match(secret):
            raise InvalidInputError(f"'{secret}' is not a secret name (letters, digits, _)", where)
    if auth.header and (
        not _HEADER_NAME.match(auth.header) or auth.header.lower() in FORBIDDEN_HEADERS - {"authorization"}
    ):
        raise InvalidInputError(f"'{auth.header}' cannot carry an API key", f"{where}.HeaderName")
    return auth


def _response_mapping(config: Mapping[str, Any], where: str) -> dict[str, str]:
    mapping = _texts(config, where)
    for target, path in mapping.items():
        if not _TARGET.match(target):
            raise InvalidInputError(f"'{target}' is not a ticket-data name", where)
        if not path.startswith("$"):
            raise InvalidInputError(f"'{path}' is not a JSON path (starts with '$')", f"{where}.{target}")
    return mapping


def _headers(raw: Any, where: str) -> dict[str, str]:
    headers = _texts(raw, where)
    for name, value in headers.items():
        if not _HEADER_NAME.match(name) or "\n" in value or "\r" in value:
            raise InvalidInputError(f"'{name}' is not a valid header", where)
        if name.lower() in FORBIDDEN_HEADERS:
            raise InvalidInputError(
                f"'{name}' may not be set here (credentials go into Authentication with a secret)", where
            )
    return headers


def _statuses(raw: Any, where: str) -> frozenset[int]:
    if not isinstance(raw, list | tuple):
        raise InvalidInputError("must be a list of HTTP status codes", where)
    try:
        statuses = frozenset(int(status) for status in raw)
    except (TypeError, ValueError):
        raise InvalidInputError("must be a list of HTTP status codes", where) from None
    if any(not 100 <= status <= 599 for status in statuses):
        raise InvalidInputError("HTTP status codes are 100–599", where)
    return statuses


def _timeout(raw: Any, where: str) -> timedelta:
    if raw in (None, ""):
        return DEFAULT_TIMEOUT
    try:
        seconds = float(raw)
    except (TypeError, ValueError):
        raise InvalidInputError(f"must be a number of seconds, not '{raw}'", where) from None
    if not 0 < seconds <= 3600:
        raise InvalidInputError("must be between 0 and 3600 seconds", where)
    return timedelta(seconds=seconds)


def _method(raw: Any, where: str) -> str:
    method = str(raw).upper()
    if method not in _METHODS:
        raise InvalidInputError(f"'{raw}' is not one of {', '.join(sorted(_METHODS))}", where)
    return method


def _yes(raw: Any) -> bool:
    return str(raw).strip().lower() not in ("no", "0", "false")


def _mapping(raw: Any, where: str) -> Mapping[str, Any]:
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise InvalidInputError("must be an object", where)
    return raw


def _texts(raw: Any, where: str) -> dict[str, str]:
    mapping = _mapping(raw, where)
    if any(not isinstance(v, str | int | float) or isinstance(v, bool) for v in mapping.values()):
        raise InvalidInputError("values must be texts", where)
    return {str(key): str(value) for key, value in mapping.items()}
