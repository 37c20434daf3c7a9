"""The web-service client's direct HTTP path against real servers on 127.0.0.1: connections kept and
reused, a connection the server closed replaced, timeouts, TLS verification (a self-signed server
refused unless verification is off), repeated headers and charsets, and httpx taking over when the
environment names a proxy."""

from __future__ import annotations

import json
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from ticketflow.domain.errors import PermanentError, RetryableError
from ticketflow.domain.webservice_mapping import ServiceRequest
from ticketflow.outbound.secrets import SecretStore
from ticketflow.outbound.webservice import HttpWebServiceClient


class _Recorder(BaseHTTPRequestHandler):
    """Answers JSON; records (client port, method, path, headers, body) per request. The path picks
    the answer: ``/erp/close`` asks to close the connection, ``/erp/slow`` waits, ``/erp/latin``
    answers Latin-1 text with two Set-Cookie headers."""

    protocol_version = "HTTP/1.1"
    server: _Server

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        self.server.seen.append(
            (self.client_address[1], self.command, self.path, dict(self.headers.items()), raw)
        )
        body, extra = json.dumps({"ok": True}).encode(), [("Content-Type", "application/json")]
        if self.path.startswith("/erp/slow"):
            time.sleep(1.0)
        if self.path.startswith("/erp/close"):
            extra.append(("Connection", "close"))
        if self.path.startswith("/erp/latin"):
            body = "Grüße".encode("latin-1")
            extra = [
                ("Content-Type", "text/plain; charset=iso-8859-1"),
                ("Set-Cookie", "a=1"),
                ("Set-Cookie", "b=2"),
            ]
        try:
            self.send_response(201)
            for name, value in extra:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (the timeout test)

    do_GET = do_POST = _serve  # noqa: N815

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    seen: list[tuple[int, str, str, dict[str, str], bytes]]


def _serve(context: ssl.SSLContext | None = None) -> Iterator[tuple[_Server, str]]:
    server = _Server(("127.0.0.1", 0), _Recorder)
    server.seen = []
    scheme = "http"
    if context is not None:
        server.socket = context.wrap_socket(server.socket, server_side=True)
        scheme = "https"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server, f"{scheme}://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.fixture
def plain() -> Iterator[tuple[_Server, str]]:
    yield from _serve()


@pytest.fixture
def tls(tmp_path: Path) -> Iterator[tuple[_Server, str]]:
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-keyout", str(key), "-out", str(cert)),
            *("-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"),
        ],
        check=True,
        capture_output=True,
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    yield from _serve(context)


def _request(base: str, path: str = "/erp/orders", **changes: Any) -> ServiceRequest:
    values: dict[str, Any] = {
        "web_service": "ERP",
        "invoker": "CreateOrder",
        "method": "POST",
        "url": base + path,
        "base_url": base + "/erp",
        "timeout": timedelta(seconds=10),
        "body": {"name": "Stühle", "amount": 2},
        "headers": {"Idempotency-Key": "job-7"},
        "query": (("a", "1 2"),),
    }
    return ServiceRequest(**(values | changes))


@pytest.fixture
def client(monkeypatch: pytest.MonkeyPatch) -> Iterator[HttpWebServiceClient]:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    made = HttpWebServiceClient(SecretStore(environ={}))
    yield made
    made.close()


def test_calls_reuse_one_connection_and_send_what_httpx_sent(
    plain: tuple[_Server, str], client: HttpWebServiceClient
) -> None:
    server, base = plain
    first = client.call(_request(base))
    second = client.call(_request(base, method="GET", body=None, query=()))
    assert (first.status, json.loads(first.text), second.status) == (201, {"ok": True}, 201)
    assert first.headers["content-type"] == "application/json"
    (port_one, method, path, headers, raw), (port_two, method_two, path_two, headers_two, raw_two) = (
        server.seen
    )
    assert port_one == port_two  # kept alive
    assert (method, path, method_two, path_two) == ("POST", "/erp/orders?a=1+2", "GET", "/erp/orders")
    assert raw == '{"name":"Stühle","amount":2}'.encode()
    assert headers["Content-Type"] == "application/json"
    assert (headers["Idempotency-Key"], headers["User-Agent"], headers["Accept"]) == (
        "job-7",
        "ticketflow",
        "*/*",
    )
    assert raw_two == b""
    assert "Content-Type" not in headers_two


def test_a_connection_the_server_closed_is_replaced(
    plain: tuple[_Server, str], client: HttpWebServiceClient
) -> None:
    server, base = plain
    client.call(_request(base, "/erp/close"))
    client.call(_request(base))
    client.call(_request(base))
    ports = [seen[0] for seen in server.seen]
    assert ports[0] != ports[1]
    assert ports[1] == ports[2]


def test_an_idle_connection_dropped_by_the_server_is_replaced_before_sending(
    plain: tuple[_Server, str], client: HttpWebServiceClient
) -> None:
    server, base = plain
    client.call(_request(base))
    # The server side of the kept connection goes away (an idle timeout, a restart).
    kept = client._direct._local.pool  # type: ignore[union-attr]
    (connection,) = kept.values()
    connection.sock.shutdown(socket.SHUT_RD)  # the client's socket now reads EOF, as after a close
    answer = client.call(_request(base))
    assert answer.status == 201
    assert len(server.seen) == 2
    assert server.seen[0][0] != server.seen[1][0]


def test_a_slow_answer_times_out_as_retryable(
    plain: tuple[_Server, str], client: HttpWebServiceClient
) -> None:
    _server, base = plain
    with pytest.raises(RetryableError, match=r"timed out after 0\.2 s"):
        client.call(_request(base, "/erp/slow", timeout=timedelta(seconds=0.2)))
    assert client.call(_request(base)).status == 201  # the next call gets a fresh connection


def test_charset_and_repeated_headers(plain: tuple[_Server, str], client: HttpWebServiceClient) -> None:
    _server, base = plain
    answer = client.call(_request(base, "/erp/latin"))
    assert answer.text == "Grüße"
    assert answer.headers["set-cookie"] == "a=1, b=2"


def test_a_self_signed_server_is_refused_unless_verification_is_off(
    tls: tuple[_Server, str], client: HttpWebServiceClient
) -> None:
    server, base = tls
    with pytest.raises(RetryableError, match="failed: SSLCertVerificationError"):
        client.call(_request(base))
    assert server.seen == []
    assert client.call(_request(base, verify_tls=False)).status == 201
    assert len(server.seen) == 1


def test_requests_that_cannot_be_made_are_permanent(
    plain: tuple[_Server, str], client: HttpWebServiceClient
) -> None:
    server, base = plain
    with pytest.raises(PermanentError, match="cannot be sent"):
        client.call(_request(base, headers={"X-Note": "two\nlines"}))
    with pytest.raises(PermanentError, match="not below the registered base URL"):
        client.call(_request(base, url="http://elsewhere.example/erp/orders"))
    assert server.seen == []


def test_an_environment_proxy_hands_the_calls_to_httpx(
    plain: tuple[_Server, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    server, proxy = plain
    monkeypatch.setenv("HTTP_PROXY", proxy)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    proxied = HttpWebServiceClient(SecretStore(environ={}))
    try:
        # The recorder plays the proxy: a proxied request names the whole URL of the real target.
        answer = proxied.call(_request("http://erp.invalid"))
    finally:
        proxied.close()
    assert answer.status == 201
    assert server.seen[0][2] == "http://erp.invalid/erp/orders?a=1+2"
