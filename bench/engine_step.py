"""Engine step in memory: ticketflow's ``advance`` against SpiffWorkflow on the same process.

The process is the peers' ticket approval (``../shared/bench-peers/bpmn/ticket-approval.bpmn``, read by
SpiffWorkflow at run time) and its model in our format (``bench/ticket-approval.json``). Every instance
takes the approved path. No I/O: ticketflow's steps get a ticket snapshot and return effects.

Measures, for both engines in the same run:
  (a) whole instances per second (start, complete Review, complete Fulfil), definition compiled once;
  (b) per-step latency: start → first wait (Review), complete Review → next wait (Fulfil),
      complete Fulfil → end. For ticketflow "complete Review" is: set the dynamic field on the
      snapshot, ``advance(..., TicketChanged(), ...)``.

Run: .venv/bin/python bench/engine_step.py   [--quick]
"""

from __future__ import annotations

import argparse
import gc
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from benchkit import PEERS, latency_text, machine, rate_text, read_process, summarize, write_result
from ticketflow.domain.definitions import ProcessVersion
from ticketflow.domain.engine import (
    CompiledProcess,
    EngineContext,
    Started,
    TicketChanged,
    advance,
    compile_process,
)
from ticketflow.domain.formats.native_json import content_hash, process_from_dict
from ticketflow.domain.positions import PositionStatus, ProcessPosition
from ticketflow.domain.tickets import Ticket, TicketSnapshot
from ticketflow.outbound.scripts import load_scripts, load_validators

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
BPMN = PEERS / "bpmn" / "ticket-approval.bpmn"
SPIFF_PROCESS_ID = "ticket_approval"
# What the peers' harness puts into the user tasks; ours sets the one field its conditions read.
REVIEW_DATA = {"decision": "approved", "reviewer": "agent-7", "comment": "ok"}
FULFIL_DATA = {"fulfilled_by": "agent-3", "resolution": "done"}

Instance = Callable[[], object]
Steps = tuple[Callable[[], Any], Callable[[Any], Any], Callable[[Any], Any]]


# --------------------------------------------------------------------------------------------- ours


def ticketflow_engine() -> Steps:
    process = process_from_dict(read_process())
    compiled: CompiledProcess = compile_process(ProcessVersion(process, 1, content_hash(process)))
    context = EngineContext(
        now=NOW,
        scripts=load_scripts(),
        validators=load_validators(),
        state_types={
            "new": "new",
            "open": "open",
            "pending fulfilment": "open",
            "closed successful": "closed",
        },
    )
    # A new ticket as the store hands it to the engine (id, number, times, defaults of a new ticket).
    snapshot: TicketSnapshot = Ticket(
        id=1,
        number="2026112610000001",
        title="New laptop",
        queue="Raw",
        state="new",
        state_type="new",
        priority="3 normal",
        lock="unlock",
        owner="root@localhost",
        created_at=NOW,
        changed_at=NOW,
        customer_user_id="customer@example.com",
    ).snapshot()
    start_position = ProcessPosition(process.key, 1, process.start_activity)

    def start() -> Any:
        return advance(compiled, start_position, snapshot, Started(), context)

    def review(step: Any) -> Any:
        changed = step.snapshot.with_value("DynamicField_Decision", "approved")
        return advance(compiled, step.position, changed, TicketChanged(), context)

    def fulfil(step: Any) -> Any:
        changed = step.snapshot.with_value("DynamicField_Resolution", "done")
        return advance(compiled, step.position, changed, TicketChanged(), context)

    # One checked run: the benchmark must measure the path it claims to.
    first = start()
    assert (first.position.activity_key, first.position.status) == ("review", PositionStatus.ACTIVE), first
    second = review(first)
    assert second.position.activity_key == "fulfil", second.describe()
    assert second.snapshot.value("Queue") == "Fulfilment"
    assert second.snapshot.value("DynamicField_ApprovalStatus") == "approved"
    assert len(second.effects) == 5, second.effects  # queue, owner, state, field, mail
    third = fulfil(second)
    assert third.position.status is PositionStatus.COMPLETED, third.describe()
    return start, review, fulfil


# --------------------------------------------------------------------------------------------- peer


def spiff_engine() -> Steps:
    from SpiffWorkflow.bpmn.parser import BpmnParser
    from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
    from SpiffWorkflow.util.task import TaskState

    parser = BpmnParser()
    parser.add_bpmn_file(str(BPMN))
    spec = parser.get_spec(SPIFF_PROCESS_ID)
    subprocesses = parser.get_subprocess_specs(SPIFF_PROCESS_ID)

    def start() -> Any:
        workflow = BpmnWorkflow(spec, subprocesses)
        workflow.do_engine_steps()
        return workflow

    def complete(workflow: Any, task_id: str, data: dict[str, str]) -> Any:
        task = workflow.get_next_task(state=TaskState.READY, manual=True)
        if task is None or task.task_spec.bpmn_id != task_id:
            raise AssertionError(f"SpiffWorkflow is not waiting at {task_id}")
        task.data.update(data)
        task.run()
        workflow.do_engine_steps()
        return workflow

    def review(workflow: Any) -> Any:
        return complete(workflow, "Review", REVIEW_DATA)

    def fulfil(workflow: Any) -> Any:
        return complete(workflow, "Fulfil", FULFIL_DATA)

    workflow = fulfil(review(start()))
    assert workflow.is_completed()
    return start, review, fulfil


# --------------------------------------------------------------------------------------------- measuring


def throughput(steps: Steps, reps: int, count: int) -> dict[str, Any]:
    start, review, fulfil = steps

    def instance() -> None:
        fulfil(review(start()))

    for _ in range(max(1, count // 5)):  # warm-up
        instance()
    rates = []
    for _ in range(reps):
        began = time.perf_counter()
        for _ in range(count):
            instance()
        rates.append(count / (time.perf_counter() - began))
    return {"reps": reps, "instances_per_rep": count, "instances_per_s": summarize(rates, "instances/s")}


def step_latencies(steps: Steps, count: int) -> dict[str, Any]:
    start, review, fulfil = steps
    clock = time.perf_counter_ns
    for _ in range(max(1, count // 10)):  # warm-up
        fulfil(review(start()))
    started, reviewed, fulfilled = [], [], []
    for _ in range(count):  # one instance at a time
        t0 = clock()
        state = start()
        t1 = clock()
        state = review(state)
        t2 = clock()
        fulfil(state)
        t3 = clock()
        started.append((t1 - t0) / 1e3)
        reviewed.append((t2 - t1) / 1e3)
        fulfilled.append((t3 - t2) / 1e3)
    return {
        "start_to_first_wait_us": summarize(started, "us"),
        "complete_review_to_next_wait_us": summarize(reviewed, "us"),
        "complete_fulfil_to_end_us": summarize(fulfilled, "us"),
    }


def profile_ours(steps: Steps, count: int) -> list[dict[str, Any]]:
    """Where the Review step's time goes: cProfile's top functions by own time (profiled run)."""
    import cProfile
    import pstats

    start, review, _ = steps
    states = [start() for _ in range(count)]
    profiler = cProfile.Profile()
    profiler.enable()
    for state in states:
        review(state)
    profiler.disable()
    stats = pstats.Stats(profiler)
    rows = []
    for (file, line, name), (_, calls, own, cumulative, _) in stats.stats.items():  # type: ignore[attr-defined]
        rows.append(
            {
                "function": f"{file.rsplit('/src/', 1)[-1]}:{line}({name})",
                "calls_per_step": calls / count,
                "own_us_per_step": own / count * 1e6,
                "cumulative_us_per_step": cumulative / count * 1e6,
            }
        )
    rows.sort(key=lambda row: row["own_us_per_step"], reverse=True)
    return rows[:15]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a few seconds, for a smoke run")
    args = parser.parse_args()
    reps = 3 if args.quick else 7
    scale = 10 if args.quick else 1
    assert gc.isenabled()

    engines: dict[str, Steps] = {"ticketflow": ticketflow_engine(), "SpiffWorkflow": spiff_engine()}
    counts = {"ticketflow": 20_000 // scale, "SpiffWorkflow": 300 // scale}
    latency_counts = {"ticketflow": 20_000 // scale, "SpiffWorkflow": 2_000 // scale}
    results: dict[str, Any] = {}
    for name, steps in engines.items():
        results[name] = {
            "throughput": throughput(steps, reps, counts[name]),
            "steps": step_latencies(steps, latency_counts[name]),
        }
        print(f"{name}: instances/s {rate_text(results[name]['throughput']['instances_per_s'])}")
        for key, summary in results[name]["steps"].items():
            print(f"  {key}: {latency_text(summary)} µs (median / p90 / p99 [min–max])")
    results["ticketflow"]["review_profile"] = profile_ours(engines["ticketflow"], 2_000 // scale)
    ours = results["ticketflow"]["steps"]
    worst = max(summary["median"] for summary in ours.values())
    print(
        f"target: every step median ≤ 20 µs; worst median {worst:.2f} µs →"
        f" {'met' if worst <= 20 else 'MISSED'}"
    )
    write_result(
        "engine_step",
        {
            "machine": machine(),
            "quick": args.quick,
            "process": "bench/ticket-approval.json (6 activities) vs "
            "../shared/bench-peers/bpmn/ticket-approval.bpmn",
            "target_step_median_us": 20,
            "engines": results,
        },
    )


if __name__ == "__main__":
    main()
