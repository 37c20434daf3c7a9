"""Real servers on 127.0.0.1 for the outbound tests: an HTTP service with modes, and aiosmtpd.

``FakeService`` answers every request by the first path segment after ``/erp`` or the mode set
with ``service.mode``: ``ok`` (201 with an order), ``slow`` (sleeps ``delay`` seconds), ``fail``
(a fixed status, 500 by default), ``flaky`` (fails ``failures`` times then answers), ``throttle``
(429 with Retry-After). It records every request (method, path, query, headers, JSON body) and
counts them per Idempotency-Key.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import Envelope, Session


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: Any


@dataclass
class FakeService:
    mode: str = "ok"
    status: int = 500
    delay: float = 0.0
    failures: int = 0
    retry_after: str = "7"
    requests: list[Seen] = field(default_factory=list)
    keys: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, seen: Seen) -> tuple[int, dict[str, str], bytes]:
        with self.lock:
            self.requests.append(seen)
            key = seen.headers.get("idempotency-key", "")
            self.keys[key] += 1
            mode, count = self.mode, self.keys[key]
        if mode == "slow":
            time.sleep(self.delay)
        if mode == "fail" or (mode == "flaky" and count <= self.failures):
            return self.status, {}, json.dumps({"error": "no"}).encode()
        if mode == "throttle":
            return 429, {"Retry-After": self.retry_after}, b'{"error": "slow down"}'
        order = {"order": {"id": f"PO-{key or 'x'}", "status": "created"}, "echo": seen.body}
        return 201, {}, json.dumps(order).encode()


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        body = json.loads(raw) if raw else None
        headers = {k.lower(): v for k, v in self.headers.items()}
        status, extra, payload = self.server.service.answer(Seen(self.command, self.path, headers, body))
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            for key, value in extra.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout test)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve  # noqa: N815

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    service: FakeService


class RunningService:
    """A ``FakeService`` served on a free port until ``close()``."""

    def __init__(self) -> None:
        self.service = FakeService()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.service = self.service
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)


class MailBox:
    """aiosmtpd handler: keeps every envelope; ``refuse`` makes RCPT answer with that reply."""

    def __init__(self) -> None:
        self.envelopes: list[Envelope] = []
        self.refuse: str | None = None

    async def handle_RCPT(  # noqa: N802
        self, server: Any, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if self.refuse:
            return self.refuse
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Session, envelope: Envelope) -> str:  # noqa: N802
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


class RunningSmtp:
    def __init__(self) -> None:
        self.mailbox = MailBox()
        # aiosmtpd cannot start on port 0 (it connects to itself to check): pick a free port first.
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = int(probe.getsockname()[1])
        self._controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def close(self) -> None:
        self._controller.stop()
