"""Where a durable step's time goes, on SQLite: phases, WAL pages by table and index, statements, cProfile.

The same step as ``durable_step.py`` (the Review dialog submitted through ``submit_dialog``), in this
process, after a warm-up. Printed:

- per phase, wall and CPU microseconds per step (the use case's parts wrapped with timers: unit of work
  open and close, load, dialog check, engine, ticket update, history lines, effects, flush, COMMIT).
  CPU time is this process's (``time.process_time``), less disturbed by other load on the machine;
- WAL frames per step, by the table or index whose page each frame holds (``dbstat``), after a
  checkpoint that empties the WAL: each frame is a 4 KiB page written at COMMIT and again at the
  next checkpoint;
- driver statements per step (sqlite3's trace callback);
- with ``--cprofile``, the top functions by own time.

Run: .venv/bin/python bench/durable_step_profile.py [--steps N] [--cprofile]
"""

from __future__ import annotations

import argparse
import collections
import cProfile
import os
import pstats
import sqlite3
import struct
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection

import ticketflow.db.ticket_repository as ticket_repository
import ticketflow.db.unit_of_work as unit_of_work
import ticketflow.usecases.dialogs as dialogs
import ticketflow.usecases.steps as steps
from benchkit import sqlite_database
from durable_step import Plan, StatementCounter, ours_stepper, prepare
from ticketflow.db.connect import _CHECKPOINTERS

WAL_HEADER, FRAME_HEADER, PAGE = 32, 24, 4096

# (owner, attribute, label): what the phase table times; nested phases are indented.
PHASES: tuple[tuple[Any, str, str], ...] = (
    (unit_of_work.SqlUnitOfWork, "__enter__", "unit of work: open"),
    (ticket_repository.SqlTicketRepository, "get", "load the ticket"),
    (dialogs, "_offered_dialog", "check the dialog"),
    (dialogs, "apply_submission", "apply the submitted fields"),
    (steps, "advance", "engine step"),
    (steps, "_apply", "write the step"),
    (ticket_repository.SqlTicketRepository, "update", "  ticket row + field rows"),
    (steps, "_write_history", "  history lines"),
    (steps, "_carry_out", "  effects (the e-mail job)"),
    (ticket_repository.SqlTicketRepository, "flush", "flush (history rows, deferred writes)"),
    (Connection, "commit", "COMMIT"),
    (unit_of_work.SqlUnitOfWork, "__exit__", "unit of work: close"),
)


@contextmanager
def timed_phases() -> Iterator[dict[str, list[float]]]:
    """Wrap each phase with wall and CPU timers; yields label → [wall seconds, CPU seconds]."""
    totals: dict[str, list[float]] = collections.defaultdict(lambda: [0.0, 0.0])
    originals = []
    wall, cpu = time.perf_counter, time.process_time
    for owner, name, label in PHASES:
        original = getattr(owner, name)
        originals.append((owner, name, original))

        def timed(
            *args: Any, _original: Callable[..., Any] = original, _label: str = label, **kwargs: Any
        ) -> Any:
            w, c = wall(), cpu()
            try:
                return _original(*args, **kwargs)
            finally:
                total = totals[_label]
                total[0] += wall() - w
                total[1] += cpu() - c

        setattr(owner, name, timed)
    try:
        yield totals
    finally:
        for owner, name, original in originals:
            setattr(owner, name, original)


def wal_frames_by_btree(database: Path) -> collections.Counter[str]:
    """Frames in the WAL by the table or index owning each page."""
    data = (database.parent / (database.name + "-wal")).read_bytes()
    pages: collections.Counter[int] = collections.Counter()
    for offset in range(WAL_HEADER, len(data) - FRAME_HEADER, FRAME_HEADER + PAGE):
        pages[struct.unpack(">I", data[offset : offset + 4])[0]] += 1
    with sqlite3.connect(database) as connection:
        owners = dict(connection.execute("SELECT pageno, name FROM dbstat"))
    frames: collections.Counter[str] = collections.Counter()
    for page, count in pages.items():
        frames[owners.get(page, "(free or new)")] += count
    return frames


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--cprofile", action="store_true", help="also cProfile the timed steps")
    args = parser.parse_args()
    count, warmup, wal_steps = args.steps, 300, 200
    plan = Plan(reps=1, seconds=1, warmup=0, capacity=warmup + count + wal_steps + 100)
    with sqlite_database() as url:
        (first, _), *_ = prepare(url, 1, plan)
        database = Path(url.split("///", 1)[1])
        counter = StatementCounter()
        step, close = ours_stepper(url, counter.watch)
        tickets = iter(range(first, first + plan.capacity))
        for _ in range(warmup):
            step(next(tickets))
        statements_before, _ = counter.totals()
        profiler = cProfile.Profile() if args.cprofile else None
        with timed_phases() as totals:
            wall, cpu = time.perf_counter(), time.process_time()
            if profiler:
                profiler.enable()
            for _ in range(count):
                step(next(tickets))
            if profiler:
                profiler.disable()
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        statements = (counter.totals()[0] - statements_before) / count
        # The engine's checkpointer would copy and restart the WAL meanwhile, leaving frames of
        # steps before the restart in the file to be counted twice: it sits out the count.
        for background in list(_CHECKPOINTERS.values()):
            background.stop()
            background.note_commit = lambda: None  # type: ignore[method-assign]
        with sqlite3.connect(database) as checkpointer:
            checkpointer.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        for _ in range(wal_steps):
            step(next(tickets))
        frames = wal_frames_by_btree(database)
        close()
    print(f"{count} steps: {wall / count * 1e6:.0f} µs wall, {cpu / count * 1e6:.0f} µs CPU per step")
    print(f"{'phase':42s} {'wall µs':>8s} {'CPU µs':>8s}")
    for _owner, _name, label in PHASES:
        w, c = totals.get(label, (0.0, 0.0))
        print(f"{label:42s} {w / count * 1e6:8.1f} {c / count * 1e6:8.1f}")
    print(f"driver statements per step: {statements:.1f}")
    print(f"WAL frames per step: {sum(frames.values()) / wal_steps:.1f}")
    for name, frame_count in frames.most_common():
        print(f"  {name:42s} {frame_count / wal_steps:5.2f}")
    if profiler:
        order, top = os.environ.get("SORT", "tottime"), int(os.environ.get("TOP", "30"))
        pstats.Stats(profiler).sort_stats(order).print_stats(top)


if __name__ == "__main__":
    main()
