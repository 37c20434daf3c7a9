"""Run every benchmark (each in its own process) and rewrite ``docs/benchmarks.md`` from their results.

Run: .venv/bin/python bench/run_all.py   [--quick] [--report-only]     (``make bench`` runs it)
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from datetime import UTC, datetime
from typing import Any

from benchkit import BENCH, REPO, RESULTS, latency_text, rate_text

BENCHMARKS = ("engine_step", "durable_step", "import_deploy", "worker_jobs", "web_requests", "web_pages")
DOC = REPO / "docs" / "benchmarks.md"


def run(quick: bool) -> None:
    for name in BENCHMARKS:
        print(f"== {name}", flush=True)
        command = [sys.executable, str(BENCH / f"{name}.py"), *(["--quick"] if quick else [])]
        subprocess.run(command, check=True, cwd=REPO)


def result(name: str) -> dict[str, Any] | None:
    path = RESULTS / f"{name}.json"
    data: dict[str, Any] | None = json.loads(path.read_text()) if path.exists() else None
    return data


def machine_table(machine: dict[str, Any]) -> list[str]:
    rows = [
        ("CPU", f"{machine['cpu']}, {machine['cores']} cores, {machine['ram_gib']} GiB RAM"),
        ("OS", machine["os"]),
        ("Python", machine["python"]),
        ("SQLite", machine["sqlite"]),
        ("PostgreSQL", machine["postgresql"] or "not reachable"),
        ("SQLAlchemy / psycopg", f"{machine['sqlalchemy']} / {machine['psycopg']}"),
        ("SpiffWorkflow", machine["spiffworkflow"]),
        ("ticketflow commit", machine["commit"]),
    ]
    return ["| item | value |", "| --- | --- |", *(f"| {k} | {v} |" for k, v in rows)]


def engine_section(data: dict[str, Any]) -> list[str]:
    engines = data["engines"]
    lines = [
        "## Engine step in memory",
        "",
        "The peers' ticket-approval process: SpiffWorkflow runs"
        " `../shared/bench-peers/bpmn/ticket-approval.bpmn`"
        " (read at run time), ticketflow runs `bench/ticket-approval.json` — six activities"
        " (`created` standing in"
        " for BPMN's start event, `init` script task, `review`, `fulfil` user tasks,"
        " `fulfilled`/`rejected` ends);"
        " the gateway is the two conditional transitions leaving `review`, the Provision script is"
        " the approved"
        " transition's five actions (queue, owner, state, a dynamic field, an e-mail). Approved path"
        " every time."
        " ticketflow's step is `advance` on a ticket snapshot;"
        ' "complete Review" sets `DynamicField_Decision` on the'
        " snapshot and advances with `TicketChanged()`. No I/O.",
        "",
        "(a) whole instances/s, median [min–max] over repetitions;"
        " (b) per step, µs: median / p90 / p99 [min–max].",
        "",
        "| engine | (a) instances/s | start → first wait | complete Review → next wait"
        " | complete Fulfil → end |",
        "| --- | --- | --- | --- | --- |",
    ]
    for name, values in engines.items():
        steps = values["steps"]
        lines.append(
            f"| {name} | {rate_text(values['throughput']['instances_per_s'])} | "
            f"{latency_text(steps['start_to_first_wait_us'])} | "
            f"{latency_text(steps['complete_review_to_next_wait_us'])} | "
            f"{latency_text(steps['complete_fulfil_to_end_us'])} |"
        )
    profile = engines["ticketflow"].get("review_profile", [])
    if profile:
        lines += [
            "",
            "Where ticketflow's Review step spends its time (cProfile, own time per step; the"
            " profiler inflates"
            " absolute figures about 2–3×, the proportions hold):",
            "",
            "| function | calls/step | own µs/step | cumulative µs/step |",
            "| --- | --- | --- | --- |",
            *(
                f"| `{row['function']}` | {row['calls_per_step']:.1f} | {row['own_us_per_step']:.2f} |"
                f" {row['cumulative_us_per_step']:.2f} |"
                for row in profile[:10]
            ),
        ]
    return lines


def durable_section(data: dict[str, Any]) -> list[str]:
    lines = [
        "## Durable step",
        "",
        "A Review dialog submitted through `ticketflow.usecases.dialogs.submit_dialog` on a ticket waiting at"
        " Review, committed: load the ticket and its dynamic fields, check the dialog, store the"
        " field, advance"
        " (condition, five actions), write the ticket, its fields, the history (dialog submit, each changed"
        " attribute, the process step with its trace) and the e-mail job. Each ticket is stepped once."
        " Beside it, the *floor* on the same database, schema and connection settings, on the raw"
        " driver: read the"
        " ticket row (FOR UPDATE on PostgreSQL), update it with a version check, insert a history"
        " row, insert a job"
        " row, commit. SQLite: WAL, synchronous=NORMAL, BEGIN IMMEDIATE, 1 process. PostgreSQL: a"
        " database created"
        " for the run on 127.0.0.1:5432 and dropped afterwards, 2 processes on disjoint tickets.",
        "",
        "Rates: steps/s per timed window, median [min–max];"
        " latency per step in µs: median / p90 / p99 [min–max].",
        "",
        "| database | processes | submit_dialog steps/s | latency | floor txn/s | floor latency"
        " | ours / floor | target |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for database, values in data["scenarios"].items():
        if "skipped" in values:
            lines.append(f"| {database} | – | skipped: {values['skipped']} | | | | | |")
            continue
        ours, floor = values["ours"], values["floor"]
        met = "met" if ours["steps_per_s"]["median"] >= values["target_steps_per_s"] else "**missed**"
        lines.append(
            f"| {database} | {ours['processes']} | {rate_text(ours['steps_per_s'])} |"
            f" {latency_text(ours['latency_us'])}"
            f" | {rate_text(floor['steps_per_s'])} | {latency_text(floor['latency_us'])} |"
            f" {values['ratio_to_floor']:.1%} | ≥ {values['target_steps_per_s']:,.0f}/s: {met} |"
        )
    return lines


def import_section(data: dict[str, Any]) -> list[str]:
    if "skipped" in data:
        return ["## Import + deploy", "", f"Skipped: {data['skipped']}"]
    largest, timed = data["largest"], data["timed"]
    met = "met" if timed["import_plus_deploy_ms"]["median"] <= data["target_ms"] else "**missed**"
    lines = [
        "## Import + deploy of an OTOBO example",
        "",
        f"`import_process` + `deploy_process` through the use cases on SQLite, {data['reps']}"
        " repetitions, each on a"
        " fresh copy of a prepared database (catalog entries the example needs created beforehand,"
        " outside the"
        " timing), warm engine, new runtime. In ms: median / p90 / p99 [min–max].",
        "",
        "| example | bytes | import + deploy | import | deploy | target |",
        "| --- | --- | --- | --- | --- | --- |",
        f"| {timed['example']} | {timed['bytes']:,} | {latency_text(timed['import_plus_deploy_ms'])} |"
        f" {latency_text(timed['import_ms'])} | {latency_text(timed['deploy_ms'])} |"
        f" ≤ {data['target_ms']:.0f} ms: {met} |",
        "",
        f"The largest example, {largest['example']} ({largest['bytes']:,} bytes): YAML load (PyYAML"
        " BaseLoader)"
        f" {latency_text(largest['yaml_load_ms'])} ms; parse (OTOBO → ticketflow) + validate"
        f" {latency_text(largest['parse_and_validate_ms'])} ms.",
    ]
    for item in data["refused"]:
        lines.append(
            f"Not timed: {item['example']} ({item['bytes']:,} bytes) — deploy refused:"
            f" {item['deploy_refused']}"
        )
    return lines


def worker_section(data: dict[str, Any]) -> list[str]:
    targets, ceiling = data["targets"], data["http_ceiling"]
    lines = [
        "## Automation worker",
        "",
        "`ticketflow worker` processes (the CLI, `--concurrency 4` threads each, the real"
        " `bootstrap.job_handlers` restricted to the kind measured) against a local HTTP service that"
        " answers at once (threaded stdlib server, HTTP/1.1 keep-alive, its own process) and aiosmtpd."
        " Each service-task job is the demo purchase request waiting at its `order` service task (the"
        " ticket and the engine's job row cloned per job): read ticket and web service, build the"
        " request, POST with its Idempotency-Key, map `$.order.id` into a dynamic field, write the"
        " ServiceTask history and advance the engine to `delivery` in one transaction, mark the job"
        " done. E-mail jobs: the process's `ask-manager` notification (template rendered for the"
        " owner, sent, kept as an article). Workers start idle; a batch of jobs is committed in one"
        " transaction; jobs/s from that commit to the last `finished_at`, median [min–max] over"
        " batches; every job's effect is checked afterwards. Latency: one job at a time into an idle"
        " worker, job `created_at` → attempt `started_at` (the claim), ms: median / p90 / p99 [min–max].",
        "",
        f"HTTP server ceiling (plain httpx loop, keep-alive): 1 client {rate_text(ceiling['1_threads'])}"
        f" requests/s, 4 client threads {rate_text(ceiling['4_threads'])} requests/s.",
        "",
        "| database | jobs | worker processes | jobs/s | target | load avg before → after |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    latencies = []
    for database, values in data["scenarios"].items():
        if "skipped" in values:
            lines.append(f"| {database} | – | – | skipped: {values['skipped']} | | |")
            continue
        load = " → ".join("/".join(f"{x:.1f}" for x in pair) for pair in values["load_average_before_after"])
        for kind, target in (("service", targets["service_2_postgres"]), ("email", targets["email"])):
            for count, run in values[kind].items():
                median = run["jobs_per_s"]["median"]
                aim = ""
                if kind == "email" or (database == "postgres" and count == "2"):
                    aim = f"≥ {target:,.0f}/s: {'met' if median >= target else '**missed**'}"
                label = "service task" if kind == "service" else "e-mail"
                lines.append(
                    f"| {database} | {label} ×{run['jobs']} | {count} | {rate_text(run['jobs_per_s'])} |"
                    f" {aim} | {load} |"
                )
        latency = values["latency_ms"]
        met = "met" if latency["median"] < targets["latency_ms"] else "**missed**"
        how = "LISTEN/NOTIFY" if database == "postgres" else "polling every 50 ms"
        latencies.append(
            f"| {database} ({how}) | {latency['n']} | {latency_text(latency)} |"
            f" median < {targets['latency_ms']:.0f} ms: {met} |"
        )
    return [
        *lines,
        "",
        "| enqueue → start, idle worker | jobs | ms | target |",
        "| --- | --- | --- | --- |",
        *latencies,
    ]


def web_requests_section(data: dict[str, Any]) -> list[str]:
    targets, plan = data["targets"], data["plan"]
    lines = [
        "## Web requests under load",
        "",
        "`ticketflow serve` (default settings) as a subprocess on 127.0.0.1 against a fresh database with the"
        f" demo loaded; {plan['clients']} client threads, each an httpx keep-alive client, back to back."
        " Ticket create: `POST /api/v1/tickets` (a first article) with a Bearer token. Dialog submit: the"
        " purchase request's `decide` form posted by a signed-in agent (session cookie, CSRF token), each"
        " on its own ticket waiting at the manager approval (seeded in bulk before the timing); the"
        f" redirect is not followed. {plan['reps']} windows of {plan['seconds']:g} s after"
        f" {plan['warmup']:g} s warm-up; requests/s per window, median [min–max]; latency per request, ms:"
        " median / p90 / p99 [min–max].",
        "",
        "| database | request | requests/s | latency ms | target | load avg before → after |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for database, values in data["scenarios"].items():
        if "skipped" in values:
            lines.append(f"| {database} | – | skipped: {values['skipped']} | | | |")
            continue
        load = " → ".join("/".join(f"{x:.1f}" for x in pair) for pair in values["load_average_before_after"])
        for kind, label in (
            ("ticket_create_api", "ticket create (API)"),
            ("dialog_submit_form", "dialog submit (form)"),
        ):
            run = values[kind]
            met = (
                run["latency_ms"]["p99"] < targets["p99_ms"]
                and run["requests_per_s"]["median"] >= targets["requests_per_s"]
            )
            lines.append(
                f"| {database} | {label} | {rate_text(run['requests_per_s'])} |"
                f" {latency_text(run['latency_ms'])} |"
                f" p99 < {targets['p99_ms']:.0f} ms, ≥ {targets['requests_per_s']:.0f}/s:"
                f" {'met' if met else '**missed**'} | {load} |"
            )
    return lines


def web_pages_section(data: dict[str, Any]) -> list[str]:
    labels = {
        "ticket_zoom_200_articles": f"ticket zoom, {data['articles']} articles",
        "queue_view_100k": f"queue view, {data['queue_tickets']:,} tickets in the queue",
        "all_tickets_view": "all tickets view",
    }
    lines = [
        "## Agent pages",
        "",
        "`ticketflow serve` (default settings) on SQLite, one signed-in agent over a keep-alive httpx client,"
        " one request at a time, end to end, after a warm-up. The ticket's articles and the queue's tickets"
        " are inserted in bulk into the store's tables before the timing. ms: median / p90 / p99 [min–max].",
        "",
        "| page | requests | ms | bytes | target |",
        "| --- | --- | --- | --- | --- |",
    ]
    for name, label in labels.items():
        values, aim = data["pages"][name], ""
        if name != "all_tickets_view":
            met = "met" if values["median"] < data["target_ms"] else "**missed**"
            aim = f"< {data['target_ms']:.0f} ms: {met}"
        lines.append(f"| {label} | {values['n']} | {latency_text(values)} | {values['bytes']:,} | {aim} |")
    return lines


def report() -> str:
    engine, durable, imported = result("engine_step"), result("durable_step"), result("import_deploy")
    workers = result("worker_jobs")
    web_requests, web_pages = result("web_requests"), result("web_pages")
    machine = next((r["machine"] for r in (engine, durable, imported, workers) if r), None)
    lines = [
        "# Benchmarks",
        "",
        "Generated by `bench/run_all.py` (`make bench`) from `bench/results/*.json`; do not edit by hand."
        f" Written {datetime.now(UTC):%Y-%m-%d %H:%M} UTC.",
        "",
        "Method: `time.perf_counter` / `perf_counter_ns`; warm-up before every timed section;"
        " several repetitions"
        " (rates: median and min–max over repetitions or timed windows; latencies: median, p90, p99,"
        " min–max over"
        " individual operations); garbage collector left on (its pauses are in the tails); peers and floors"
        " measured in the same run on the same machine. The machine is shared and has 2 vCPUs:"
        " compare figures"
        " within one run, not across runs.",
        "",
    ]
    if machine:
        lines += ["## Machine", "", *machine_table(machine), ""]
    sections = (
        (engine, engine_section),
        (durable, durable_section),
        (imported, import_section),
        (workers, worker_section),
        (web_requests, web_requests_section),
        (web_pages, web_pages_section),
    )
    for data, section in sections:
        if data:
            lines += [
                *section(data),
                "",
                f"Measured {data['measured_at']}{' (quick run)' if data.get('quick') else ''}.",
                "",
            ]
    lines += ["## What the numbers say", "", *SUMMARY, ""]
    return "\n".join(lines)


# Written by hand after reading a full run; the tables above are regenerated by every run.
SUMMARY = [
    "- Engine in memory: ticketflow runs the approval process 7–8× faster than SpiffWorkflow end to end"
    " (~7,000 vs ~1,000 instances/s in the same run) and each step 4–12× faster, but it misses the"
    " 20 µs-per-step target: medians ~35–56 µs (start), ~50–78 µs (Review, five actions), ~20–29 µs"
    " (Fulfil). The profile shows no single hot spot: per Review step the five action calls"
    " (`run_action`: ActionCall build, placeholder rendering, module run, `apply`), two condition"
    " evaluations (`snapshot.data()` copied for each, group/field interpretation), trace entries and"
    " a `dataclasses.replace` per action. That code is the engine engineer's (not changed here).",
    "- Durable step: the store now runs its hot statements on the driver cursor (SQLAlchemy-compiled"
    " once, same type conversions) and writes a step's history rows in one batch; on SQLite that took"
    " `submit_dialog` from ~320–450 to ~500–700 steps/s (median latency 2.9 ms → ~1.0–1.3 ms), still"
    " ~19% of the floor and far from 3,000/s: the remaining time is the use-case and engine Python"
    " (two ticket UPDATEs per submit — `write_changes` then the step —, describe_changes, trace"
    " serialisation, the engine step) plus SQLite's WAL page writes for a row with eight indexes.",
    "- PostgreSQL is the furthest off (~200 steps/s with 2 processes against a floor of ~3,200): a"
    " submit makes ~19 client–server round trips (pool pre-ping, ticket and field reads, two UPDATEs,"
    " field and history writes, job insert, COMMIT) against the floor's 5; on this loaded 2-vCPU VM"
    " each costs hundreds of µs. Fewer round trips per step (one ticket UPDATE per submit, pipelined"
    " writes, no pre-ping per unit of work) is the next lever.",
    "- Import + deploy: the largest OTOBO example (Incident Management, an ITIL template) is refused at"
    " deploy (user tasks without dialogs, placeholder conditions), as expected; the largest that"
    " deploys (Travel_expense) imports and deploys"
    " in ~20 ms, a tenth of the 200 ms budget. Parsing + validating the largest takes ~2 ms; its YAML"
    " load with PyYAML's pure-Python BaseLoader (~45 ms) costs more than everything else together.",
    "- Automation worker: the targets are missed on this machine. Measured while the 2 vCPUs were"
    " shared with other engineers' runs (load average 3–16): PostgreSQL ~95 service-task jobs/s with"
    " one worker process, no gain from 2 or 4 (CPU-bound: workers, PostgreSQL and the HTTP server"
    " share two cores), e-mail ~75–110/s. A job"
    " costs ~25 client–server round trips in four transactions (claim; read ticket, web service,"
    " customer user; write history + engine step, with a full job list for the newest-job check;"
    " finish) — ``bench/worker_profile.py`` counts them; finishing an attempt is now one statement on"
    " PostgreSQL. Next levers: claim several jobs per round trip, finish the attempt inside the"
    " handler's own transaction, a single-row newest-job query, reuse SMTP connections. Latency"
    " meets its target: median ~8 ms with LISTEN/NOTIFY, ~16 ms polling SQLite every 50 ms.",
    "- The machine was shared with other engineers' test runs during these measurements (load average"
    " 1.5–2.5 on 2 vCPUs): tails and min–max spreads are wide; compare within a run.",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--report-only", action="store_true", help="only rewrite docs/benchmarks.md")
    args = parser.parse_args()
    if not args.report_only:
        run(args.quick)
    DOC.write_text(report())
    print(f"wrote {DOC.relative_to(REPO)}")


if __name__ == "__main__":
    main()
