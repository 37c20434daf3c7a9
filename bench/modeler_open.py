"""Opening a 50-activity process in the modeler: in headless Chromium from navigation until the canvas is
ready, and the server's diagram route alone.

``ticketflow serve`` runs as a subprocess (default settings, a free port on 127.0.0.1) against a fresh
migrated SQLite file with the demo loaded (the helpers of ``bench/web_requests.py``). Outside the
timing: an administrator is created through the CLI, and a generated process of 50 activities (17 user
tasks with a dialog of three fields, 16 script tasks, 16 service tasks, an end; 66 transitions, the
user tasks' with conditions and transition actions; no positions, so the server lays it out) is
imported as a draft with ``ticketflow process import``.

- *diagram route*: ``GET /agent/admin/modeler/<key>/diagram`` (the draft as BPMN XML in JSON) over one
  signed-in keep-alive httpx client, one request at a time, after a warm-up.
- *page in Chromium*: Debian's chromium through playwright, signed in; ``page.goto`` of the modeler
  page until ``body[data-ready='1']`` (set by the page's script after bpmn-js imported and drew the
  diagram), checking that 50 activities are on the canvas. *cold*: a new browser context each time
  (empty cache: the 580 kB bundle is fetched); *warm*: the same page reloaded. Both as seen by the test
  (wall clock around goto + wait) and by the page (``performance.now()`` at ready, i.e. since the
  navigation started).

Latency per open, ms: median / p90 / p99 [min–max]. Target: < 1 s.

Run: .venv/bin/python bench/modeler_open.py   [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from benchkit import REPO, latency_text, machine, sqlite_database, summarize, write_result
from web_requests import cli, prepare, server, signed_in

KEY = "bench-fifty"
ACTIVITIES = 50
TARGET_MS = 1000.0
ADMIN, ADMIN_PASSWORD = "benchadmin", "bench-admin-password"
CHROMIUM = Path("/usr/bin/chromium")
# Moments of an open, ms since navigation started: the page's HTML received, the script starting to
# load the diagram, the diagram received, bpmn-js done importing and drawing it.
STAGES = ("html", "tf-load", "tf-diagram", "tf-imported")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]


def fifty_activities() -> dict[str, Any]:
    """A ``ticketflow.process/1`` document: a chain of 49 typed activities and an end, each user task
    with a dialog and a second, conditional way out; no layout."""
    kinds = ("user_task", "script_task", "service_task")
    activities: list[dict[str, Any]] = []
    transitions: list[dict[str, Any]] = []
    for index in range(1, ACTIVITIES):
        key, kind = f"step-{index:02}", kinds[(index - 1) % 3]
        activity: dict[str, Any] = {"key": key, "name": f"Step {index}", "type": kind}
        if kind == "user_task":
            activity["dialogs"] = [_dialog(index)]
        elif kind == "script_task":
            activity["script"] = {
                "script": "set_fields",
                "parameters": {"DynamicField_PurchaseStep": f"s{index}"},
            }
        else:
            activity["service"] = {
                "web_service": "ERP",
                "invoker": "CreateOrder",
                "parameters": {"Reference": "<OTOBO_TICKET_TicketNumber>"},
            }
        activities.append(activity)
        following = f"step-{index + 1:02}" if index < ACTIVITIES - 1 else "end"
        transitions.append(_transition(f"t-{index:02}", key, following, kind == "user_task", "approved"))
        if kind == "user_task":
            transitions.append(_transition(f"r-{index:02}", key, "end", True, "rejected"))
    activities.append({"key": "end", "name": "Done", "type": "end"})
    return {
        "format": "ticketflow.process/1",
        "key": KEY,
        "name": "Bench: fifty activities",
        "start_activity": "step-01",
        "activities": activities,
        "transitions": transitions,
    }


def _dialog(index: int) -> dict[str, Any]:
    return {
        "key": f"dialog-{index:02}",
        "name": f"Decide {index}",
        "fields": [
            {"name": "DynamicField_PurchaseApproval", "display": "mandatory"},
            {"name": "Article", "display": "optional"},
            {"name": "DynamicField_PurchaseStep", "display": "hidden", "default": f"u{index}"},
        ],
    }


def _transition(key: str, source: str, target: str, conditional: bool, decision: str) -> dict[str, Any]:
    transition: dict[str, Any] = {"key": key, "name": key, "source": source, "target": target}
    if conditional:
        transition["condition"] = f"DynamicField_PurchaseApproval = '{decision}'"
        transition["actions"] = [
            {
                "key": "queue",
                "name": "To purchasing",
                "module": "TicketQueueSet",
                "config": {"Queue": "Purchasing"},
            }
        ]
    return transition


def set_up(url: str) -> None:
    """The demo, an administrator with a password, and the generated process as a draft."""
    prepare(url)
    cli(url, "role", "create", "Bench admins", "--grant", "admin:rw", "--grant", "users:rw")
    cli(url, "agent", "create", ADMIN, "--email", "bench@example.com", "--role", "Bench admins")
    cli(url, "agent", "set-password", ADMIN, "--password", ADMIN_PASSWORD)
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / f"{KEY}.json"
        path.write_text(json.dumps(fifty_activities()))
        cli(url, "process", "import", str(path))


def time_diagram(client: httpx.Client, count: int, budget_s: float) -> dict[str, Any]:
    path = f"/agent/admin/modeler/{KEY}/diagram"
    for _ in range(3):
        answer = client.get(path)
        if answer.status_code != 200 or answer.json()["xml"].count("<bpmn:userTask") != 17:
            raise RuntimeError(f"{path} answered {answer.status_code}: {answer.text[:300]}")
    latencies: list[float] = []
    deadline = time.perf_counter() + budget_s
    while len(latencies) < count and time.perf_counter() < deadline:
        started = time.perf_counter()
        answer = client.get(path)
        latencies.append((time.perf_counter() - started) * 1000)
        if answer.status_code != 200:
            raise RuntimeError(f"{path} answered {answer.status_code}")
    return summarize(latencies, "ms") | {"bytes": len(answer.content)}


def time_browser(base: str, cold: int, warm: int) -> dict[str, Any] | None:
    """Opens of the modeler page in headless Chromium; None when Chromium is missing."""
    if not CHROMIUM.exists() and shutil.which("chromium") is None:
        print("chromium is missing: run 'sudo make browser' to measure the page in a browser")
        return None
    from playwright.sync_api import Browser, Page, sync_playwright

    url = f"/agent/admin/modeler/{KEY}"

    def sign_in(browser: Browser) -> Page:
        context = browser.new_context(base_url=base, viewport={"width": 1600, "height": 1000})
        page = context.new_page()
        page.goto("/sign-in")
        page.get_by_label("Login").fill(ADMIN)
        page.get_by_label("Password").fill(ADMIN_PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url("**/agent/**")
        return page

    def open_once(page: Page, *, reload: bool) -> tuple[float, float]:
        started = time.perf_counter()
        if reload:
            page.reload()
        else:
            page.goto(url)
        page.wait_for_selector("body[data-ready='1']", timeout=30_000)
        wall = (time.perf_counter() - started) * 1000
        in_page, shapes, marks = page.evaluate(
            """() => [window.ticketflowModeler.readyAt,
                      window.ticketflowModeler.modeler.get('elementRegistry')
                        .filter((e) => /Task$|EndEvent$/.test(e.type)).length,
                      Object.fromEntries(performance.getEntriesByType('mark')
                        .map((m) => [m.name, m.startTime])
                        .concat([['html', performance.getEntriesByType('navigation')[0].responseEnd]]))]"""
        )
        if shapes != ACTIVITIES:
            raise RuntimeError(f"the canvas shows {shapes} activities, not {ACTIVITIES}")
        for name in STAGES:
            stages[name].append(float(marks[name]))
        return wall, float(in_page)

    results: dict[str, tuple[list[float], list[float]]] = {"cold": ([], []), "warm": ([], [])}
    stages: dict[str, list[float]] = {name: [] for name in STAGES}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            for _ in range(cold):
                page = sign_in(browser)
                wall, in_page = open_once(page, reload=False)
                results["cold"][0].append(wall)
                results["cold"][1].append(in_page)
                page.context.close()
            page = sign_in(browser)
            open_once(page, reload=False)  # warm-up: the bundle into the cache
            for _ in range(warm):
                wall, in_page = open_once(page, reload=True)
                results["warm"][0].append(wall)
                results["warm"][1].append(in_page)
            page.context.close()
        finally:
            browser.close()
    opened: dict[str, Any] = {
        name: {"wall_ms": summarize(walls, "ms"), "in_page_ms": summarize(in_pages, "ms")}
        for name, (walls, in_pages) in results.items()
    }
    return opened | {"stages_ms": {name: summarize(values, "ms") for name, values in stages.items()}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    count, budget, cold, warm = (30, 20.0, 3, 5) if args.quick else (200, 60.0, 10, 20)
    with sqlite_database() as url:
        set_up(url)
        with server(url) as base:
            load_before = os.getloadavg()
            client = signed_in(base, ADMIN, ADMIN_PASSWORD)
            try:
                diagram = time_diagram(client, count, budget)
            finally:
                client.close()
            browser = time_browser(base, cold, warm)
            load_after = os.getloadavg()
    print(f"diagram route        ms {latency_text(diagram)} (n={diagram['n']}, {diagram['bytes']:,} bytes)")
    for name, values in (browser or {}).items():
        if name == "stages_ms":
            print("stages, median ms:", ", ".join(f"{k} {v['median']:.0f}" for k, v in values.items()))
            continue
        met = "met" if values["wall_ms"]["median"] < TARGET_MS else "MISSED"
        print(
            f"page, {name:5} wall     ms {latency_text(values['wall_ms'])} (n={values['wall_ms']['n']});"
            f" target < {TARGET_MS:.0f} ms: {met}"
        )
        print(f"page, {name:5} in page  ms {latency_text(values['in_page_ms'])}")
    path = write_result(
        "modeler_open",
        {
            "quick": args.quick,
            "database": "sqlite",
            "activities": ACTIVITIES,
            "target_ms": TARGET_MS,
            "diagram": diagram,
            "browser": browser,
            "load_average_before_after": [list(load_before), list(load_after)],
            "machine": machine(),
        },
    )
    print(f"wrote {path.relative_to(REPO)}")


if __name__ == "__main__":
    main()
