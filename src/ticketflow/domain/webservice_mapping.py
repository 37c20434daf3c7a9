"""The request and response mapping of an invoker, as pure functions.

``build_request`` turns an invoker, the service task's (already rendered) parameters and the
ticket into a ``ServiceRequest``; ``map_response`` checks the answer's status and turns its JSON into
ticket values. Both raise ``InvalidInputError`` for a mapping that cannot be carried out, and
``map_response`` raises the job errors the worker understands (``RetryableError`` for 408, 425,
429 and 5xx with the Retry-After hint, ``PermanentError`` for any other failure).

Templates (strings anywhere in ``Body``, the values of ``Query``, the controller path):
``<OTOBO_PARAM_Name>`` is the service task's parameter ``Name``; ``<OTOBO_TICKET_…>`` and
``<OTOBO_CUSTOMER_DATA_…>`` are OTOBO's ticket tags (``ticketflow.domain.placeholders``). In the
controller, ``:Name`` is the parameter too (OTOBO's ``InvokerControllerMapping``) and is then no
longer passed through in the body. Every value put into the path is percent-encoded, so no ticket
data or parameter can change the host, the scheme or leave the base path.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote, urlsplit

from ticketflow.domain.errors import InvalidInputError, PermanentError, RetryableError
from ticketflow.domain.placeholders import NO_LABELS, Labels, render_text
from ticketflow.domain.tickets import TicketSnapshot, Value
from ticketflow.domain.webservices import Authentication, Invoker, WebServiceConfig

_PARAM = re.compile(r"<OTOBO_PARAM_([A-Za-z0-9_\-]+)>", re.IGNORECASE)
_COLON_PARAM = re.compile(r":([A-Za-z_][A-Za-z0-9_]*)")
_JSON_PATH_STEP = re.compile(r"\.([A-Za-z0-9_\-]+)|\[(\d+)\]|\['([^']*)'\]|\[\"([^\"]*)\"\]")
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
_RETRYABLE_STATUSES = frozenset({408, 425, 429})
SUMMARY_LIMIT = 2000  # characters of a body kept in the ticket history


@dataclass(frozen=True, slots=True)
class ServiceRequest:
    """One HTTP call to make. ``headers`` never hold credentials: the adapter adds ``auth`` (secret
    names) itself, so a request can be logged and stored as it is."""

    web_service: str
    invoker: str
    method: str
    url: str
    base_url: str
    timeout: timedelta
    query: tuple[tuple[str, str], ...] = ()
    body: Any = None
    headers: Mapping[str, str] = field(default_factory=dict)
    auth: Authentication = field(default_factory=Authentication)
    verify_tls: bool = True


@dataclass(frozen=True, slots=True)
class ServiceResponse:
    """What the other side answered; ``headers`` keys are lower case."""

    status: int
    text: str
    headers: Mapping[str, str] = field(default_factory=dict)
    elapsed: timedelta = timedelta(0)


def build_request(
    service: WebServiceConfig,
    invoker_name: str,
    parameters: Mapping[str, str],
    snapshot: TicketSnapshot,
    *,
    timeout: timedelta | None,
    idempotency_key: str,
    labels: Labels = NO_LABELS,
) -> ServiceRequest:
    """The request of ``invoker_name`` for this ticket (see the module docstring). ``timeout`` is the
    activity's (None: the service's own). InvalidInputError for an unknown invoker or parameter."""
    invoker = service.get_invoker(invoker_name)
    path_template, _, query_template = invoker.path.partition("?")
    used: set[str] = set()
    path = _render_path(path_template, parameters, snapshot, labels, used)
    query = _controller_query(query_template, parameters, snapshot, labels, used)
    query += [
        (key, render_template(value, parameters, snapshot, labels)) for key, value in invoker.query.items()
    ]
    rest = {key: value for key, value in parameters.items() if key not in used}
    body: Any = None
    if invoker.body is not None:
        body = render_json(invoker.body, parameters, snapshot, labels)
    elif invoker.method in _BODY_METHODS:
        body = rest  # Generic::PassThrough: the data as it is
    else:
        query += sorted(rest.items())  # OTOBO appends the data as query parameters
    url = service.base_url + path
    ensure_below(service.base_url, url)
    headers = {"Accept": "application/json", **service.headers, **invoker.headers}
    headers["Idempotency-Key"] = idempotency_key
    return ServiceRequest(
        web_service=service.name,
        invoker=invoker.name,
        method=invoker.method,
        url=url,
        base_url=service.base_url,
        timeout=timeout or service.timeout,
        query=tuple(query),
        body=body,
        headers=headers,
        auth=service.auth,
        verify_tls=service.verify_tls,
    )


def render_template(
    text: str, parameters: Mapping[str, str], snapshot: TicketSnapshot, labels: Labels = NO_LABELS
) -> str:
    """``text`` with parameter tags and ticket tags replaced. The literal parts are rendered on their
    own, so a parameter's value is inserted verbatim and never read as a template itself."""
    rendered: list[str] = []
    position = 0
    for match in _PARAM.finditer(text):
        rendered.append(render_text(text[position : match.start()], snapshot, labels))
        rendered.append(_parameter(parameters, match.group(1)))
        position = match.end()
    rendered.append(render_text(text[position:], snapshot, labels))
    return "".join(rendered)


def render_json(
    template: Any, parameters: Mapping[str, str], snapshot: TicketSnapshot, labels: Labels = NO_LABELS
) -> Any:
    """A JSON template with every string rendered (keys stay as written; numbers, booleans, null too)."""
    if isinstance(template, str):
        return render_template(template, parameters, snapshot, labels)
    if isinstance(template, Mapping):
        return {str(k): render_json(v, parameters, snapshot, labels) for k, v in template.items()}
    if isinstance(template, list | tuple):
        return [render_json(item, parameters, snapshot, labels) for item in template]
    return template


def ensure_below(base_url: str, url: str) -> None:
    """InvalidInputError unless ``url`` has the scheme and host of ``base_url`` and lies in its path —
    the guard that only registered hosts are ever called, whatever the templates produced."""
    base, target = urlsplit(base_url), urlsplit(url)
    base_path = base.path.rstrip("/")
    segments = target.path.split("/")
    inside = target.path == base_path or target.path.startswith(base_path + "/")
    if (
        (target.scheme, target.netloc) != (base.scheme, base.netloc)
        or not inside
        or any(s in (".", "..") for s in segments)
        or target.query
        or target.fragment
    ):
        raise InvalidInputError(f"'{url}' is not below the registered base URL '{base_url}'", field="url")


def map_response(invoker: Invoker, response: ServiceResponse, now: datetime) -> dict[str, Value]:
    """The ticket values of a successful answer, by the invoker's ``MappingInbound``.

    A status the invoker does not count as success raises: RetryableError for 408, 425, 429 and 5xx
    (``retry_after`` from the Retry-After header), PermanentError otherwise. A body that is not JSON
    or lacks a mapped path raises PermanentError (a mapping error does not heal by retrying)."""
    if not invoker.is_success(response.status):
        raise _status_error(response, now)
    if not invoker.response:
        return {}
    try:
        document = json.loads(response.text)
    except ValueError:
        raise PermanentError(
            f"the answer is not JSON (HTTP {response.status})", response=summarize_response(response)
        ) from None
    values: dict[str, Value] = {}
    for target, path in invoker.response.items():
        found, value = find_path(document, path)
        if not found:
            raise PermanentError(
                f"the answer has no '{path}' for {target}", response=summarize_response(response)
            )
        values[target] = _ticket_value(value)
    return values


def find_path(document: Any, path: str) -> tuple[bool, Any]:
    """``(True, value)`` at the JSON path (``$``, ``.key``, ``['key']``, ``[n]``), else ``(False, None)``.
    InvalidInputError for a path outside that subset."""
    if not path.startswith("$"):
        raise InvalidInputError(f"'{path}' is not a JSON path", field="MappingInbound")
    position, current = 1, document
    while position < len(path):
        step = _JSON_PATH_STEP.match(path, position)
        if step is None:
            raise InvalidInputError(f"'{path}' is not a supported JSON path", field="MappingInbound")
        key, index, quoted, double = step.groups()
        name = key if key is not None else quoted if quoted is not None else double
        if index is not None:
            if not isinstance(current, list) or int(index) >= len(current):
                return False, None
            current = current[int(index)]
        elif isinstance(current, Mapping) and name in current:
            current = current[name]
        else:
            return False, None
        position = step.end()
    return True, current


def retry_after(headers: Mapping[str, str], now: datetime) -> timedelta | None:
    """The Retry-After header (seconds or an HTTP date) as a delay from ``now``; None if absent."""
    raw = headers.get("retry-after", "").strip()
    if not raw:
        return None
    if raw.isdigit():
        return timedelta(seconds=int(raw))
    try:
        at = parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    if at.tzinfo is None:
        return None
    return max(at - now, timedelta(0))


def summarize_request(request: ServiceRequest) -> dict[str, object]:
    """A JSON-able summary for the history and the incident: no credentials, bodies cut short."""
    return {
        "web_service": request.web_service,
        "invoker": request.invoker,
        "method": request.method,
        "url": request.url,
        "query": [list(pair) for pair in request.query],
        "headers": dict(request.headers),
        "body": _cut(json.dumps(request.body, ensure_ascii=False)) if request.body is not None else None,
    }


def summarize_response(response: ServiceResponse) -> str:
    """``HTTP <status>: <body, cut short>`` — the text a JobError carries as ``response``."""
    return f"HTTP {response.status}: {_cut(response.text)}"


def _status_error(response: ServiceResponse, now: datetime) -> RetryableError | PermanentError:
    status, summary = response.status, summarize_response(response)
    if status in _RETRYABLE_STATUSES or status >= 500:
        hint = retry_after(response.headers, now)
        return RetryableError(f"the service answered HTTP {status}", response=summary, retry_after=hint)
    return PermanentError(f"the service answered HTTP {status}", response=summary)


def _render_path(
    template: str, parameters: Mapping[str, str], snapshot: TicketSnapshot, labels: Labels, used: set[str]
) -> str:
    def colon(match: re.Match[str]) -> str:
        used.add(match.group(1))
        return _path_segment(_parameter(parameters, match.group(1)))

    parts: list[str] = []
    position = 0
    # Literal text of the template is the admin's; every substituted value is encoded.
    for match in re.finditer(rf"{_PARAM.pattern}|<OTOBO_[^>]+>", template, re.IGNORECASE):
        parts.append(_COLON_PARAM.sub(colon, template[position : match.start()]))
        parts.append(_path_segment(render_template(match.group(0), parameters, snapshot, labels)))
        position = match.end()
    parts.append(_COLON_PARAM.sub(colon, template[position:]))
    return "".join(parts)


def _controller_query(
    template: str, parameters: Mapping[str, str], snapshot: TicketSnapshot, labels: Labels, used: set[str]
) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    for item in filter(None, template.split("&")):
        key, _, value = item.partition("=")
        whole = _COLON_PARAM.fullmatch(value)
        if whole is not None:
            used.add(whole.group(1))
            pairs.append((key, _parameter(parameters, whole.group(1))))
        else:
            pairs.append((key, render_template(value, parameters, snapshot, labels)))
    return pairs


def _path_segment(value: str) -> str:
    # '.' and '..' would let a value climb out of the base path once a server normalises the URL.
    return "%2E" * len(value) if value in (".", "..") else quote(value, safe="")


def _parameter(parameters: Mapping[str, str], name: str) -> str:
    if name in parameters:
        return parameters[name]
    folded = name.casefold()
    for key, value in parameters.items():
        if key.casefold() == folded:
            return value
    raise InvalidInputError(f"the service task passes no parameter '{name}'", field="parameters")


def _ticket_value(value: Any) -> Value:
    """JSON → ticket value: texts as they are, numbers as written, booleans as OTOBO's 1/0, a list of
    scalars as a multi-value; objects are kept as their JSON text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return json.dumps(value)
    if isinstance(value, list) and all(isinstance(v, str | int | float) for v in value):
        return tuple(v if isinstance(v, str) else json.dumps(v) for v in value)
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _cut(text: str) -> str:
    return text if len(text) <= SUMMARY_LIMIT else text[:SUMMARY_LIMIT] + "…"
