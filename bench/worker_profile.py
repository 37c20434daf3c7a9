"""Where a worker's time goes: one worker thread's loop run in the main thread under cProfile, on a
PostgreSQL (or SQLite) database prepared as ``worker_jobs.py`` does, with the statements each job
sends counted (SQLAlchemy's ``before_cursor_execute``; raw-driver statements of ``Prepared`` are
counted through the driver connection's execute where possible).

Without ``--profile`` the loop runs unprofiled and the figures are the ones to compare: jobs/s of
one thread, CPU seconds of this process per job (the worker's Python: SQLAlchemy, psycopg, httpx,
the engine; not the servers'), and PostgreSQL round trips per job (every wait of psycopg on the
socket, BEGIN/COMMIT and pipelined batches included).

``--through-httpx`` makes the web-service calls through httpx, as the client did before its direct
``http.client`` path (it still does behind an environment proxy), to compare the two in one session:
400 service jobs on PostgreSQL, alternating runs, 2.66 / 2.58 → 2.20 / 2.25 ms CPU per job.

Run: .venv/bin/python bench/worker_profile.py [--sqlite] [--jobs N] [--kind web_service|email]
     [--batch N] [--profile [--cpu-clock]] [--through-httpx] [--log-level info]
(``TOP=N`` in the environment: N rows of the cProfile listing by own time, default 25.)
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import time
from collections import Counter
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event

from durable_step import postgres_database, sqlite_database
from ticketflow.bootstrap import build_application, job_handlers
from ticketflow.config import Settings
from ticketflow.worker.app import build_worker
from ticketflow.worker.logs import configure_logging
from ticketflow.worker.loop import WorkerOptions
from worker_jobs import clone_tickets, commit_jobs, job_rows, prepare, server


def _calls_through_httpx() -> None:
    """Hand every web-service client an httpx transport: its calls then go through httpx."""
    import httpx

    from ticketflow.outbound import webservice

    direct_init = webservice.HttpWebServiceClient.__init__

    def through_httpx(self: Any, secrets: Any, *, transport: Any = None) -> None:
        direct_init(self, secrets, transport=transport or httpx.HTTPTransport())

    webservice.HttpWebServiceClient.__init__ = through_httpx  # type: ignore[method-assign]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sqlite", action="store_true")
    parser.add_argument("--jobs", type=int, default=300)
    parser.add_argument("--kind", default="web_service")
    parser.add_argument("--batch", type=int, default=WorkerOptions().claim_batch, help="jobs per claim")
    parser.add_argument("--profile", action="store_true", help="under cProfile, with its listing")
    parser.add_argument("--through-httpx", action="store_true", help="web-service calls through httpx")
    parser.add_argument(
        "--cpu-clock", action="store_true", help="profile CPU time (waits on sockets left out), not wall time"
    )
    parser.add_argument(
        "--log-level",
        default="warning",
        help="the worker's log level (the worker bench runs info); its lines go to /dev/null",
    )
    args = parser.parse_args()
    if args.through_httpx:
        _calls_through_httpx()
    configure_logging(args.log_level, open(os.devnull, "w"))  # noqa: SIM115 (open for the whole run)
    database = sqlite_database if args.sqlite else postgres_database
    with server("http") as http_port, server("smtp") as smtp_port, database() as url:
        assert url is not None
        template = prepare(url, http_port)
        settings = Settings(
            database_url=url, smtp_host="127.0.0.1", smtp_port=smtp_port, mail_from="t@example.com"
        )
        application = build_application(settings)
        statements: Counter[str] = Counter()

        def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
            statements[" ".join(statement.split())[:90]] += 1

        event.listen(application.engine, "before_cursor_execute", count)
        round_trips = count_round_trips()
        try:
            handlers = {args.kind: job_handlers(application)[args.kind]}
            job = template.service_job if args.kind == "web_service" else template.email_job
            options = WorkerOptions(once=True, claim_batch=args.batch)
            for size in (20, args.jobs):  # warm-up, then the measured batch
                ids = clone_tickets(application.engine, template.ticket_id, size)
                commit_jobs(application.engine, job_rows(job, ids, datetime.now(UTC)))
                statements.clear()
                round_trips[0] = 0
                worker = build_worker(application, handlers, options)
                profile = cProfile.Profile(time.process_time) if args.cpu_clock else cProfile.Profile()
                started, cpu = time.perf_counter(), time.process_time()
                if args.profile:
                    profile.runcall(worker._work)  # one worker thread's loop, here in the main thread
                else:
                    worker._work()
                elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
            note = " (profiled)" if args.profile else ""
            print(f"{args.jobs} jobs in {elapsed:.2f} s: {args.jobs / elapsed:.0f} jobs/s{note}")
            print(f"CPU of this process per job: {cpu / args.jobs * 1000:.2f} ms")
            if url.startswith("postgresql"):
                print(f"PostgreSQL round trips per job: {round_trips[0] / args.jobs:.2f}")
            print(f"SQLAlchemy statements per job: {sum(statements.values()) / args.jobs:.1f}")
            for text, n in statements.most_common(30):
                print(f"  {n / args.jobs:5.2f}  {text}")
            if not args.profile:
                return
            stats = pstats.Stats(profile)
            # Round trips, ``Prepared`` statements and BEGIN/COMMIT included: psycopg waits on the
            # socket (Connection.wait) once per exchange with the server.
            waits = sum(
                ncalls
                for (file, _line, name), (_cc, ncalls, *_rest) in stats.stats.items()  # type: ignore[attr-defined]
                if name == "wait" and "psycopg" in file
            )
            print(f"psycopg round trips (waits) per job: {waits / args.jobs:.1f}")
            stats.sort_stats("tottime").print_stats(int(os.environ.get("TOP", "25")))
            stats.sort_stats("cumulative").print_stats("ticketflow", 45)
        finally:
            application.close()


def count_round_trips() -> list[int]:
    """A counter of psycopg's socket waits (one per exchange with the server), from now on."""
    import psycopg

    counter = [0]
    original = psycopg.Connection.wait

    def wait(self: Any, *args: Any, **kwargs: Any) -> Any:
        counter[0] += 1
        return original(self, *args, **kwargs)

    psycopg.Connection.wait = wait  # type: ignore[method-assign]
    return counter


if __name__ == "__main__":
    main()
