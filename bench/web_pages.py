"""Agent pages: the ticket zoom of a ticket with 200 articles, the queue view over 100,000 tickets.

``ticketflow serve`` runs as a subprocess (default settings, a free port on 127.0.0.1) against a fresh
migrated SQLite file with the demo loaded (the helpers of ``bench/web_requests.py``). Outside the
timing: a ticket is created through the REST API in the Management queue with a first article, 199
more articles are inserted in bulk into the store's ``articles`` table, and 100,000 copies of the ticket
row are inserted in bulk into ``tickets`` (same queue). The demo agent ``manager`` signs in once; then
each page is requested end to end over one keep-alive httpx client, one request at a time, after a
warm-up: ``GET /agent/tickets/{id}`` (zoom), ``GET /agent/queue?queue=Management`` (the queue view, 50
per page, newest change first) and ``GET /agent/queue`` (all tickets). Latency per request, ms:
median / p90 / p99 [min–max].

Run: .venv/bin/python bench/web_pages.py   [--quick]
"""

from __future__ import annotations

import argparse
import os
import time
from typing import Any

import httpx
from sqlalchemy import func, select

from benchkit import REPO, latency_text, machine, sqlite_database, summarize, write_result
from ticketflow.db.tables import articles, tickets
from web_requests import clone_ticket, prepare, server, signed_in, store_engine

ARTICLES = 200
QUEUE_TICKETS = 100_000
QUEUE = "Management"
TARGET_MS = 100.0
TICKET = {
    "title": "Bench: a long conversation",
    "queue": QUEUE,
    "customer_user": "alice",
    "article": {"subject": "Article 1", "body": "The first message.\n" * 10, "channel": "Email"},
}


def seed(url: str, base: str, token: str) -> int:
    """The zoomed ticket (its id) with ``ARTICLES`` articles, and ``QUEUE_TICKETS`` tickets in the queue."""
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=30) as api:
        answer = api.post("/api/v1/tickets", json=TICKET)
        if answer.status_code != 201:
            raise RuntimeError(f"create answered {answer.status_code}: {answer.text[:300]}")
        ticket_id = int(answer.json()["id"])
    engine = store_engine(url)
    try:
        with engine.begin() as connection:
            first = dict(
                connection.execute(select(articles).where(articles.c.ticket_id == ticket_id)).mappings().one()
            )
            next_id = int(connection.execute(select(func.max(articles.c.id))).scalar_one()) + 1
            connection.execute(
                articles.insert(),
                [
                    first
                    | {
                        "id": next_id + n,
                        "number": first["number"] + 1 + n,
                        "subject": f"Article {n + 2}",
                        "body": f"Message {n + 2}.\n" * 10,
                    }
                    for n in range(ARTICLES - 1)
                ],
            )
        clone_ticket(engine, ticket_id, QUEUE_TICKETS - 1, prefix="BP")
        with engine.connect() as connection:
            count = connection.execute(
                select(func.count()).select_from(tickets).where(tickets.c.queue == QUEUE)
            ).scalar_one()
            shown = connection.execute(
                select(func.count()).select_from(articles).where(articles.c.ticket_id == ticket_id)
            ).scalar_one()
        if count < QUEUE_TICKETS or shown != ARTICLES:
            raise RuntimeError(f"seeded {count} tickets in {QUEUE} and {shown} articles")
    finally:
        engine.dispose()
    return ticket_id


def time_page(client: httpx.Client, path: str, count: int, budget_s: float, expect: str) -> dict[str, Any]:
    """``count`` requests of ``path`` (after 3 warm-up ones), stopping early after ``budget_s``."""
    for _ in range(3):
        page = client.get(path)
        if page.status_code != 200 or expect not in page.text:
            raise RuntimeError(f"{path} answered {page.status_code} without {expect!r}")
    latencies: list[float] = []
    deadline = time.perf_counter() + budget_s
    while len(latencies) < count and time.perf_counter() < deadline:
        started = time.perf_counter()
        page = client.get(path)
        latencies.append((time.perf_counter() - started) * 1000)
        if page.status_code != 200:
            raise RuntimeError(f"{path} answered {page.status_code}")
    return summarize(latencies, "ms") | {"bytes": len(page.content)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    count, budget = (30, 20.0) if args.quick else (200, 60.0)
    pages: dict[str, Any] = {}
    with sqlite_database() as url:
        token, _ = prepare(url)
        with server(url) as base:
            ticket_id = seed(url, base, token)
            load_before = os.getloadavg()
            client = signed_in(base)
            zoom, queue = f"/agent/tickets/{ticket_id}", f"/agent/queue?queue={QUEUE}"
            try:
                pages["ticket_zoom_200_articles"] = time_page(
                    client, zoom, count, budget, f"Article {ARTICLES}"
                )
                pages["queue_view_100k"] = time_page(client, queue, count, budget, "BP")
                pages["all_tickets_view"] = time_page(client, "/agent/queue", count, budget, "BP")
            finally:
                client.close()
            load_after = os.getloadavg()
    for name, values in pages.items():
        met = "met" if values["median"] < TARGET_MS else "MISSED"
        print(
            f"{name:26} ms {latency_text(values)} (n={values['n']}, {values['bytes']:,} bytes);"
            f" target < {TARGET_MS:.0f} ms: {met}"
        )
    path = write_result(
        "web_pages",
        {
            "quick": args.quick,
            "database": "sqlite",
            "articles": ARTICLES,
            "queue_tickets": QUEUE_TICKETS,
            "target_ms": TARGET_MS,
            "pages": pages,
            "load_average_before_after": [list(load_before), list(load_after)],
            "machine": machine(),
        },
    )
    print(f"wrote {path.relative_to(REPO)}")


if __name__ == "__main__":
    main()
