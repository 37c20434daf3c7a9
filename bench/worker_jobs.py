"""The automation worker: service-task and e-mail jobs per second, and enqueue → start latency.

Everything is real and on loopback: ``ticketflow worker`` processes (the CLI, the real handlers of
``ticketflow.bootstrap.job_handlers`` restricted to the kind measured, see ``worker_handlers.py``),
an HTTP service that answers at once (``worker_servers.py http``: threaded stdlib server, HTTP/1.1
keep-alive, its own ceiling measured with a plain httpx loop), aiosmtpd for e-mail, a PostgreSQL
database created on the server for the run and dropped afterwards, a temporary SQLite file.

The data: the demo (``ticketflow.demo.load_demo``) with its ERP web service registered beforehand
pointing at the local service; one purchase request is created and approved through the use cases,
so that it waits at the ``order`` service task with the ``web_service`` job the engine queued. That
ticket (row and dynamic fields) is cloned for every job, and the job row is cloned with the clone's
ticket id — the rows the engine would have written for each ticket. Each job then runs the real
handler: read the ticket and the web service, build the request from the ticket, POST it (with its
``Idempotency-Key``), map the answer (``$.order.id`` → ``DynamicField_PurchaseOrderNumber``), and in
one transaction write the ServiceTask history and advance the engine (``ordered`` transition: a
history step, the position moves to ``delivery``), then the worker marks the job done.

Throughput: the workers are started and idle first; then a batch of N jobs is committed in one
transaction (one NOTIFY) and the time runs from that commit to the last job's ``finished_at``
(the jobs table is polled every 50 ms for completion, bounded in time). ``REPS`` batches per setting;
jobs/s as median [min–max]. E-mail: the same with the process's own notification job (``ask-manager``:
the "Approval needed" template rendered for the ticket's owner, sent to aiosmtpd, kept as an
article on the ticket). On PostgreSQL the service scenario runs once more with two workers started
with ``--durable-commits`` (every commit waits for the WAL flush), the price of the default's
asynchronous commit.

Latency: one idle worker process; a job at a time is committed, the next only after the
previous is done; latency = the attempt's ``started_at`` (the claim, just before the handler runs)
minus the job's ``created_at`` (just before the enqueue's commit). PostgreSQL wakes the worker with
LISTEN/NOTIFY; SQLite polls every 50 ms.

Run: .venv/bin/python bench/worker_jobs.py   [--quick] [--only sqlite|postgres]
"""

from __future__ import annotations

import argparse
import os
import random
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine, func, select

from benchkit import BENCH, REPO, latency_text, machine, rate_text, summarize, write_result
from durable_step import postgres_database, sqlite_database
from ticketflow.bootstrap import build_application
from ticketflow.config import Settings
from ticketflow.db.connect import create_engine_for
from ticketflow.db.migrate import upgrade
from ticketflow.db.seed import seed_defaults
from ticketflow.db.tables import (
    articles,
    job_attempts,
    jobs,
    ticket_field_values,
    ticket_history,
    tickets,
)
from ticketflow.demo import load_demo
from ticketflow.domain.definitions import Interface
from ticketflow.usecases.callers import Caller
from ticketflow.usecases.dialogs import submit_dialog
from ticketflow.usecases.tickets import TicketInput, create_ticket
from ticketflow.usecases.webservices import import_web_service

TARGETS = {"service_2_postgres": 500.0, "email": 200.0, "latency_ms": 50.0}
CONCURRENCY = 4  # threads per worker process: enough to overlap one job's HTTP wait with another's SQL
REQUEST = {
    "Title": "Two monitors for the design team",
    "DynamicField_PurchaseItems": "2 x 27-inch monitor",
    "DynamicField_PurchaseCategory": "hardware",
    "DynamicField_PurchaseAmount": "598.00",
    "DynamicField_PurchaseJustification": "The designers share one screen.",
}
DEADLINE = 300.0  # seconds any batch may take before the run gives up on it


@dataclass(frozen=True)
class Plan:
    reps: int
    jobs: int  # per throughput batch
    email_jobs: int
    latency_jobs: int
    workers: tuple[int, ...]  # process counts on PostgreSQL


FULL = Plan(reps=3, jobs=1500, email_jobs=800, latency_jobs=150, workers=(1, 2, 4))
QUICK = Plan(reps=3, jobs=300, email_jobs=200, latency_jobs=100, workers=(1, 2, 4))


# ------------------------------------------------------------------------------------- servers


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def server(kind: str) -> Iterator[int]:
    """``worker_servers.py kind`` in a process of its own; yields its port, kills it afterwards."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, str(BENCH / "worker_servers.py"), kind, str(port)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        if process.stdout.readline().strip() != "ready":
            raise RuntimeError(f"the {kind} server did not start")
        yield port
    finally:
        process.kill()
        process.wait(timeout=10)


def http_ceiling(port: int, seconds: float) -> dict[str, Any]:
    """Requests/s the HTTP server answers to plain httpx clients (keep-alive), 1 and 4 threads."""
    url = f"http://127.0.0.1:{port}/erp/orders"
    body = {"reference": "T1", "items": "2 x monitor", "amount": "598.00"}
    result: dict[str, Any] = {}
    for threads in (1, 4):
        counts = [0] * threads

        def loop(index: int, until: float, counts: list[int] = counts) -> None:
            with httpx.Client() as client:
                while time.perf_counter() < until:
                    client.post(url, json=body, headers={"Idempotency-Key": f"k{index}"}).raise_for_status()
                    counts[index] += 1

        rates = []
        for _ in range(3):
            counts[:] = [0] * threads
            started = time.perf_counter()
            running = [threading.Thread(target=loop, args=(i, started + seconds)) for i in range(threads)]
            for thread in running:
                thread.start()
            for thread in running:
                thread.join()
            rates.append(sum(counts) / (time.perf_counter() - started))
        result[f"{threads}_threads"] = summarize(rates, "requests/s")
    return result


# ------------------------------------------------------------------------------------- the data


def erp_document(base_url: str) -> dict[str, Any]:
    """The demo's ERP as an admin imports it: CreateOrder, a body from the ticket, the order number back."""
    return {
        "format": "ticketflow.webservice/1",
        "name": "ERP",
        "config": {
            "Description": "Places purchase orders with suppliers (the bench's local service)",
            "Requester": {
                "Transport": {
                    "Type": "HTTP::REST",
                    "Config": {
                        "Host": f"{base_url}/erp",
                        "DefaultCommand": "POST",
                        "Timeout": "5",
                        "InvokerControllerMapping": {
                            "CreateOrder": {"Command": "POST", "Controller": "/orders"}
                        },
                    },
                },
                "Invoker": {
                    "CreateOrder": {
                        "Type": "Generic::PassThrough",
                        "Events": [],
                        "MappingOutbound": {
                            "Type": "Template",
                            "Config": {
                                "Body": {
                                    "reference": "<OTOBO_PARAM_Reference>",
                                    "items": "<OTOBO_PARAM_Items>",
                                    "amount": "<OTOBO_PARAM_Amount>",
                                    "requester": "<OTOBO_CUSTOMER_DATA_UserEmail>",
                                }
                            },
                        },
                        "MappingInbound": {
                            "Type": "JSONPath",
                            "Config": {"DynamicField_PurchaseOrderNumber": "$.order.id"},
                        },
                    }
                },
            },
        },
    }


@dataclass(frozen=True)
class Template:
    ticket_id: int
    service_job: dict[str, Any]
    email_job: dict[str, Any]


def prepare(url: str, http_port: int) -> Template:
    """Schema, defaults, the ERP, the demo; one purchase request waiting at ``order``."""
    upgrade(url)
    application = build_application(Settings(database_url=url))
    now = datetime.now(UTC)
    try:
        with application.uow() as uow:
            seed_defaults(uow)
            uow.commit()
        import_web_service(application.uow, erp_document(f"http://127.0.0.1:{http_port}"))
        load_demo(application, now)
        ticket = create_ticket(
            application.uow,
            application.runtime,
            TicketInput(),
            caller=Caller("alice", Interface.CUSTOMER),
            now=now,
            process_key="purchase-request",
            start_values=REQUEST,
        )
        decided = submit_dialog(
            application.uow,
            application.runtime,
            ticket.id,
            "decide",
            {"DynamicField_PurchaseApproval": "approved"},
            caller=Caller("manager"),
            now=now,
        )
        assert decided.process is not None, decided
        assert decided.process.activity_key == "order", decided.process
    finally:
        application.close()
    engine = create_engine_for(url)
    try:
        with engine.begin() as connection:
            rows = [
                dict(r)
                for r in connection.execute(select(jobs).where(jobs.c.ticket_id == ticket.id)).mappings()
            ]
            # The template must keep waiting at ``order`` (its clones copy it): its own jobs never run.
            connection.execute(jobs.delete().where(jobs.c.ticket_id == ticket.id))
    finally:
        engine.dispose()
    service = next(r for r in rows if r["kind"] == "web_service")
    # The process's first notification (``ask-manager``: the "Approval needed" template to the owner).
    email = next(r for r in rows if r["kind"] == "email")
    return Template(ticket.id, service, email)


def clone_tickets(engine: Engine, template_id: int, count: int) -> list[int]:
    """``count`` copies of ticket ``template_id`` (row and dynamic fields), in one transaction."""
    with engine.begin() as connection:
        row = dict(connection.execute(select(tickets).where(tickets.c.id == template_id)).mappings().one())
        fields = [
            dict(r)
            for r in connection.execute(
                select(ticket_field_values).where(ticket_field_values.c.ticket_id == template_id)
            ).mappings()
        ]
        for f in fields:
            f.pop("id", None)
        first = int(connection.execute(select(func.max(tickets.c.id))).scalar_one()) + 1
        ids = list(range(first, first + count))
        connection.execute(tickets.insert(), [row | {"id": i, "number": f"BENCH{i:011d}"} for i in ids])
        connection.execute(ticket_field_values.insert(), [f | {"ticket_id": i} for i in ids for f in fields])
        if engine.dialect.name == "postgresql":  # explicit ids: move the sequence past them
            connection.exec_driver_sql(
                "SELECT setval(pg_get_serial_sequence('tickets', 'id'), (SELECT max(id) FROM tickets))"
            )
    return ids


def job_rows(template: dict[str, Any], ticket_ids: list[int], now: datetime) -> list[dict[str, Any]]:
    """The rows ``SqlJobQueue.enqueue`` writes for ``template``'s job, one per ticket."""
    return [
        {
            "kind": template["kind"],
            "payload": {**template["payload"], "ticket_id": ticket_id},
            "ticket_id": ticket_id,
            "status": "queued",
            "attempts": 0,
            "max_attempts": template["max_attempts"],
            "run_at": now,
            "created_at": now,
        }
        for ticket_id in ticket_ids
    ]


def commit_jobs(engine: Engine, rows: list[dict[str, Any]]) -> tuple[list[int], float]:
    """Insert the job rows in one transaction (with the NOTIFY the queue sends on PostgreSQL);
    returns their ids and the wall-clock time (epoch seconds) of the commit."""
    with engine.begin() as connection:
        ids = [int(i) for i in connection.execute(jobs.insert().returning(jobs.c.id), rows).scalars()]
        if engine.dialect.name == "postgresql":
            connection.exec_driver_sql("NOTIFY ticketflow_jobs")
    return ids, time.time()


def wait_done(engine: Engine, ids: list[int], deadline: float) -> float:
    """Poll until every job in ``ids`` is done; returns the latest ``finished_at`` (epoch seconds)."""
    low, high = min(ids), max(ids)
    in_batch = jobs.c.id.between(low, high)
    until = time.monotonic() + deadline
    while time.monotonic() < until:
        with engine.connect() as connection:
            done = connection.execute(
                select(func.count()).where(in_batch, jobs.c.status == "done")
            ).scalar_one()
            if done == len(ids):
                last = connection.execute(select(func.max(jobs.c.finished_at)).where(in_batch)).scalar_one()
                return epoch(last)
            failed = connection.execute(
                select(func.count()).where(in_batch, jobs.c.status.in_(("dead", "failed")))
            ).scalar_one()
            if failed:
                raise RuntimeError(f"{failed} jobs failed; see their job_attempts rows")
        time.sleep(0.05)
    raise TimeoutError(f"{len(ids)} jobs not done within {deadline:.0f} s ({done} done)")


def epoch(value: datetime) -> float:
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).timestamp()


# ------------------------------------------------------------------------------------- workers


@contextmanager
def workers(
    url: str,
    count: int,
    handlers: str,
    smtp_port: int | None,
    log_dir: Path,
    options: tuple[str, ...] = (),
) -> Iterator[None]:
    """``count`` ``ticketflow worker`` processes, started and idle when the block begins; SIGTERM
    (graceful) at its end, SIGKILL if one does not stop within 20 s."""
    environment = {
        **os.environ,
        "TICKETFLOW_DATABASE_URL": url,
        "PYTHONPATH": os.pathsep.join([str(BENCH), os.environ.get("PYTHONPATH", "")]),
        "TICKETFLOW_MAIL_FROM": "ticketflow@example.com",
    }
    if smtp_port is not None:
        environment |= {"TICKETFLOW_SMTP_HOST": "127.0.0.1", "TICKETFLOW_SMTP_PORT": str(smtp_port)}
    profile = os.environ.get("BENCH_WORKER_PROFILE")  # a directory: each worker writes a cProfile file
    command = [
        *(
            [
                sys.executable,
                "-m",
                "cProfile",
                "-o",
                f"{profile}/{handlers.split(':')[1]}-{count}-{{index}}.prof",
            ]
            if profile
            else []
        ),
        str(REPO / ".venv" / "bin" / "ticketflow"),
        "worker",
        "--concurrency",
        str(CONCURRENCY),
        "--handlers",
        handlers,
        "--log-level",
        "info",
        *options,
    ]
    logs = [log_dir / f"worker-{index}.log" for index in range(count)]
    processes = []
    try:
        for index, path in enumerate(logs):
            with path.open("w") as stream:
                argv = [part.replace("{index}", str(index)) for part in command]
                processes.append(
                    subprocess.Popen(argv, env=environment, stderr=stream, stdout=subprocess.DEVNULL)
                )
        until = time.monotonic() + 60
        while not all("worker.started" in path.read_text() for path in logs):
            if time.monotonic() > until or any(p.poll() is not None for p in processes):
                raise RuntimeError(f"workers did not start: {[p.read_text()[-2000:] for p in logs]}")
            time.sleep(0.05)
        time.sleep(0.3)  # the listener thread's LISTEN, the first due scan
        yield
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


# ------------------------------------------------------------------------------------- scenarios


def throughput(
    engine: Engine, template: Template, job: dict[str, Any], count: int, reps: int
) -> dict[str, Any]:
    """``reps`` batches of ``count`` jobs through the running workers; jobs/s per batch."""
    rates = []
    for _ in range(reps):
        ticket_ids = clone_tickets(engine, template.ticket_id, count)
        ids, committed = commit_jobs(engine, job_rows(job, ticket_ids, datetime.now(UTC)))
        finished = wait_done(engine, ids, DEADLINE)
        rates.append(count / (finished - committed))
        check_effects(engine, job["kind"], ticket_ids)
    return {"jobs": count, "jobs_per_s": summarize(rates, "jobs/s")}


def check_effects(engine: Engine, kind: str, ticket_ids: list[int]) -> None:
    """Every job did its work: the ticket has the call's ServiceTask history entry and moved on to
    ``delivery`` (service), or holds the mail as
    an article (e-mail) — a bench that only counted ``done`` rows could time a no-op."""
    batch = tickets.c.id.between(min(ticket_ids), max(ticket_ids))
    with engine.connect() as connection:
        if kind == "web_service":
            statement = (
                select(func.count(func.distinct(ticket_history.c.ticket_id)))
                .select_from(ticket_history.join(tickets, tickets.c.id == ticket_history.c.ticket_id))
                .where(
                    batch,
                    ticket_history.c.history_type == "ServiceTask",
                    tickets.c.activity_key == "delivery",
                )
            )
        else:
            statement = (
                select(func.count(func.distinct(articles.c.ticket_id)))
                .select_from(articles.join(tickets, tickets.c.id == articles.c.ticket_id))
                .where(batch, articles.c.channel == "Email")
            )
        moved = connection.execute(statement).scalar_one()
    if moved != len(ticket_ids):
        raise AssertionError(f"{kind}: only {moved} of {len(ticket_ids)} tickets show the job's effect")


def latency(engine: Engine, template: Template, count: int) -> dict[str, Any]:
    """Jobs one at a time into an idle worker; enqueue (created_at) → claim (attempt started_at)."""
    ticket_ids = clone_tickets(engine, template.ticket_id, count)
    values_ms = []
    for ticket_id in ticket_ids:
        time.sleep(random.uniform(0.02, 0.06))  # idle, and not in step with a poll interval
        [row] = job_rows(template.service_job, [ticket_id], datetime.now(UTC))
        [job_id], _ = commit_jobs(engine, [row])
        wait_done(engine, [job_id], 30)
        with engine.connect() as connection:
            created, started = connection.execute(
                select(jobs.c.created_at, job_attempts.c.started_at)
                .join(job_attempts, job_attempts.c.job_id == jobs.c.id)
                .where(jobs.c.id == job_id, job_attempts.c.attempt == 1)
            ).one()
        values_ms.append((epoch(started) - epoch(created)) * 1000)
    return summarize(values_ms, "ms")


def run_database(name: str, url: str, plan: Plan, ports: dict[str, int], log_dir: Path) -> dict[str, Any]:
    template = prepare(url, ports["http"])
    engine = create_engine_for(url)
    counts = plan.workers if name == "postgres" else (1,)
    result: dict[str, Any] = {"service": {}, "email": {}}
    try:
        for count in counts:
            print(f"   {name}: service tasks, {count} worker(s)", flush=True)
            with workers(url, count, "worker_handlers:service_only", None, log_dir):
                commit_warmup(engine, template)
                result["service"][str(count)] = throughput(
                    engine, template, template.service_job, plan.jobs, plan.reps
                )
                if count == 1:
                    print(f"   {name}: latency, 1 idle worker", flush=True)
                    result["latency_ms"] = latency(engine, template, plan.latency_jobs)
        if name == "postgres":
            # The worker's default commits without waiting for the WAL flush; this is the price of
            # waiting (``--durable-commits``), measured the same way.
            print(f"   {name}: service tasks, 2 worker(s), --durable-commits", flush=True)
            with workers(url, 2, "worker_handlers:service_only", None, log_dir, ("--durable-commits",)):
                commit_warmup(engine, template)
                result["service_durable_commits"] = {
                    "2": throughput(engine, template, template.service_job, plan.jobs, plan.reps)
                }
        email_workers = 2 if name == "postgres" else 1
        print(f"   {name}: e-mail, {email_workers} worker(s)", flush=True)
        with workers(url, email_workers, "worker_handlers:email_only", ports["smtp"], log_dir):
            result["email"][str(email_workers)] = throughput(
                engine, template, template.email_job, plan.email_jobs, plan.reps
            )
    finally:
        engine.dispose()
    result["concurrency"] = CONCURRENCY
    return result


def commit_warmup(engine: Engine, template: Template) -> None:
    """A few jobs first, so that imports, pools and caches are warm before the timing."""
    ticket_ids = clone_tickets(engine, template.ticket_id, 20)
    ids, _ = commit_jobs(engine, job_rows(template.service_job, ticket_ids, datetime.now(UTC)))
    wait_done(engine, ids, 60)


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--only", choices=("sqlite", "postgres"))
    args = parser.parse_args()
    plan = QUICK if args.quick else FULL
    scenarios: dict[str, Any] = {}
    started = time.monotonic()
    import tempfile

    with (
        server("http") as http_port,
        server("smtp") as smtp_port,
        tempfile.TemporaryDirectory(prefix="ticketflow-bench-workers-") as logs,
    ):
        ports = {"http": http_port, "smtp": smtp_port}
        print("== HTTP server ceiling", flush=True)
        ceiling = http_ceiling(http_port, 1.0 if args.quick else 2.0)
        for name, database in (("sqlite", sqlite_database), ("postgres", postgres_database)):
            if args.only and args.only != name:
                continue
            with database() as url:
                if url is None:
                    scenarios[name] = {"skipped": "no PostgreSQL server reachable"}
                    continue
                load_before = load_average()
                scenarios[name] = run_database(name, url, plan, ports, Path(logs))
                scenarios[name]["load_average_before_after"] = [load_before, load_average()]
    result = {
        "quick": args.quick,
        "machine": machine(),
        "http_ceiling": ceiling,
        "scenarios": scenarios,
        "targets": TARGETS,
        "seconds": round(time.monotonic() - started, 1),
    }
    path = write_result("worker_jobs", result)
    print(f"wrote {path.relative_to(REPO)}")
    one, four = rate_text(ceiling["1_threads"]), rate_text(ceiling["4_threads"])
    print(f"HTTP ceiling: 1 thread {one}/s, 4 threads {four}/s")
    for name, values in scenarios.items():
        if "skipped" in values:
            print(f"{name}: skipped")
            continue
        for count, data in values["service"].items():
            print(f"{name} service, {count} worker(s): {rate_text(data['jobs_per_s'])} jobs/s")
        for count, data in values.get("service_durable_commits", {}).items():
            rate = rate_text(data["jobs_per_s"])
            print(f"{name} service, {count} worker(s), --durable-commits: {rate} jobs/s")
        for count, data in values["email"].items():
            print(f"{name} e-mail, {count} worker(s): {rate_text(data['jobs_per_s'])} jobs/s")
        print(f"{name} latency ms: {latency_text(values['latency_ms'])}")


if __name__ == "__main__":
    main()
