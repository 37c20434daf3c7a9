"""What the Test Mode page tests share: an administrator's visit to the pages and REST API on the demo
database, reading the page's hidden run and its forms, and every row of every table (to prove that a
test run changed nothing)."""

from __future__ import annotations

import html
import re
from typing import Any

from fastapi import FastAPI
from pages_support import Visitor, application_of, visit
from sqlalchemy import select

from ticketflow.db.tables import metadata
from ticketflow.usecases import admin

PAGE = "/agent/admin/processes/purchase-request/test"


def administrator(app: FastAPI) -> Visitor:
    """'ada', who holds the admin group's rw, with a session made directly."""
    uow = application_of(app).uow
    admin.add_role(uow, "Admins", {"admin": ["rw"], "users": ["rw"]})
    admin.add_agent(uow, "ada", "Ada", "Admin", "ada@example.com", roles=["Admins"])
    return visit(app, "ada")


def hidden_run(page: str) -> str:
    """The run the page carries (the first form's hidden ``run``), unescaped."""
    found = re.search(r'name="run" value="([^"]*)"', page)
    assert found is not None, "the page carries no run"
    return html.unescape(found.group(1))


def every_row(app: FastAPI) -> dict[str, list[tuple[Any, ...]]]:
    """Every table's rows, sorted: sessions included, which a page visit does not write either."""
    rows: dict[str, list[tuple[Any, ...]]] = {}
    with application_of(app).engine.connect() as connection:
        for table in metadata.sorted_tables:
            rows[table.name] = sorted((tuple(row) for row in connection.execute(select(table))), key=repr)
    return rows
