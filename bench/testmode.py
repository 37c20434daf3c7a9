"""Test Mode: what replaying a run costs, and what saved scenarios add to a deploy, on SQLite.

The Test Mode page keeps no server state: every click replays the run from the start. This measures
(1) ``run_test_mode`` of the demo purchase request's whole path (start dialog, decision, ERP answered
from the scenario, delivery: 4 engine steps), (2) one page request at the end of that path (a Step:
replay, e-mail rendering, the page with its diagram and forms; in-process ASGI, no network), and
(3) ``deploy_process`` of the purchase request with 0 and with 10 saved scenarios (each deploy freezes a
changed draft, so every repetition really deploys).

Run: .venv/bin/python bench/testmode.py   [--quick]
"""

from __future__ import annotations

import argparse
import json
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime
from html import unescape
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from benchkit import latency_text, machine, sqlite_database, summarize, write_result
from ticketflow.bootstrap import Application, build_application
from ticketflow.config import Settings
from ticketflow.db.migrate import upgrade
from ticketflow.db.seed import seed_defaults
from ticketflow.demo import load_demo
from ticketflow.domain.definitions import Interface
from ticketflow.domain.formats.native_json import process_to_dict
from ticketflow.outbound.passwords import Argon2Hasher
from ticketflow.usecases import admin
from ticketflow.usecases.auth import SESSION_COOKIE, Auth
from ticketflow.usecases.callers import Caller
from ticketflow.usecases.processes import deploy_process, load_process, save_draft
from ticketflow.usecases.scenarios import delete_scenario, save_scenario
from ticketflow.usecases.testmode import ProcessSource, parse_test_input, run_test_mode
from ticketflow.web.ui import mount_ui

NOW = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
KEY = "purchase-request"
REQUEST = {
    "Title": "Two monitors",
    "DynamicField_PurchaseItems": "2 x 27-inch monitor",
    "DynamicField_PurchaseCategory": "hardware",
    "DynamicField_PurchaseAmount": "598.00",
    "DynamicField_PurchaseJustification": "The designers share one screen.",
}
SCENARIO: dict[str, Any] = {
    "ticket": {"CustomerUserID": "alice"},
    "submissions": [
        {"dialog": "request-form", "as": "customer", "fields": REQUEST},
        {"dialog": "decide", "fields": {"DynamicField_PurchaseApproval": "approved"}},
        {"dialog": "confirm-delivery", "fields": {"DynamicField_PurchaseDelivered": "1"}},
    ],
    "service_results": {"order": {"values": {"DynamicField_PurchaseOrderNumber": "PO-1"}}},
    "expect": {"activity": "end", "values": {"State": "closed successful"}},
}


def timed(function: Callable[[], object], count: int) -> dict[str, Any]:
    function()  # warm caches (compiled process, catalog, templates)
    values = []
    for _ in range(count):
        started = time.perf_counter()
        function()
        values.append((time.perf_counter() - started) * 1000)
    return summarize(values, "ms")


def prepare(url: str) -> Application:
    upgrade(url)
    application = build_application(Settings(database_url=url))
    with application.uow() as uow:
        seed_defaults(uow)
        uow.commit()
    load_demo(application, NOW)
    admin.add_role(application.uow, "Admins", {"admin": ["rw"], "users": ["rw"]})
    admin.add_agent(application.uow, "ada", "Ada", "Admin", "ada@example.com", roles=["Admins"])
    return application


def page_client(application: Application) -> tuple[TestClient, str]:
    app = FastAPI()
    app.state.application = application
    app.state.auth = Auth(application.uow, Argon2Hasher(time_cost=1, memory_cost=64))
    mount_ui(app, application)
    session_id, record = app.state.auth.create_session(Caller("ada", Interface.AGENT), client="bench")
    client = TestClient(app, cookies={SESSION_COOKIE: session_id})
    return client, app.state.auth.csrf_token_for(record)


def step_at_delivery(client: TestClient, csrf: str) -> Callable[[], object]:
    """A Step request whose replay covers request, decision and the ERP answer (then the delivery)."""
    run = {key: SCENARIO[key] for key in ("ticket", "service_results")}
    run["submissions"] = SCENARIO["submissions"][:2]
    form = {
        "csrf_token": csrf,
        "version": "1",
        "run": json.dumps(run),
        "dialog": "confirm-delivery",
        "as": "agent",
        "DynamicField_PurchaseDelivered": "1",
    }

    def post() -> object:
        answer = client.post(f"/agent/admin/processes/{KEY}/test/step", data=form)
        found = re.search(r'id="path">([^<]*)<', answer.text)
        if answer.status_code != 200 or found is None or not unescape(found.group(1)).endswith("end"):
            raise RuntimeError(f"the step answered {answer.status_code}")
        return answer

    return post


def deploys(application: Application, scenarios: int, count: int) -> dict[str, Any]:
    for index in range(scenarios):
        save_scenario(application.uow, KEY, f"s{index:02}", SCENARIO, saved_by="bench", now=NOW)
    document = process_to_dict(load_process(application.uow, KEY))
    values = []
    for repetition in range(count + 1):
        document["description"] = f"bench {scenarios} {repetition}"
        save_draft(application.uow, document, saved_by="bench", expected_revision=None)
        started = time.perf_counter()
        result = deploy_process(application.uow, application.runtime, KEY, deployed_by="bench", now=NOW)
        elapsed = (time.perf_counter() - started) * 1000
        if result.unchanged:
            raise RuntimeError("the deploy changed nothing")
        if repetition:  # the first warms the caches
            values.append(elapsed)
    for index in range(scenarios):
        delete_scenario(application.uow, KEY, f"s{index:02}")
    return summarize(values, "ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    count = 20 if args.quick else 100
    results: dict[str, Any] = {}
    with sqlite_database() as url:
        application = prepare(url)
        try:
            test_input = parse_test_input(SCENARIO)
            source = ProcessSource(key=KEY)
            results["run_whole_path"] = timed(
                lambda: run_test_mode(application.uow, application.runtime, source, test_input, now=NOW),
                count,
            )
            client, csrf = page_client(application)
            with client:
                results["page_step_at_delivery"] = timed(step_at_delivery(client, csrf), count)
            results["deploy_0_scenarios"] = deploys(application, 0, max(count // 5, 10))
            results["deploy_10_scenarios"] = deploys(application, 10, max(count // 5, 10))
        finally:
            application.close()
    for name, values in results.items():
        print(f"{name:24} ms {latency_text(values)} (n={values['n']})")
    path = write_result(
        "testmode", {"quick": args.quick, "database": "sqlite", **results, "machine": machine()}
    )
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
