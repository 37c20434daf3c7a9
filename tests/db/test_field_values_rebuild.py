"""Migration 0009: on SQLite the dynamic-field values table is rebuilt WITHOUT ROWID, keeping its rows."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from ticketflow.db.migrate import upgrade

TICKET = (
    "INSERT INTO tickets (id, number, title, queue, state, priority, lock, owner, version, created_at,"
    " changed_at) VALUES (1, '1', 'T', 'Raw', 'new', '3 normal', 'unlock', 'root@localhost', 1,"
    " '2026-11-26 10:00:00', '2026-11-26 10:00:00')"
)
FIELDS = [
    (1, "Colour", 0, 0, "blue"),
    (1, "Tags", 0, 1, "a"),
    (1, "Tags", 1, 1, "b"),
    (1, "Empty", 0, 1, None),
]


def _table_sql(path: Path) -> str:
    with sqlite3.connect(path) as connection:
        row = connection.execute(
            "SELECT sql FROM sqlite_master WHERE name = 'ticket_field_values'"
        ).fetchone()
    return str(row[0])


def test_the_rebuild_keeps_every_row_and_drops_the_rowid(tmp_path: Path) -> None:
    path = tmp_path / "before.db"
    upgrade(f"sqlite:///{path}", "0008")
    assert "WITHOUT ROWID" not in _table_sql(path)
    with sqlite3.connect(path) as connection:
        connection.execute(
            "INSERT INTO dynamic_fields (name, label, field_type, config, field_order, valid)"
            " VALUES ('Colour', 'Colour', 'Text', '{}', 0, 1),"
            " ('Tags', 'Tags', 'Multiselect', '{}', 1, 1), ('Empty', 'Empty', 'Multiselect', '{}', 2, 1)"
        )
        connection.execute(TICKET)
        connection.executemany("INSERT INTO ticket_field_values VALUES (?, ?, ?, ?, ?)", FIELDS)
    upgrade(f"sqlite:///{path}")
    assert "WITHOUT ROWID" in _table_sql(path)
    with sqlite3.connect(path) as connection:
        rows = connection.execute(
            "SELECT * FROM ticket_field_values ORDER BY field_name, position"
        ).fetchall()
        connection.execute("PRAGMA foreign_keys=ON")
        connection.execute("DELETE FROM tickets WHERE id = 1")  # the cascade still holds
        left = connection.execute("SELECT count(*) FROM ticket_field_values").fetchone()
        leftover = connection.execute(
            "SELECT name FROM sqlite_master WHERE name LIKE '%before_0009'"
        ).fetchall()
    assert rows == sorted(FIELDS, key=lambda row: (row[1], row[2]))
    assert left == (0,)
    assert leftover == []
