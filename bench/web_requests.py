"""Web requests under load: ticket create through the REST API, dialog submit through the agent web form.

``ticketflow serve`` runs as a subprocess (default settings, a free port on 127.0.0.1) against a fresh
database: a migrated SQLite file, resp. a PostgreSQL database created on the server for the run and
dropped afterwards; ``ticketflow demo load`` fills it. ``CLIENTS`` clients, each with a keep-alive
connection of its own, send requests back to back (coroutines of ``lean_http`` in one thread: httpx
with a thread per client took four to six times as much of the shared cores' CPU per request, from
the server being measured; the client's CPU per request is reported):

- *ticket create*: ``POST /api/v1/tickets`` (queue Management, customer alice, a first article) with a
  Bearer token of the demo agent ``manager`` (``ticketflow token create``); 201 expected.
- *dialog submit*: the manager signed in through ``/sign-in`` (one session per client, outside the
  timing), the CSRF token read from the ``decide`` dialog's form, then ``POST
  /agent/tickets/{id}/dialogs/decide`` (``approved``) — each on a ticket of its own waiting at the
  purchase request's Manager approval (one made through the API, cloned in bulk before the timing); 303
  expected (the redirect is not followed).

Each: a warm-up, then ``REPS`` timed windows of ``SECONDS``; requests/s per window (median [min–max])
and latency per request over all timed windows (median / p90 / p99 [min–max], ms). Also the server's
CPU time per request (its processes' user + system time over the whole load, from /proc): steadier
than requests/s on a shared machine, and it counts what threads cost the server (GIL hand-overs).

Run: .venv/bin/python bench/web_requests.py   [--quick] [--only sqlite|postgres] [--workers N]
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
from sqlalchemy import Engine, create_engine, func, select

from benchkit import (
    POSTGRES_SERVER,
    REPO,
    latency_text,
    machine,
    postgres_database,
    rate_text,
    sqlite_database,
    summarize,
    write_result,
)
from lean_http import Connection
from ticketflow.db.tables import ticket_field_values, tickets

CLIENTS = 16
AGENT, PASSWORD = "manager", "manager-demo1"
TARGETS = {"p99_ms": 100.0, "requests_per_s": 300.0}
TICKETFLOW = str(Path(sys.executable).with_name("ticketflow"))
NEW_TICKET = {
    "title": "Bench: a new keyboard",
    "queue": "Management",
    "customer_user": "alice",
    "article": {"subject": "New keyboard", "body": "The old one lost its E key.", "channel": "Phone"},
}
PURCHASE = {
    "title": "Bench: two monitors",
    "customer_user": "alice",
    "process": "purchase-request",
    "start_values": {
        "Title": "Bench: two monitors",
        "DynamicField_PurchaseItems": "2 x 27-inch monitor",
        "DynamicField_PurchaseCategory": "hardware",
        "DynamicField_PurchaseAmount": "598.00",
        "DynamicField_PurchaseJustification": "The designers share one screen.",
    },
}


@dataclass(frozen=True)
class Plan:
    reps: int
    seconds: float
    warmup: float
    timeout: float = 10.0  # per request


# ------------------------------------------------------------------------------------------ databases


def cli(url: str, *args: str) -> str:
    """Run ``ticketflow ARGS`` against ``url``; its standard output."""
    env = {**os.environ, "TICKETFLOW_DATABASE_URL": url}
    done = subprocess.run(
        [TICKETFLOW, *args], env=env, cwd=REPO, capture_output=True, text=True, timeout=300, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"ticketflow {' '.join(args)} failed: {done.stderr[-2000:]}")
    return done.stdout


def prepare(url: str) -> tuple[str, str]:
    """Migrate, load the demo; read/write API tokens of the manager and of the buyer."""
    cli(url, "db", "migrate")
    cli(url, "demo", "load")
    return api_token(url, AGENT), api_token(url, "buyer")


def api_token(url: str, login: str) -> str:
    out = cli(url, "token", "create", login, "--name", "bench", "--scope", "read", "--scope", "write")
    found = re.search(r"\btf_\S+", out)
    if not found:
        raise RuntimeError(f"no token in: {out}")
    return found.group(0)


def store_engine(url: str) -> Engine:
    return create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))


def clone_ticket(engine: Engine, template_id: int, count: int, prefix: str = "BW") -> list[int]:
    """``count`` copies of ticket ``template_id`` (row and dynamic fields), inserted in bulk; their ids."""
    with engine.begin() as connection:
        row = dict(connection.execute(select(tickets).where(tickets.c.id == template_id)).mappings().one())
        fields = [
            dict(r)
            for r in connection.execute(
                select(ticket_field_values).where(ticket_field_values.c.ticket_id == template_id)
            ).mappings()
        ]
        for field in fields:
            field.pop("id", None)
        first = int(connection.execute(select(func.max(tickets.c.id))).scalar_one()) + 1
        batch = 5_000
        for start in range(0, count, batch):
            ids = range(first + start, first + min(count, start + batch))
            connection.execute(
                tickets.insert(), [row | {"id": i, "number": f"{prefix}{i:012d}"} for i in ids]
            )
            if fields:
                connection.execute(
                    ticket_field_values.insert(), [f | {"ticket_id": i} for i in ids for f in fields]
                )
    if engine.dialect.name == "postgresql":  # the store's next ids come from the sequence
        with engine.begin() as connection:
            connection.exec_driver_sql(
                "SELECT setval(pg_get_serial_sequence('tickets', 'id'), max(id)) FROM tickets"
            )
    return list(range(first, first + count))


# ------------------------------------------------------------------------------------------ the server


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def server(url: str, command: list[str] | None = None, options: tuple[str, ...] = ()) -> Iterator[str]:
    """``ticketflow serve [OPTIONS]`` on a free loopback port until the block ends; its base URL."""
    with serving(url, command, options) as (base, _):
        yield base


def process_tree_cpu(pid: int) -> float:
    """User + system CPU seconds of process ``pid`` and its descendants (Linux /proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total, pending = 0.0, [pid]
    while pending:
        current = pending.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
            for task in Path(f"/proc/{current}/task").iterdir():
                pending += [int(child) for child in (task / "children").read_text().split()]
        except (FileNotFoundError, ProcessLookupError):
            continue  # ended meanwhile
    return total


def postgres_cpu() -> float:
    """User + system CPU seconds of the machine's PostgreSQL processes (backends, WAL writer,
    checkpointer …). The server is this machine's; the other databases on it sit idle meanwhile."""
    ticks, total = os.sysconf("SC_CLK_TCK"), 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            command, fields = stat.read_text().split(" (", 1)[1].rsplit(")", 1)
        except (FileNotFoundError, ProcessLookupError, IndexError):
            continue
        if command == "postgres":
            numbers = fields.split()
            total += (int(numbers[11]) + int(numbers[12])) / ticks
    return total


@contextmanager
def serving(
    url: str, command: list[str] | None = None, options: tuple[str, ...] = ()
) -> Iterator[tuple[str, int]]:
    """As ``server``, with the server's process id."""
    port = free_port()
    env = {**os.environ, "TICKETFLOW_DATABASE_URL": url}
    argv = [*(command or [TICKETFLOW]), "serve", "--host", "127.0.0.1", "--port", str(port), *options]
    process = subprocess.Popen(
        argv, env=env, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(
                    f"the server ended: {process.stderr.read().decode()[-2000:] if process.stderr else ''}"
                )
            try:
                if httpx.get(f"{base}/sign-in", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the server did not answer within 60 s")
            time.sleep(0.2)
        yield base, process.pid
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        if process.stderr:
            process.stderr.close()


def csrf_of(html: str) -> str:
    return html.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]


def signed_in(base: str, login: str = AGENT, password: str = PASSWORD) -> httpx.Client:
    """An httpx client with an agent session (keep-alive, redirects not followed)."""
    client = httpx.Client(base_url=base, timeout=30)
    form = client.get("/sign-in")
    answer = client.post(
        "/sign-in", data={"login": login, "password": password, "csrf_token": csrf_of(form.text), "next": ""}
    )
    if answer.status_code != 303:
        raise RuntimeError(f"sign-in failed: {answer.status_code} {answer.text[:300]}")
    return client


# ------------------------------------------------------------------------------------------ load


Request = Callable[[Connection], Awaitable[bool]]  # sends one request; False when nothing was left to do


def load(
    connections: list[Connection],
    request: Request,
    plan: Plan,
    server_cpu: Callable[[], float],
    database_cpu: Callable[[], float],
) -> dict[str, Any]:
    """Every client a coroutine with a connection of its own, back to back until the last window ends."""
    records: list[list[tuple[float, float]]] = [[] for _ in connections]

    async def run(index: int, stop: float) -> None:
        connection, mine = connections[index], records[index]
        while True:
            started = time.perf_counter()
            if started >= stop or not await request(connection):
                return
            ended = time.perf_counter()
            mine.append((ended, ended - started))

    async def all_clients() -> tuple[float, float, float, float]:
        cpu_before, client_cpu_before, database_cpu_before = server_cpu(), time.process_time(), database_cpu()
        begin = time.perf_counter()
        stop = begin + plan.warmup + plan.reps * plan.seconds
        try:
            await asyncio.gather(*(run(i, stop) for i in range(len(connections))))
        finally:
            for connection in connections:
                await connection.close()
        return (
            begin,
            server_cpu() - cpu_before,
            time.process_time() - client_cpu_before,
            database_cpu() - database_cpu_before,
        )

    begin, cpu_seconds, client_cpu_seconds, database_cpu_seconds = asyncio.run(all_clients())
    timed_from = begin + plan.warmup
    rates, latencies = [], []
    for rep in range(plan.reps):
        lo, hi = timed_from + rep * plan.seconds, timed_from + (rep + 1) * plan.seconds
        done = [lat for mine in records for ended, lat in mine if lo <= ended < hi]
        rates.append(len(done) / plan.seconds)
        latencies += [lat * 1000 for lat in done]
    if not latencies:
        raise RuntimeError("no request completed in the timed windows")
    requests = max(1, sum(len(mine) for mine in records))
    return {
        "clients": len(connections),
        "requests_per_s": summarize(rates, "requests/s"),
        "latency_ms": summarize(latencies, "ms"),
        "requests": requests,
        "server_cpu_ms_per_request": 1000 * cpu_seconds / requests,
        "client_cpu_ms_per_request": 1000 * client_cpu_seconds / requests,
        "database_cpu_ms_per_request": 1000 * database_cpu_seconds / requests,
    }


def create_load(
    base: str, token: str, plan: Plan, server_cpu: Callable[[], float], database_cpu: Callable[[], float]
) -> dict[str, Any]:
    body = json.dumps(NEW_TICKET).encode()

    async def create(connection: Connection) -> bool:
        answer = await asyncio.wait_for(
            connection.request("POST", "/api/v1/tickets", body, "application/json"), plan.timeout
        )
        if answer.status != 201:
            raise RuntimeError(f"create answered {answer.status}: {answer.text()[:300]}")
        return True

    connections = [Connection(base, {"Authorization": f"Bearer {token}"}) for _ in range(CLIENTS)]
    return load(connections, create, plan, server_cpu, database_cpu)


def dialog_load(
    url: str,
    base: str,
    buyer: str,
    plan: Plan,
    capacity: int,
    server_cpu: Callable[[], float],
    database_cpu: Callable[[], float],
) -> dict[str, Any]:
    """The purchase request is started by the buyer (the manager may not create in Purchasing)."""
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {buyer}"}, timeout=30) as api:
        answer = api.post("/api/v1/tickets", json=PURCHASE)
        if answer.status_code != 201:
            raise RuntimeError(f"purchase request answered {answer.status_code}: {answer.text[:300]}")
        template = answer.json()
    activity = (template.get("process") or {}).get("activity_key")
    if activity != "approval":
        raise RuntimeError(f"the purchase request waits at {activity!r}, not at the approval: {template}")
    engine = store_engine(url)
    try:
        ids = clone_ticket(engine, int(template["id"]), capacity)
        with engine.connect() as database:
            version = database.execute(select(tickets.c.version).where(tickets.c.id == ids[0])).scalar_one()
    finally:
        engine.dispose()
    form_path = f"/agent/tickets/{template['id']}/dialogs/decide"
    connections, tokens = [], {}
    for _ in range(CLIENTS):  # a session and its CSRF token per client, made with httpx outside the timing
        client = signed_in(base)
        try:
            form = client.get(form_path)
            if form.status_code != 200:
                raise RuntimeError(f"the dialog form answered {form.status_code}")
            cookie = "; ".join(f"{c.name}={c.value}" for c in client.cookies.jar)
        finally:
            client.close()
        client_connection = Connection(base, {"Cookie": cookie})
        connections.append(client_connection)
        tokens[id(client_connection)] = csrf_of(form.text)
    next_id = iter(ids)
    exhausted = [False]

    async def submit(connection: Connection) -> bool:
        ticket_id = next(next_id, None)
        if ticket_id is None:
            exhausted[0] = True
            return False
        fields = {
            "csrf_token": tokens[id(connection)],
            "version": str(version),
            "DynamicField_PurchaseApproval": "approved",
            "Subject": "",
            "Body": "",
        }
        answer = await asyncio.wait_for(
            connection.request(
                "POST",
                f"/agent/tickets/{ticket_id}/dialogs/decide",
                urlencode(fields).encode(),
                "application/x-www-form-urlencoded",
            ),
            plan.timeout,
        )
        if answer.status != 303:
            raise RuntimeError(f"submit answered {answer.status}: {answer.text()[:300]}")
        return True

    result = load(connections, submit, plan, server_cpu, database_cpu)
    if exhausted[0]:
        raise RuntimeError(f"the {capacity} seeded tickets ran out: seed more")
    return result | {"seeded_tickets": capacity}


def measure(url: str, plan: Plan, capacity: int, options: tuple[str, ...] = ()) -> dict[str, Any]:
    token, buyer = prepare(url)
    with serving(url, options=options) as (base, pid):
        cpu = functools.partial(process_tree_cpu, pid)
        database = postgres_cpu if url.startswith("postgresql") else lambda: 0.0
        create = create_load(base, token, plan, cpu, database)
        dialog = dialog_load(url, base, buyer, plan, capacity, cpu, database)
    return {"ticket_create_api": create, "dialog_submit_form": dialog}


def verdict(result: dict[str, Any]) -> bool:
    return (
        result["latency_ms"]["p99"] < TARGETS["p99_ms"]
        and result["requests_per_s"]["median"] >= TARGETS["requests_per_s"]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--only", choices=["sqlite", "postgres"])
    parser.add_argument("--workers", type=int, help="serve --workers N (default: serve's own default)")
    args = parser.parse_args()
    options = ("--workers", str(args.workers)) if args.workers else ()
    plan = Plan(reps=3, seconds=1.0, warmup=1.0) if args.quick else Plan(reps=5, seconds=5.0, warmup=3.0)
    capacity = int((plan.warmup + plan.reps * plan.seconds) * 1500)  # far more than submits can happen
    scenarios: dict[str, Any] = {}
    databases: list[tuple[str, Callable[[], Any]]] = [
        ("sqlite", sqlite_database),
        ("postgres", postgres_database),
    ]
    for name, database in databases:
        if args.only not in (None, name):
            continue
        with database() as url:
            if url is None:
                print(f"{name}: skipped, no server at {POSTGRES_SERVER}")
                scenarios[name] = {"skipped": f"no server at {POSTGRES_SERVER}"}
                continue
            load_before = os.getloadavg()
            scenarios[name] = measure(url, plan, capacity, options)
            scenarios[name]["load_average_before_after"] = [list(load_before), list(os.getloadavg())]
        for kind, label in (
            ("ticket_create_api", "ticket create (API)"),
            ("dialog_submit_form", "dialog submit (form)"),
        ):
            run = scenarios[name][kind]
            print(
                f"{name:8} {label:22} {CLIENTS} clients: {rate_text(run['requests_per_s'])} requests/s;"
                f" latency ms {latency_text(run['latency_ms'])};"
                f" server CPU {run['server_cpu_ms_per_request']:.2f} ms/request;"
                f" client CPU {run['client_cpu_ms_per_request']:.2f},"
                f" PostgreSQL CPU {run['database_cpu_ms_per_request']:.2f} ms/request;"
                f" target p99 < {TARGETS['p99_ms']:.0f} ms and ≥ {TARGETS['requests_per_s']:.0f}/s:"
                f" {'met' if verdict(run) else 'MISSED'}"
            )
    path = write_result(
        "web_requests",
        {
            "quick": args.quick,
            "plan": {"reps": plan.reps, "seconds": plan.seconds, "warmup": plan.warmup, "clients": CLIENTS},
            "serve_options": list(options),
            "targets": TARGETS,
            "scenarios": scenarios,
            "machine": machine(),
        },
    )
    print(f"wrote {path.relative_to(REPO)}")


if __name__ == "__main__":
    main()
