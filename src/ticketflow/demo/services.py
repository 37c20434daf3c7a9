"""Stand-ins for the demo's external systems (ERP, Directory, Deploy) so the demo processes run to the end.

`make run` starts them on 127.0.0.1:8089 beside the web server and the worker, with a mailbox on
127.0.0.1:8025 that keeps the notifications as files under ``var/mail/``. They answer like the
real systems would for the demo's invokers, and honour ``Idempotency-Key`` the way a careful remote
system does: a repeated key gets the first answer again, so a retried call creates nothing twice.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

DEMO_SERVICES_PORT = 8089

Answer = Callable[[int, dict[str, Any]], dict[str, Any]]

# route → how to answer the n-th new request with its JSON body
_ROUTES: dict[str, Answer] = {
    "/erp/orders": lambda n, body: {"order": {"id": f"PO-{26000 + n}", "status": "created"}},
    "/directory/accounts": lambda n, body: {
        "account": {
            "name": str(body.get("Login") or body.get("Name") or f"user{n}").lower().replace(" ", ".")
        }
    },
    "/deploy/deployments": lambda n, body: {"deployment": {"id": f"DEP-{n:04d}", "status": "succeeded"}},
}


class DemoServices:
    """The three demo systems in one HTTP server; ``calls`` counts new (not repeated) requests."""

    def __init__(self, host: str = "127.0.0.1", port: int = DEMO_SERVICES_PORT) -> None:
        self._answers: dict[str, tuple[int, bytes]] = {}
        self._lock = threading.Lock()
        self.calls = 0
        self.server = ThreadingHTTPServer((host, port), self._handler_class())

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        services = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                status, payload = services.answer(
                    self.path.split("?", 1)[0], self.rfile.read(length), self.headers.get("Idempotency-Key")
                )
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: Any) -> None:
                """Quiet: the worker's logs say what was called."""

        return Handler

    def answer(self, path: str, raw_body: bytes, key: str | None) -> tuple[int, bytes]:
        route = _ROUTES.get(path)
        if route is None:
            return 404, json.dumps({"error": f"no such endpoint {path}"}).encode()
        with self._lock:
            if key and key in self._answers:
                return self._answers[key]
            try:
                body = json.loads(raw_body or b"{}")
            except ValueError:
                return 400, b'{"error": "the body is not JSON"}'
            self.calls += 1
            result = (201, json.dumps(route(self.calls, body if isinstance(body, dict) else {})).encode())
            if key:
                self._answers[key] = result
            return result

    def serve_forever(self) -> None:
        self.server.serve_forever()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


DEMO_SMTP_PORT = 8025


class DemoMailbox:
    """An SMTP server for the demo that keeps every mail as a ``.eml`` file in ``folder`` instead of
    delivering it, so that notifications can be read without a real mail server."""

    def __init__(self, folder: Path, host: str = "127.0.0.1", port: int = DEMO_SMTP_PORT) -> None:
        from aiosmtpd.controller import Controller

        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        self.received = 0
        self._controller = Controller(self, hostname=host, port=port)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's hook
        self.received += 1
        content = envelope.original_content or envelope.content
        (self.folder / f"{self.received:05d}.eml").write_bytes(
            content if isinstance(content, bytes) else str(content).encode()
        )
        return "250 kept in the demo mailbox"

    def start(self) -> None:
        self._controller.start()

    def close(self) -> None:
        self._controller.stop()
