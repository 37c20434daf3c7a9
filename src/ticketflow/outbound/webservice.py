"""``HttpWebServiceClient``: the ``WebServiceClient`` port over httpx.

It makes exactly the request it is given, adds the authentication (resolving secret names through
the ``SecretStore``) and translates httpx's failures into the job errors the worker understands:
a timeout or a broken connection is ``RetryableError``; a request that cannot be made at all (a
missing secret, a URL outside the registered base URL) is ``PermanentError``. Any HTTP answer is
returned as it is — whether its status is a success is the invoker's decision
(``ticketflow.domain.webservice_mapping.map_response``). Redirects are not followed: a 3xx could
point at a host nobody registered.

Calls go straight over ``http.client`` (``webservice_connections``: a third of httpx's CPU per call);
httpx makes them instead when the environment names a proxy (``HTTP_PROXY``, ``HTTPS_PROXY``,
``ALL_PROXY``), which it honours with its ``NO_PROXY`` rules, and when a test hands in a transport.
"""

from __future__ import annotations

import base64
import http.client
import ssl
import time
import urllib.request
from datetime import timedelta

import httpx

from ticketflow.domain.errors import InvalidInputError, NotFoundError, PermanentError, RetryableError
from ticketflow.domain.webservice_mapping import ServiceRequest, ServiceResponse, ensure_below
from ticketflow.domain.webservices import Authentication, AuthType
from ticketflow.outbound.secrets import SecretStore
from ticketflow.outbound.webservice_connections import DirectConnections

USER_AGENT = "ticketflow"


class HttpWebServiceClient:
    """Connections kept and reused across calls; ``close()`` ends them. ``transport`` replaces the
    network in unit tests (``httpx.MockTransport``; the calls then go through httpx)."""

    def __init__(self, secrets: SecretStore, *, transport: httpx.BaseTransport | None = None) -> None:
        self._secrets = secrets
        self._transport = transport
        self._clients: dict[bool, httpx.Client] = {}
        proxied = any(urllib.request.getproxies_environment().get(s) for s in ("http", "https", "all"))
        self._direct = None if transport is not None or proxied else DirectConnections()

    def call(self, request: ServiceRequest) -> ServiceResponse:
        """See ``ticketflow.usecases.ports.WebServiceClient.call``."""
        try:
            ensure_below(request.base_url, request.url)
        except InvalidInputError as error:
            raise PermanentError(error.message) from None
        headers = {"User-Agent": USER_AGENT, **request.headers, **self._auth_headers(request.auth)}
        if self._direct is not None:
            return self._call_direct(self._direct, request, headers)
        seconds = request.timeout.total_seconds()
        started = time.monotonic()
        try:
            response = self._client(request.verify_tls).request(
                request.method,
                request.url,
                params=list(request.query),
                json=request.body,
                headers=headers,
                timeout=httpx.Timeout(seconds),
            )
        except httpx.TimeoutException:
            raise RetryableError(f"{request.method} {request.url} timed out after {seconds:g} s") from None
        except (httpx.InvalidURL, httpx.UnsupportedProtocol) as error:
            raise PermanentError(f"{request.method} {request.url} cannot be sent: {error}") from None
        except httpx.TransportError as error:
            raise RetryableError(f"{request.method} {request.url} failed: {_describe(error)}") from None
        return ServiceResponse(
            status=response.status_code,
            text=response.text,
            headers={key.lower(): value for key, value in response.headers.items()},
            elapsed=timedelta(seconds=time.monotonic() - started),
        )

    def _call_direct(
        self, direct: DirectConnections, request: ServiceRequest, headers: dict[str, str]
    ) -> ServiceResponse:
        seconds = request.timeout.total_seconds()
        started = time.monotonic()
        what = f"{request.method} {request.url}"
        try:
            answer = direct.send(
                request.method,
                request.url,
                query=request.query,
                body=request.body,
                headers=headers,
                verify_tls=request.verify_tls,
                timeout=seconds,
            )
        except TimeoutError:
            raise RetryableError(f"{what} timed out after {seconds:g} s") from None
        except ssl.SSLError as error:  # also a ValueError when the certificate is refused: retried
            raise RetryableError(f"{what} failed: {_describe(error)}") from None
        except ValueError as error:  # UnsendableRequestError, InvalidURL, a header value with a newline…
            raise PermanentError(f"{what} cannot be sent: {error}") from None
        except (OSError, http.client.HTTPException) as error:
            raise RetryableError(f"{what} failed: {_describe(error)}") from None
        return ServiceResponse(
            status=answer.status,
            text=answer.text,
            headers=answer.headers,
            elapsed=timedelta(seconds=time.monotonic() - started),
        )

    def close(self) -> None:
        if self._direct is not None:
            self._direct.close()
        for client in self._clients.values():
            client.close()
        self._clients.clear()

    def _client(self, verify: bool) -> httpx.Client:
        client = self._clients.get(verify)
        if client is None:
            client = httpx.Client(verify=verify, follow_redirects=False, transport=self._transport)
            self._clients[verify] = client
        return client

    def _auth_headers(self, auth: Authentication) -> dict[str, str]:
        try:
            match auth.type:
                case AuthType.NONE:
                    return {}
                case AuthType.BASIC:
                    pair = f"{auth.user}:{self._secrets.get(auth.password_secret)}".encode()
                    return {"Authorization": "Basic " + base64.b64encode(pair).decode("ascii")}
                case AuthType.BEARER:
                    return {"Authorization": "Bearer " + self._secrets.get(auth.token_secret)}
                case AuthType.API_KEY:
                    return {auth.header: self._secrets.get(auth.key_secret)}
        except NotFoundError as error:
            # An admin must set the secret; retrying would not help until then.
            raise PermanentError(error.message) from None


def _describe(error: Exception) -> str:
    text = str(error)
    return f"{type(error).__name__}: {text}" if text else type(error).__name__
