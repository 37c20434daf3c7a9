"""CPU per service-task job, by who spends it: the ``ticketflow worker`` processes, their PostgreSQL
backends, PostgreSQL's own background processes, the local HTTP service.

On a machine of 2 cores the worker bench's jobs/s is set by the sum (the workers, PostgreSQL and
the HTTP service share the cores), and CPU time is much steadier than jobs/s while other work runs
on the machine. Same set-up as ``worker_jobs.py`` (its servers, data, worker processes and
handlers): ``WORKERS`` workers of ``CONCURRENCY`` threads on a PostgreSQL database of the run's own,
idle and warm, then ``REPS`` batches of ``JOBS`` service jobs; for each batch the user + system CPU
time (Linux /proc) of each group between the batch's commit and its last job done, per job.

The backends are those connected to the run's database (``pg_stat_activity``) once the workers are
warm — the workers' pooled connections; the bench's own polling connection is among them (one
``count(*)`` every 50 ms, a small share). The background processes (WAL writer, checkpointer,
background writer …) are shared with anything else using the server at the time.

Run: .venv/bin/python bench/worker_cpu.py [--jobs N] [--reps N] [--workers N] [--concurrency N]
"""

from __future__ import annotations

import argparse
import os
import tempfile
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from statistics import median

from sqlalchemy import Engine, text

import worker_jobs
from benchkit import postgres_database
from ticketflow.db.connect import create_engine_for
from worker_jobs import (
    clone_tickets,
    commit_jobs,
    commit_warmup,
    job_rows,
    prepare,
    server,
    wait_done,
    workers,
)

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pids: Iterable[int]) -> float:
    """User + system CPU seconds of ``pids`` (threads included; ended ones count as 0)."""
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        total += (int(fields[11]) + int(fields[12])) / TICKS
    return total


def children_running(marker: str) -> list[int]:
    """Our child processes whose command line contains ``marker``."""
    found = []
    for task in Path(f"/proc/{os.getpid()}/task").iterdir():
        for child in (task / "children").read_text().split():
            try:
                command = Path(f"/proc/{child}/cmdline").read_bytes().replace(b"\0", b" ").decode()
            except FileNotFoundError:
                continue
            if marker in command:
                found.append(int(child))
    return found


def postgres_processes(engine: Engine) -> tuple[list[int], list[int]]:
    """(backends connected to this database, the server's background processes)."""
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT pid, datname, backend_type FROM pg_stat_activity WHERE pid <> pg_backend_pid()")
        ).all()
        database = connection.execute(text("SELECT current_database()")).scalar_one()
    backends = [pid for pid, name, kind in rows if name == database and kind == "client backend"]
    background = [pid for pid, name, kind in rows if name is None and kind != "client backend"]
    return backends, background


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=600)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=worker_jobs.CONCURRENCY, help="threads per worker")
    args = parser.parse_args()
    worker_jobs.CONCURRENCY = args.concurrency
    with (
        server("http") as http_port,
        postgres_database() as url,
        tempfile.TemporaryDirectory(prefix="ticketflow-bench-workers-") as logs,
    ):
        assert url is not None, "no PostgreSQL server reachable"
        [http_pid] = children_running("worker_servers.py")
        template = prepare(url, http_port)
        engine = create_engine_for(url)
        try:
            with workers(url, args.workers, "worker_handlers:service_only", None, Path(logs)):
                commit_warmup(engine, template)
                worker_pids = children_running(" worker ")
                backends, background = postgres_processes(engine)
                groups = {
                    "workers": worker_pids,
                    "backends": backends,
                    "postgres background": background,
                    "http service": [http_pid],
                }
                per_job: dict[str, list[float]] = {name: [] for name in groups}
                rates = []
                for _ in range(args.reps):
                    ticket_ids = clone_tickets(engine, template.ticket_id, args.jobs)
                    rows = job_rows(template.service_job, ticket_ids, datetime.now(UTC))
                    before = {name: cpu_seconds(pids) for name, pids in groups.items()}
                    ids, committed = commit_jobs(engine, rows)
                    finished = wait_done(engine, ids, 300)
                    for name, pids in groups.items():
                        per_job[name].append((cpu_seconds(pids) - before[name]) / args.jobs * 1000)
                    rates.append(args.jobs / (finished - committed))
        finally:
            engine.dispose()
    load = os.getloadavg()[0]
    setting = f"{args.workers} workers x {args.concurrency} threads, {len(backends)} backends"
    print(f"{setting}; load average {load:.2f}")
    print(f"jobs/s: {' / '.join(f'{rate:.0f}' for rate in rates)}")
    total = [sum(values) for values in zip(*per_job.values(), strict=True)]
    for name, values in [*per_job.items(), ("total", total)]:
        listed = " / ".join(f"{value:.2f}" for value in values)
        print(f"  {name:20} CPU ms per job: median {median(values):.2f}  ({listed})")


if __name__ == "__main__":
    main()
