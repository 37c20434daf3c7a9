"""The web layer's own cost per request, in process: no network, no other client, one request at a time.

The app (``create_app``, default settings) runs on a migrated SQLite file with the demo loaded; requests
are handed to it as ASGI calls in one event loop. Measured, each over ``N`` requests after a warm-up:
the process's CPU time per request (all threads; steady on a shared machine) and the wall time, µs:

- ``GET /health`` — the framework alone (routing, middleware, JSON);
- ``GET /api/v1/tickets/{id}`` with a Bearer token — token lookup, permissions, one ticket read;
- ``POST /api/v1/tickets`` (a first article, no process: the engine does not run) — and the same
  create called as a use case (``access.create_ticket``) without HTTP: the difference is the web
  layer's share of the create path;
- ``POST /agent/tickets/{id}/dialogs/decide`` (the form, session cookie, CSRF) — and
  ``dialog_access.submit_dialog`` alone: the difference is the form path's web share (session, CSRF, form
  parsing, the dialog lookup, the redirect).

Also counted per request: SQL statements and transactions, and how many of those take SQLite's write
lock (which every writer of the process queues for).

``--profile NAME`` runs one of them under cProfile instead (endpoints run in the event loop's thread
so that their work is in the profile) and prints the functions with the most cumulative time.

``--instructions NAME …`` counts the instructions per request with valgrind's callgrind instead: each
scenario in a child process whose set-up and warm-up run uninstrumented (``--instr-atstart=no``),
switched on by ``callgrind_control`` for the timed requests only. Deterministic within a few percent
(caches with a time to live refill now and then), unlike CPU times on a shared machine; it counts user
space only, so a thread hand-over (a futex wait, a wake-up) counts less than it costs.

Run: .venv/bin/python bench/web_overhead.py
       [--quick] [--profile NAME [--sort tottime] | --instructions NAME …]
     (NAME: health get create create_usecase dialog dialog_usecase)
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import pstats
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import fastapi.dependencies.utils
import fastapi.routing
from sqlalchemy import event

import ticketflow.web.deps
import ticketflow.web.routing
from benchkit import REPO, machine, sqlite_database, summarize, write_result
from ticketflow.config import Settings
from ticketflow.db.connect import SQLITE_READ_ONLY
from ticketflow.domain.definitions import Interface
from ticketflow.usecases import access, dialog_access, principals
from ticketflow.usecases.callers import Caller
from ticketflow.usecases.tickets import TicketInput
from ticketflow.web.app import create_app
from web_requests import AGENT, NEW_TICKET, PURCHASE, clone_ticket, prepare, store_engine

Headers = dict[str, str]


class Asgi:
    """Hands requests to an ASGI app as a server does: one event loop under one long-lived root task,
    in a thread of its own (the caller waits for each answer). anyio keeps its worker threads for as
    long as the root task runs; with one ``run_until_complete`` per request, as this harness first
    did, every request to a blocking endpoint started a new thread. The hand-over from the caller's
    thread to the loop's is in every request's figures alike (``health`` shows it with the framework).

    ``in_caller_thread``: the loop runs in the caller's thread, a root task per request (for cProfile,
    which sees one thread; see ``in_loop_thread``)."""

    def __init__(self, app: Any, *, in_caller_thread: bool = False) -> None:
        self.app = app
        self.loop = asyncio.new_event_loop()
        self._in_caller_thread = in_caller_thread
        if not in_caller_thread:
            running = threading.Event()
            threading.Thread(target=self._serve, args=(running,), name="asgi-loop", daemon=True).start()
            running.wait()

    def _serve(self, running: threading.Event) -> None:
        async def root() -> None:
            running.set()
            await asyncio.Event().wait()  # until the process ends

        self.loop.run_until_complete(root())

    def request(
        self, method: str, path: str, headers: Headers | None = None, body: bytes = b""
    ) -> tuple[int, dict[str, str], bytes]:
        call = self._call(method, path, headers or {}, body)
        if self._in_caller_thread:
            return self.loop.run_until_complete(call)
        return asyncio.run_coroutine_threadsafe(call, self.loop).result()

    async def _call(
        self, method: str, path: str, headers: Headers, body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        raw_path, _, query = path.partition("?")
        all_headers = {"host": "bench", "content-length": str(len(body)), **headers}
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": method,
            "scheme": "http",
            "path": raw_path,
            "raw_path": raw_path.encode(),
            "query_string": query.encode(),
            "root_path": "",
            "headers": [(k.lower().encode(), v.encode()) for k, v in all_headers.items()],
            "client": ("127.0.0.1", 50000),
            "server": ("127.0.0.1", 8000),
            "state": {},
        }
        sent = False
        status, answer_headers, chunks = 0, {}, []

        async def receive() -> dict[str, Any]:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            await asyncio.sleep(3600)
            return {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            nonlocal status, answer_headers
            if message["type"] == "http.response.start":
                status = message["status"]
                answer_headers = {k.decode(): v.decode() for k, v in message.get("headers", [])}
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, send)
        return status, answer_headers, b"".join(chunks)


def timed(call: Callable[[], object], count: int, warmup: int) -> dict[str, Any]:
    """Wall time and CPU time of the process (all threads) per call, µs. CPU time is the steadier
    figure on a shared machine: other processes' load stretches the wall time, not the work done."""
    for _ in range(warmup):
        call()
    wall, cpu = [], []
    for _ in range(count):
        started, started_cpu = time.perf_counter_ns(), time.process_time_ns()
        call()
        cpu.append((time.process_time_ns() - started_cpu) / 1000)
        wall.append((time.perf_counter_ns() - started) / 1000)
    return {"wall": summarize(wall, "µs"), "cpu": summarize(cpu, "µs")}


class Statements:
    """Counts SQL statements and transactions (writing ones: those taking SQLite's write lock) on an
    engine: deterministic, unlike times on a shared machine."""

    def __init__(self, engine: Any) -> None:
        self.statements = self.transactions = self.writing = 0
        event.listen(engine, "before_cursor_execute", self._statement)
        event.listen(engine, "begin", self._begin)

    def _statement(self, *_: Any) -> None:
        self.statements += 1

    def _begin(self, connection: Any) -> None:
        self.transactions += 1
        self.writing += not connection.get_execution_options().get(SQLITE_READ_ONLY, False)

    def per_call(self, call: Callable[[], object]) -> dict[str, int]:
        before = (self.statements, self.transactions, self.writing)
        call()
        after = (self.statements, self.transactions, self.writing)
        names = ("statements", "transactions", "writing_transactions")
        return {name: b - a for name, a, b in zip(names, before, after, strict=True)}


def in_loop_thread() -> None:
    """Run sync endpoints and dependencies in the event loop's thread (for cProfile only)."""

    async def direct(call: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        return call(*args, **kwargs)

    fastapi.routing.run_in_threadpool = direct  # type: ignore[assignment]
    fastapi.dependencies.utils.run_in_threadpool = direct  # type: ignore[assignment]
    ticketflow.web.routing.run_in_threadpool = direct  # type: ignore[assignment]
    ticketflow.web.deps.run_in_threadpool = direct  # type: ignore[assignment]


def scenarios(
    url: str, count: int, *, in_caller_thread: bool = False
) -> tuple[dict[str, Callable[[], object]], Statements]:
    """The requests (and the use-case calls beside them), ready to be called again and again."""
    token, buyer = prepare(url)
    app = create_app(Settings(database_url=url))
    client = Asgi(app, in_caller_thread=in_caller_thread)
    application = app.state.application
    bearer = {"authorization": f"Bearer {token}"}
    as_json = {**bearer, "content-type": "application/json"}
    body = json.dumps(NEW_TICKET).encode()

    status, _, created = client.request("POST", "/api/v1/tickets", as_json, body)
    assert status == 201, created
    ticket_id = json.loads(created)["id"]
    status, _, started = client.request(
        "POST",
        "/api/v1/tickets",
        {"authorization": f"Bearer {buyer}", "content-type": "application/json"},
        json.dumps(PURCHASE).encode(),
    )
    assert status == 201, started
    engine = store_engine(url)
    try:
        waiting = iter(clone_ticket(engine, json.loads(started)["id"], 2 * count + 1000))
    finally:
        engine.dispose()

    session = app.state.auth.create_session(Caller(AGENT, Interface.AGENT), client="bench")
    session_id, record = session
    cookie = {"cookie": f"tf_session={session_id}", "content-type": "application/x-www-form-urlencoded"}
    form = {"csrf_token": app.state.auth.csrf_token_for(record), "DynamicField_PurchaseApproval": "approved"}
    form_body = urlencode({**form, "Subject": "", "Body": ""}).encode()
    principal = principals.load_principal(application.uow, Caller(AGENT, Interface.AGENT))
    ticket_input = TicketInput(
        {"Title": NEW_TICKET["title"], "Queue": "Management", "CustomerUserID": "alice"}, None
    )

    def expect(status_wanted: int, answer: tuple[int, dict[str, str], bytes]) -> None:
        if answer[0] != status_wanted:
            raise RuntimeError(f"answered {answer[0]}: {answer[2][:300]!r}")

    statements = Statements(application.engine)
    calls: dict[str, Callable[[], object]] = {
        "health": lambda: expect(200, client.request("GET", "/health")),
        "get": lambda: expect(200, client.request("GET", f"/api/v1/tickets/{ticket_id}", bearer)),
        "create": lambda: expect(201, client.request("POST", "/api/v1/tickets", as_json, body)),
        "create_usecase": lambda: access.create_ticket(
            application.uow, application.runtime, principal, ticket_input, now=datetime.now(UTC)
        ),
        "dialog": lambda: expect(
            303,
            client.request("POST", f"/agent/tickets/{next(waiting)}/dialogs/decide", cookie, form_body),
        ),
        "dialog_usecase": lambda: dialog_access.submit_dialog(
            application.uow,
            application.runtime,
            principal,
            next(waiting),
            "decide",
            {"DynamicField_PurchaseApproval": "approved", "Subject": "", "Body": ""},
            now=datetime.now(UTC),
        ),
    }
    return calls, statements


SCENARIOS = ("health", "get", "create", "create_usecase", "dialog", "dialog_usecase")


def instructions_per_request(name: str, count: int) -> float:
    """Run ``name`` ``count`` times in a child under callgrind, instrumented only while timed."""
    with tempfile.TemporaryDirectory() as directory:
        out = Path(directory) / "callgrind.out"
        child = subprocess.Popen(
            [
                "valgrind",
                "--tool=callgrind",
                "--instr-atstart=no",
                f"--callgrind-out-file={out}",
                sys.executable,
                __file__,
                "--instrumented-child",
                name,
                str(count),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert child.stdin is not None
        assert child.stdout is not None
        if child.stdout.readline().strip() != "ready":
            raise RuntimeError(f"{name}: the child did not get ready")
        subprocess.run(["callgrind_control", "--instr=on", str(child.pid)], check=True, capture_output=True)
        child.stdin.write("go\n")
        child.stdin.flush()
        if child.stdout.readline().strip() != "done":
            raise RuntimeError(f"{name}: the child did not finish")
        subprocess.run(["callgrind_control", "--instr=off", str(child.pid)], check=True, capture_output=True)
        child.stdin.close()
        child.wait(timeout=600)
        totals = [
            int(line.split()[1])
            for dump in Path(directory).glob("callgrind.out*")
            for line in dump.read_text().splitlines()
            if line.startswith(("summary:", "totals:"))
        ]
    return max(totals) / count


def instrumented_child(name: str, count: int) -> None:
    """The child of ``instructions_per_request``: set up, warm up, wait for the go, run, report."""
    with sqlite_database() as url:
        assert url is not None
        call = scenarios(url, 3 * count + 100)[0][name]
        for _ in range(20):
            call()
        print("ready", flush=True)
        sys.stdin.readline()
        for _ in range(count):
            call()
        print("done", flush=True)
        sys.stdin.read()  # until the parent has switched instrumentation off


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--profile", choices=["health", "get", "create", "dialog"])
    parser.add_argument(
        "--sort", choices=["cumulative", "tottime"], default="cumulative", help="with --profile: the order"
    )
    parser.add_argument("--instructions", nargs="+", choices=SCENARIOS, metavar="NAME")
    parser.add_argument("--instrumented-child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.instrumented_child:
        instrumented_child(args.instrumented_child[0], int(args.instrumented_child[1]))
        return
    if args.instructions:
        for name in args.instructions:
            print(f"{name:16} {instructions_per_request(name, 50):12,.0f} instructions per request")
        return
    count, warmup = (200, 50) if args.quick else (1000, 200)
    with sqlite_database() as url:
        assert url is not None
        if args.profile:
            in_loop_thread()
        calls, statements = scenarios(url, count + warmup + 1, in_caller_thread=bool(args.profile))
        if args.profile:
            call = calls[args.profile]
            for _ in range(warmup):
                call()
            profiler = cProfile.Profile()
            profiler.runcall(lambda: [call() for _ in range(count)])
            pstats.Stats(profiler).sort_stats(args.sort).print_stats(45)
            return
        results = {
            name: timed(call, count, warmup) | statements.per_call(call) for name, call in calls.items()
        }
    for name, result in results.items():
        cpu, wall = result["cpu"], result["wall"]
        print(
            f"{name:16} CPU median {cpu['median']:7.0f} µs p90 {cpu['p90']:7.0f};"
            f" wall median {wall['median']:7.0f} µs p99 {wall['p99']:7.0f};"
            f" {result['statements']} SQL statements in {result['transactions']} transactions"
            f" ({result['writing_transactions']} writing)"
        )
    for name in ("create", "dialog"):
        share = results[name]["cpu"]["median"] - results[f"{name}_usecase"]["cpu"]["median"]
        print(f"{name:16} web share of the CPU (median difference): {share:.0f} µs")
    path = write_result(
        "web_overhead", {"quick": args.quick, "requests": count, "results": results, "machine": machine()}
    )
    print(f"wrote {path.relative_to(REPO)}")


if __name__ == "__main__":
    main()
