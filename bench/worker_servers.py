"""The remote ends of the worker benchmark, each run in a process of its own (so that their Python
does not share a GIL with the bench's polling loop):

- ``http PORT``: a threaded stdlib HTTP/1.1 server (keep-alive) that answers every POST at once like
  the demo ERP, ``201 {"order": {"id": "PO-<Idempotency-Key>", "status": "created"}}``;
- ``smtp PORT``: aiosmtpd accepting every mail and counting them (the count is not needed for
  timing — the jobs table is — but a mail that was not accepted would make its job retry).

Both print ``ready`` on stdout once they listen and run until killed.

Run: .venv/bin/python bench/worker_servers.py http|smtp PORT
"""

from __future__ import annotations

import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class _Handler(BaseHTTPRequestHandler):
    # HTTP/1.1 keeps the connection open between calls, as httpx's pool expects.
    protocol_version = "HTTP/1.1"
    # Headers and body leave in one segment, sent at once: with Nagle on, the body would wait for
    # the client's delayed ACK of the headers (~40 ms per request on a kept-alive connection).
    disable_nagle_algorithm = True
    wbufsize = 64 * 1024

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        key = self.headers.get("Idempotency-Key") or "x"
        payload = json.dumps({"order": {"id": f"PO-{key}", "status": "created"}}).encode()
        self.send_response(201)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)
        self.wfile.flush()

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: a line per request would cost more than the answer."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128


def serve_http(port: int) -> None:
    server = _Server(("127.0.0.1", port), _Handler)
    print("ready", flush=True)
    server.serve_forever(poll_interval=0.5)


def serve_smtp(port: int) -> None:
    from aiosmtpd.controller import Controller

    class Count:
        def __init__(self) -> None:
            self.mails = 0

        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd's name)
            self.mails += 1
            return "250 OK"

    controller = Controller(Count(), hostname="127.0.0.1", port=port)
    controller.start()
    print("ready", flush=True)
    threading.Event().wait()


def main() -> None:
    kind, port = sys.argv[1], int(sys.argv[2])
    if kind == "http":
        serve_http(port)
    elif kind == "smtp":
        serve_smtp(port)
    else:
        raise SystemExit(f"unknown server kind {kind!r}")


if __name__ == "__main__":
    main()
