"""Process monitoring over 100,000 tickets in 20 processes, on SQLite and PostgreSQL.

Outside the timing: a fresh database is migrated and seeded; 20 processes are deployed (the demo
purchase request under 20 keys, rows inserted directly); 5,000 tickets per process are inserted in
bulk with the process history rows the durable step writes (``ProcessStart``, ``ProcessTransition``,
``ProcessFailed``, ``ProcessCompleted``) plus three other history rows per ticket, along the demo's
paths (request → approval → order → delivery → end, rejected, the ERP failing to a manual order, about
2% failed at the order with an open incident), started over the last 30 days, each step 10 minutes to
3 days after the previous one; about a third are still inside an activity. PostgreSQL then gets the
VACUUM ANALYZE that autovacuum would run after such a load.

Timed, one call at a time, rotating over the 20 processes: ``monitor_process`` — the monitoring
page's numbers for one process, all versions (live counts per activity, average and p90 time spent
per activity from the history, open incidents per activity, and loading the deployed version); the
reader's ``process_numbers`` alone; and started / completed / failed per day over 30 days for one
process and for all processes. Latency per call, ms: median / p90 / p99 [min–max], and the CPU time of
the bench process per call (on SQLite all of the work; it stays put when the shared machine is busy).
Target: the monitoring numbers of a process < 200 ms.

Run: .venv/bin/python bench/monitoring.py   [--quick]
"""

from __future__ import annotations

import argparse
import json
import random
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, insert

from benchkit import REPO, latency_text, machine, postgres_database, sqlite_database, summarize, write_result
from ticketflow.db.connect import create_engine_for
from ticketflow.db.migrate import upgrade
from ticketflow.db.monitoring_repository import SqlMonitoringReader
from ticketflow.db.seed import ROOT_LOGIN, seed_defaults
from ticketflow.db.tables import incidents, jobs, process_versions, processes, ticket_history, tickets
from ticketflow.db.unit_of_work import SqlUnitOfWork
from ticketflow.outbound.scripts import load_scripts, load_validators
from ticketflow.usecases.callers import Caller
from ticketflow.usecases.monitoring import daily_counts, monitor_process
from ticketflow.usecases.principals import Principal
from ticketflow.usecases.runtime import ProcessRuntime

PROCESSES = 20
TICKETS = 100_000
TARGET_MS = 200.0
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
BERLIN = ZoneInfo("Europe/Berlin")
DOCUMENT = REPO / "src" / "ticketflow" / "demo" / "processes" / "purchase-request.json"
# The demo purchase request's paths: (activity the ticket stands at after each step, the last status).
PATHS = (
    (("request", "approval", "delivery", "end"), "completed"),  # approved, ordered (script in between)
    (("request", "approval", "end"), "completed"),  # rejected
    (("request", "approval", "manual-order", "delivery", "end"), "completed"),  # the ERP failed
    (("request", "approval"), "active"),
    (("request", "approval", "order"), "waiting"),
    (("request", "approval", "delivery"), "active"),
)
WEIGHTS = (40, 10, 5, 15, 10, 18)


def seed(engine: Engine, rng: random.Random) -> list[str]:
    """The 20 deployed processes (their keys) and their tickets with history and incidents."""
    document = json.loads(DOCUMENT.read_text())
    keys = [f"bench-purchase-{n:02d}" for n in range(PROCESSES)]
    with engine.begin() as connection:
        for key in keys:
            connection.execute(
                insert(processes),
                {"key": key, "name": f"Purchase {key[-2:]}", "state": "Active", "changed_at": NOW},
            )
            connection.execute(
                insert(process_versions),
                {
                    "process_key": key,
                    "version": 1,
                    "document": document | {"key": key},
                    "content_hash": key,
                    "deployed_at": NOW,
                    "deployed_by": ROOT_LOGIN,
                    "note": "",
                },
            )
    ticket_rows: list[dict[str, Any]] = []
    history_rows: list[dict[str, Any]] = []
    failed: list[tuple[int, datetime]] = []
    for ticket_id in range(1, TICKETS + 1):
        key = keys[ticket_id % PROCESSES]
        path, status = rng.choices(PATHS, WEIGHTS)[0]
        at = NOW - timedelta(days=30) + timedelta(seconds=rng.uniform(0, 29 * 86400))
        steps = []
        for activity in path:
            steps.append((at, activity))
            at += timedelta(seconds=rng.uniform(600, 3 * 86400))
        if status == "waiting" and rng.random() < 0.2:
            status = "failed"
            failed.append((ticket_id, steps[-1][0]))
        ticket_rows.append(_ticket(ticket_id, key, steps, status))
        previous = ""
        for n, (moment, activity) in enumerate(steps):
            kind = "ProcessStart" if n == 0 else "ProcessTransition"
            if activity == "end":
                kind = "ProcessCompleted"
            name = f"%%{key}%%1%%{previous}%%{activity}"
            history_rows.append(_history(ticket_id, kind, name, moment))
            if n == 0:
                history_rows.append(
                    _history(ticket_id, "NewTicket", f"%%{ticket_id}%%Raw%%3 normal%%new", moment)
                )
            history_rows.append(
                _history(ticket_id, "TicketDynamicFieldUpdate", "%%FieldName%%X%%Value%%1", moment)
            )
            previous = activity
        if status == "failed":
            history_rows.append(
                _history(ticket_id, "ProcessFailed", f"%%{key}%%1%%order%%order%%ERP down", steps[-1][0])
            )
        if len(history_rows) > 20_000:
            _flush(engine, ticket_rows, history_rows)
    _flush(engine, ticket_rows, history_rows)
    with engine.begin() as connection:
        for ticket_id, opened_at in failed:
            job_id = connection.execute(
                insert(jobs).returning(jobs.c.id),
                {
                    "kind": "web_service",
                    "payload": {"activity": "order"},
                    "ticket_id": ticket_id,
                    "status": "failed",
                    "attempts": 3,
                    "max_attempts": 3,
                    "run_at": opened_at,
                    "created_at": opened_at,
                },
            ).scalar_one()
            connection.execute(
                insert(incidents),
                {
                    "job_id": job_id,
                    "ticket_id": ticket_id,
                    "kind": "web_service",
                    "step": "activity:order",
                    "error": "ERP answered 503",
                    "status": "open",
                    "opened_at": opened_at,
                },
            )
    if engine.dialect.name == "postgresql":
        # What autovacuum does on a live server after a bulk load: statistics and the visibility map
        # (index-only scans need it).
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM ANALYZE")
    return keys


def _ticket(ticket_id: int, key: str, steps: list[tuple[datetime, str]], status: str) -> dict[str, Any]:
    return {
        "id": ticket_id,
        "number": f"BM{ticket_id:010d}",
        "title": f"Bench purchase {ticket_id}",
        "queue": "Raw",
        "state": "new",
        "priority": "3 normal",
        "lock": "unlock",
        "owner": ROOT_LOGIN,
        "process_key": key,
        "process_version": 1,
        "activity_key": steps[-1][1],
        "process_status": status,
        "version": 1,
        "created_at": steps[0][0],
        "changed_at": steps[-1][0],
    }


# A process step's trace of the demo's size (~1.7 kB as JSON, measured by the durable step bench): the
# history rows the numbers read are as wide as real ones.
TRACE = [
    {
        "kind": "TransitionChecked",
        "activity": "approval",
        "transition": f"t{n}",
        "matched": n == 3,
        "reasons": ["DynamicField_PurchaseApproval is 'approved', equals 'approved'"] * 2,
    }
    for n in range(4)
] + [
    {
        "kind": "ActionRan",
        "transition": "approved",
        "action_key": f"a{n}",
        "module": "TicketQueueSet",
        "effects": [{"kind": "SetValue", "key": "Queue", "value": "Purchasing"}],
    }
    for n in range(5)
]


def _history(ticket_id: int, kind: str, name: str, at: datetime) -> dict[str, Any]:
    return {
        "ticket_id": ticket_id,
        "history_type": kind,
        "name": name,
        "trace": TRACE if kind.startswith("Process") else [],
        "created_at": at,
        "created_by": ROOT_LOGIN,
    }


def _flush(engine: Engine, ticket_rows: list[dict[str, Any]], history_rows: list[dict[str, Any]]) -> None:
    with engine.begin() as connection:
        if ticket_rows:
            connection.execute(insert(tickets), ticket_rows)
        if history_rows:
            connection.execute(insert(ticket_history), history_rows)
    ticket_rows.clear()
    history_rows.clear()


def timed(call: Callable[[int], object], count: int, budget_s: float) -> dict[str, Any]:
    """Wall time per call, and beside it this process's CPU time per call: on SQLite that is all the
    work (the database runs in the process), and it does not grow when other programs load the machine."""
    for n in range(3):  # warm-up
        call(n)
    latencies: list[float] = []
    cpu: list[float] = []
    deadline = time.perf_counter() + budget_s
    while len(latencies) < count and time.perf_counter() < deadline:
        started, cpu_started = time.perf_counter(), time.process_time()
        call(len(latencies))
        latencies.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - cpu_started) * 1000)
    return summarize(latencies, "ms") | {"cpu_ms": summarize(cpu, "ms")}


def measure(url: str, count: int, budget_s: float) -> dict[str, Any]:
    upgrade(url)
    engine = create_engine_for(url)
    try:
        with SqlUnitOfWork(engine) as uow:
            seed_defaults(uow)
            uow.commit()
        started = time.perf_counter()
        keys = seed(engine, random.Random(5))
        seeded_s = time.perf_counter() - started
        reader = SqlMonitoringReader(engine)
        runtime = ProcessRuntime(scripts=load_scripts(), validators=load_validators())
        principal = Principal(Caller(ROOT_LOGIN))

        def uow() -> SqlUnitOfWork:
            return SqlUnitOfWork(engine, read_only=True)

        def page(n: int) -> object:
            shown = monitor_process(uow, runtime, reader, principal, keys[n % PROCESSES], version=None)
            if not shown.numbers.counts or not shown.numbers.dwell:
                raise RuntimeError(f"no numbers for {keys[n % PROCESSES]}")
            return shown

        results = {
            "seed_s": round(seeded_s, 1),
            "monitor_process": timed(page, count, budget_s),
            "process_numbers": timed(
                lambda n: reader.process_numbers(keys[n % PROCESSES], None), count, budget_s
            ),
            "per_day_one_process": timed(
                lambda n: daily_counts(reader, principal, keys[n % PROCESSES], days=30, now=NOW),
                count,
                budget_s,
            ),
            "per_day_all_processes": timed(
                lambda n: daily_counts(reader, principal, None, days=30, now=NOW), count, budget_s
            ),
            "per_day_all_processes_berlin": timed(
                lambda n: daily_counts(reader, principal, None, days=30, now=NOW, zone=BERLIN),
                count,
                budget_s,
            ),
        }
        sample = reader.process_numbers(keys[0], None)
        results["sample"] = {
            activity: {
                "open": sample.counts[activity].open if activity in sample.counts else 0,
                "finished": d.finished,
            }
            for activity, d in sorted(sample.dwell.items())
        }
        return results
    finally:
        engine.dispose()


def databases() -> Iterator[tuple[str, str | None]]:
    with sqlite_database() as url:
        yield "sqlite", url
    with postgres_database() as url:
        yield "postgresql", url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    count, budget = (20, 10.0) if args.quick else (100, 40.0)
    measured: dict[str, Any] = {}
    for name, url in databases():
        if url is None:
            print(f"{name}: skipped (no server)")
            measured[name] = None
            continue
        measured[name] = values = measure(url, count, budget)
        print(f"{name}: seeded in {values['seed_s']} s")
        for what in [key for key in values if key not in ("seed_s", "sample")]:
            summary = values[what]
            met = "met" if summary["median"] < TARGET_MS else "MISSED"
            print(
                f"  {what:28} ms {latency_text(summary)} (n={summary['n']}),"
                f" CPU of this process ms {latency_text(summary['cpu_ms'])};"
                f" target < {TARGET_MS:.0f} ms: {met}"
            )
    path = write_result(
        "monitoring",
        {
            "quick": args.quick,
            "processes": PROCESSES,
            "tickets": TICKETS,
            "target_ms": TARGET_MS,
            "databases": measured,
            "machine": machine(),
        },
    )
    print(f"wrote {path.relative_to(REPO)}")


if __name__ == "__main__":
    main()
