"""Durable step: a dialog submitted through ``ticketflow.usecases.dialogs.submit_dialog``, committed.

Each step submits the Review dialog (``DynamicField_Decision = approved``) of a ticket waiting at
Review in the bench process (``bench/ticket-approval.json``): load the ticket, check the dialog, store
the field, advance the engine (condition, five transition actions), write the ticket, its dynamic
fields, the history (the dialog submit, each changed attribute, the process step with its trace) and
the e-mail job, commit. Every step is on a ticket not stepped before (a ticket passes Review once).

Beside it, in the same run and on the same kind of database with the same schema and connection
settings, the *floor*: the minimal transaction of a step written by hand on the raw driver (read the
ticket row — FOR UPDATE on PostgreSQL —, update it with a version check, insert a history row, insert
a job row, commit), as in ``../shared/bench-peers/bench_persistence.py``.

Scenarios: SQLite (WAL, synchronous=NORMAL, as ``ticketflow.db.connect`` configures it), 1 process;
PostgreSQL (a database created on the server for the run and dropped afterwards), 2 processes on
disjoint tickets. Each: warm-up, then ``REPS`` timed windows of ``SECONDS``; steps/s per window
(sum over processes), latency per step. Before the timing, 50 steps of each (ours, floor) are run with
their driver statements counted (SQLite: the trace callback; PostgreSQL: libpq's protocol trace,
which also gives the round trips): ``statements_per_step`` and ``round_trips_per_step``.

Run: .venv/bin/python bench/durable_step.py   [--quick] [--only sqlite|postgres] [--profile N]

Where a step's time goes (per phase, WAL frames by table and index): bench/durable_step_profile.py.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event, make_url, select

from benchkit import (
    POSTGRES_SERVER,
    latency_text,
    machine,
    postgres_database,
    rate_text,
    read_process,
    sqlite_database,
    summarize,
    write_result,
)
from ticketflow.db.connect import SQLITE_PRAGMAS, create_engine_for
from ticketflow.db.migrate import upgrade
from ticketflow.db.seed import seed_defaults
from ticketflow.db.tables import ticket_field_values, tickets
from ticketflow.db.unit_of_work import SqlUnitOfWork
from ticketflow.domain.catalog import DynamicFieldType
from ticketflow.outbound.scripts import load_scripts, load_validators
from ticketflow.usecases.callers import Caller
from ticketflow.usecases.catalog_records import Agent, DynamicField, NotificationTemplate, Queue, State
from ticketflow.usecases.dialogs import submit_dialog
from ticketflow.usecases.processes import deploy_process, import_process
from ticketflow.usecases.runtime import ProcessRuntime
from ticketflow.usecases.tickets import TicketInput, create_ticket

AGENT = Caller("root@localhost")
SUBMITTED = {"DynamicField_Decision": "approved"}
TARGETS = {"sqlite": 3000.0, "postgres": 1500.0}


@dataclass(frozen=True)
class Plan:
    reps: int
    seconds: float
    warmup: int
    capacity: int  # tickets waiting at Review, per process


# ------------------------------------------------------------------------------------------ the store


def prepare(url: str, processes: int, plan: Plan) -> list[tuple[int, int]]:
    """Migrate, seed, deploy the bench process, park ``processes * capacity`` tickets at Review plus
    the floor's tickets; returns each process' ticket id range (ours), then the floor's range."""
    upgrade(url)
    engine = create_engine_for(url)
    try:
        factory = _factory(engine)
        with factory() as uow:
            seed_defaults(uow)
            for record in (
                Queue("Approval"),
                Queue("Fulfilment"),
                State("pending fulfilment", "open"),
                Agent("agent-3"),
                NotificationTemplate("approved", "Your request was approved", "It is being fulfilled."),
                DynamicField(
                    "Decision",
                    "Decision",
                    DynamicFieldType.DROPDOWN,
                    {"PossibleValues": {"approved": "Approved", "rejected": "Rejected"}},
                ),
                *(DynamicField(n, n, DynamicFieldType.TEXT) for n in ("Resolution", "ApprovalStatus")),
                *(DynamicField(n, n, DynamicFieldType.TEXT) for n in ("Requester", "ApprovalRequired")),
            ):
                uow.catalog.add(record)
            uow.commit()
        runtime = _runtime()
        now = datetime.now(UTC)
        import_process(factory, runtime, read_process(), imported_by="bench", now=now)
        deploy_process(factory, runtime, "ticket-approval", deployed_by="bench", now=now)
        template = create_ticket(
            factory,
            runtime,
            TicketInput({"Title": "New laptop"}),
            caller=AGENT,
            now=now,
            process_key="ticket-approval",
        )
        assert template.process is not None, template
        assert template.process.activity_key == "review", template
        floor_tickets = 2_000
        first = _clone(engine, template.id, processes * plan.capacity + floor_tickets)
    finally:
        engine.dispose()
    ranges = [(first + p * plan.capacity, first + (p + 1) * plan.capacity - 1) for p in range(processes)]
    floor_first = first + processes * plan.capacity
    return [*ranges, (floor_first, floor_first + floor_tickets - 1)]


def _clone(engine: Engine, template_id: int, count: int) -> int:
    """``count`` copies of ticket ``template_id`` (row and dynamic fields); returns the first new id."""
    with engine.begin() as connection:
        row = dict(connection.execute(select(tickets).where(tickets.c.id == template_id)).mappings().one())
        fields = [
            dict(r)
            for r in connection.execute(
                select(ticket_field_values).where(ticket_field_values.c.ticket_id == template_id)
            ).mappings()
        ]
        first = template_id + 1
        batch = 5_000
        for start in range(0, count, batch):
            ids = range(first + start, first + min(count, start + batch))
            connection.execute(tickets.insert(), [row | {"id": i, "number": f"BENCH{i:011d}"} for i in ids])
            connection.execute(
                ticket_field_values.insert(), [f | {"ticket_id": i} for i in ids for f in fields]
            )
    return first


def _factory(engine: Engine) -> Callable[[], SqlUnitOfWork]:
    return lambda: SqlUnitOfWork(engine)


def _runtime() -> ProcessRuntime:
    return ProcessRuntime(scripts=load_scripts(), validators=load_validators())


# ------------------------------------------------------------------------------------------ steps


def ours_stepper(
    url: str, watch: Callable[[Any], None] | None = None
) -> tuple[Callable[[int], None], Callable[[], None]]:
    """``watch`` is given each new driver connection (for counting statements)."""
    engine = create_engine_for(url)
    if watch is not None:
        event.listen(engine, "connect", lambda driver, _record: watch(driver))
    factory = _factory(engine)
    runtime = _runtime()

    def step(ticket_id: int) -> None:
        result = submit_dialog(
            factory, runtime, ticket_id, "review", SUBMITTED, caller=AGENT, now=datetime.now(UTC)
        )
        if result.process is None or result.process.activity_key != "fulfil":  # the path we claim
            raise AssertionError(f"ticket {ticket_id} did not move to fulfil: {result.process}")

    return step, engine.dispose


HISTORY_NAME = "%%ticket-approval%%1%%review%%fulfil"
JOB_PAYLOAD = (
    '{"recipients": ["customer@example.com"], "subject": "", "body": "", "template": "approved", '
    '"content_type": "text/plain", "ticket_id": 0}'
)
TRACE = "[]"


def floor_stepper(
    url: str, watch: Callable[[Any], None] | None = None
) -> tuple[Callable[[int], None], Callable[[], None]]:
    """The floor on the raw driver, on our tables, configured as ``ticketflow.db.connect`` does."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        import sqlite3

        connection = sqlite3.connect(parsed.database or "", isolation_level=None, timeout=30)
        for pragma in SQLITE_PRAGMAS:  # the very settings ours runs with
            connection.execute(pragma)
        if watch is not None:
            watch(connection)

        def sqlite_step(ticket_id: int) -> None:
            now = datetime.now(UTC).replace(tzinfo=None).isoformat(sep=" ")
            connection.execute("BEGIN IMMEDIATE")
            try:
                activity, version = connection.execute(
                    "SELECT activity_key, version FROM tickets WHERE id = ?", (ticket_id,)
                ).fetchone()
                target = "fulfil" if activity == "review" else "review"
                cursor = connection.execute(
                    "UPDATE tickets SET activity_key = ?, queue = ?, owner = ?, version = version + 1,"
                    " changed_at = ? WHERE id = ? AND version = ?",
                    (target, "Fulfilment", "agent-3", now, ticket_id, version),
                )
                if cursor.rowcount != 1:
                    raise RuntimeError("lost update")
                connection.execute(
                    "INSERT INTO ticket_history (ticket_id, history_type, name, trace, created_at,"
                    " created_by)"
                    " VALUES (?, 'ProcessTransition', ?, ?, ?, 'root@localhost')",
                    (ticket_id, HISTORY_NAME, TRACE, now),
                )
                connection.execute(
                    "INSERT INTO jobs (kind, payload, ticket_id, status, attempts, max_attempts, run_at,"
                    " created_at) VALUES ('email', ?, ?, 'queued', 0, 10, ?, ?)",
                    (JOB_PAYLOAD, ticket_id, now, now),
                )
                connection.execute("COMMIT")
            except BaseException:
                connection.execute("ROLLBACK")
                raise

        return sqlite_step, connection.close

    import psycopg

    pg = psycopg.connect(parsed.set(drivername="postgresql").render_as_string(hide_password=False))
    if watch is not None:
        watch(pg)

    def postgres_step(ticket_id: int) -> None:
        now = datetime.now(UTC)
        with pg.cursor() as cursor:
            cursor.execute("SELECT activity_key, version FROM tickets WHERE id = %s FOR UPDATE", (ticket_id,))
            activity, version = cursor.fetchone()  # type: ignore[misc]
            target = "fulfil" if activity == "review" else "review"
            cursor.execute(
                "UPDATE tickets SET activity_key = %s, queue = %s, owner = %s, version = version + 1,"
                " changed_at = %s WHERE id = %s AND version = %s",
                (target, "Fulfilment", "agent-3", now, ticket_id, version),
            )
            if cursor.rowcount != 1:
                raise RuntimeError("lost update")
            cursor.execute(
                "INSERT INTO ticket_history (ticket_id, history_type, name, trace, created_at, created_by)"
                " VALUES (%s, 'ProcessTransition', %s, %s, %s, 'root@localhost')",
                (ticket_id, HISTORY_NAME, TRACE, now),
            )
            cursor.execute(
                "INSERT INTO jobs (kind, payload, ticket_id, status, attempts, max_attempts, run_at,"
                " created_at) VALUES ('email', %s, %s, 'queued', 0, 10, %s, %s)",
                (JOB_PAYLOAD, ticket_id, now, now),
            )
        pg.commit()

    return postgres_step, pg.close


STEPPERS = {"ours": ours_stepper, "floor": floor_stepper}


class StatementCounter:
    """Counts what a stepper sends on its driver connections: statements executed (SQLite: the
    driver's trace callback, each row of a batch counted; PostgreSQL: Execute and simple Query
    messages in libpq's protocol trace) and, on PostgreSQL, round trips (Sync and simple Query
    messages: each is a wait for the server)."""

    def __init__(self) -> None:
        self.statements = 0
        self._traces: list[tuple[Any, Path, int]] = []
        self._directory = tempfile.TemporaryDirectory(prefix="ticketflow-trace-")

    def watch(self, driver: Any) -> None:
        if hasattr(driver, "set_trace_callback"):  # sqlite3
            driver.set_trace_callback(self._count)
            return
        import os

        import psycopg

        path = Path(self._directory.name) / f"{len(self._traces)}.trace"
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
        driver.pgconn.trace(descriptor)
        driver.pgconn.set_trace_flags(psycopg.pq.Trace.SUPPRESS_TIMESTAMPS | psycopg.pq.Trace.REGRESS_MODE)
        self._traces.append((driver, path, descriptor))

    def _count(self, _sql: str) -> None:
        self.statements += 1

    def totals(self) -> tuple[int, int | None]:
        """(statements, round trips or None on SQLite) so far."""
        if not self._traces:
            return self.statements, None
        import os

        statements = round_trips = 0
        for _driver, path, descriptor in self._traces:
            os.fsync(descriptor)
            for line in path.read_text().splitlines():
                direction, _length, message = [*line.split("\t"), "", ""][:3]
                if direction != "F":
                    continue
                kind = message.split(" ", 1)[0]
                statements += kind in ("Execute", "Query")
                round_trips += kind in ("Sync", "Query")
        return statements, round_trips


def count_statements(kind: str, url: str, first: int, steps: int) -> dict[str, Any]:
    """Statements (and round trips) per step of one stepper, over ``steps`` steps after a warm-up."""
    counter = StatementCounter()
    step, close = STEPPERS[kind](url, counter.watch)
    warmup = 20
    for ticket_id in range(first, first + warmup):
        step(ticket_id)
    statements, round_trips = counter.totals()
    for ticket_id in range(first + warmup, first + warmup + steps):
        step(ticket_id)
    after, round_trips_after = counter.totals()
    close()
    result: dict[str, Any] = {"statements_per_step": (after - statements) / steps}
    if round_trips is not None and round_trips_after is not None:
        result["round_trips_per_step"] = (round_trips_after - round_trips) / steps
    return result


def counts_text(counts: dict[str, Any]) -> str:
    text = f"{counts['statements_per_step']:.1f} statements"
    if "round_trips_per_step" in counts:
        text += f", {counts['round_trips_per_step']:.1f} round trips"
    return text + " per step"


# ------------------------------------------------------------------------------------------ running


def worker(kind: str, url: str, lo: int, hi: int, plan: Plan, barrier: Any, out: Any, seed: int) -> None:
    """One process: warm-up, then per rep wait for the others and step until the window closes."""
    import random

    step, close = STEPPERS[kind](url)
    if kind == "ours":
        ids: Iterator[int] = iter(range(lo, hi + 1))  # each ticket once
    else:
        rng = random.Random(seed)
        ids = iter([rng.randint(lo, hi) for _ in range(2_000_000)])
    for _ in range(plan.warmup):
        step(next(ids))
    clock = time.perf_counter
    windows = []
    latencies: list[float] = []
    exhausted = False
    for _ in range(plan.reps):
        barrier.wait()
        count = 0
        began = clock()
        deadline = began + plan.seconds
        while True:
            t0 = clock()
            if t0 >= deadline:
                break
            ticket_id = next(ids, None)
            if ticket_id is None:
                exhausted = True
                break
            step(ticket_id)
            latencies.append((clock() - t0) * 1e6)
            count += 1
        windows.append((count, began, clock()))
    close()
    out.put({"windows": windows, "latencies_us": latencies, "exhausted": exhausted})


def run_scenario(kind: str, url: str, ranges: list[tuple[int, int]], plan: Plan) -> dict[str, Any]:
    context = mp.get_context("fork")  # children create their own engines and connections
    barrier = context.Barrier(len(ranges))
    queue = context.Queue()
    workers = [
        context.Process(target=worker, args=(kind, url, lo, hi, plan, barrier, queue, index))
        for index, (lo, hi) in enumerate(ranges)
    ]
    for process in workers:
        process.start()
    results = [queue.get(timeout=plan.reps * plan.seconds * 10 + 300) for _ in workers]
    for process in workers:
        process.join(60)
        if process.exitcode != 0:
            raise RuntimeError(f"a {kind} worker exited with {process.exitcode}")
    rates = []
    for rep in range(plan.reps):
        windows = [r["windows"][rep] for r in results]
        total = sum(w[0] for w in windows)
        rates.append(total / (max(w[2] for w in windows) - min(w[1] for w in windows)))
    latencies = [x for r in results for x in r["latencies_us"]]
    return {
        "processes": len(ranges),
        "reps": plan.reps,
        "seconds_per_rep": plan.seconds,
        "steps_per_s": summarize(rates, "steps/s"),
        "latency_us": summarize(latencies, "us"),
        "exhausted_tickets": any(r["exhausted"] for r in results),
    }


COUNTED_STEPS = 50  # steps whose statements are counted, on tickets of their own (before timing)


def measure(database: str, url: str, processes: int, plan: Plan) -> dict[str, Any]:
    spare = COUNTED_STEPS + 20
    ranges = prepare(url, processes, replace(plan, capacity=plan.capacity + spare))
    ours_counts = count_statements("ours", url, ranges[0][0], COUNTED_STEPS)
    ranges = [(lo + spare, hi) for lo, hi in ranges[:processes]] + ranges[processes:]
    ours = run_scenario("ours", url, ranges[:processes], plan)
    lo, hi = ranges[processes]
    floor_counts = count_statements("floor", url, lo, COUNTED_STEPS)
    span = (hi - lo + 1) // processes
    floor = run_scenario(
        "floor", url, [(lo + p * span, lo + (p + 1) * span - 1) for p in range(processes)], plan
    )
    ours |= ours_counts
    floor |= floor_counts
    ratio = ours["steps_per_s"]["median"] / floor["steps_per_s"]["median"]
    print(
        f"{database}, {processes} process(es): submit_dialog {rate_text(ours['steps_per_s'])} steps/s, "
        f"latency {latency_text(ours['latency_us'])} µs, {counts_text(ours_counts)}; "
        f"floor {rate_text(floor['steps_per_s'])} txn/s, latency {latency_text(floor['latency_us'])} µs, "
        f"{counts_text(floor_counts)}; ours/floor = {ratio:.1%}; "
        f"target {TARGETS[database]:,.0f} → "
        f"{'met' if ours['steps_per_s']['median'] >= TARGETS[database] else 'MISSED'}",
        flush=True,
    )
    return {"ours": ours, "floor": floor, "ratio_to_floor": ratio, "target_steps_per_s": TARGETS[database]}


def profile(count: int) -> None:
    """cProfile ``count`` SQLite steps in this process (a tool for finding where the time goes)."""
    import cProfile
    import pstats

    plan = Plan(reps=1, seconds=1, warmup=0, capacity=count + 100)
    with sqlite_database() as url:
        (lo, _), *_ = prepare(url, 1, plan)
        step, close = ours_stepper(url)
        for ticket_id in range(lo, lo + 100):
            step(ticket_id)
        profiler = cProfile.Profile()
        profiler.enable()
        for ticket_id in range(lo + 100, lo + 100 + count):
            step(ticket_id)
        profiler.disable()
        close()
    pstats.Stats(profiler).sort_stats("tottime").print_stats(45)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a few seconds, for a smoke run")
    parser.add_argument("--only", choices=["sqlite", "postgres"])
    parser.add_argument("--profile", type=int, metavar="N", help="cProfile N SQLite steps instead")
    args = parser.parse_args()
    if args.profile:
        profile(args.profile)
        return
    reps, seconds = (2, 0.5) if args.quick else (5, 2.0)
    results: dict[str, Any] = {}
    if args.only in (None, "sqlite"):
        plan = Plan(reps, seconds, warmup=200, capacity=200 + int(reps * seconds * 8_000))
        with sqlite_database() as url:
            results["sqlite"] = measure("sqlite", url, 1, plan)
    if args.only in (None, "postgres"):
        plan = Plan(reps, seconds, warmup=200, capacity=200 + int(reps * seconds * 3_000))
        with postgres_database() as url:
            if url is None:
                print(f"postgres: skipped, no server at {POSTGRES_SERVER}")
                results["postgres"] = {"skipped": f"no server at {POSTGRES_SERVER}"}
            else:
                results["postgres"] = measure("postgres", url, 2, plan)
    write_result("durable_step", {"machine": machine(), "quick": args.quick, "scenarios": results})


if __name__ == "__main__":
    main()
