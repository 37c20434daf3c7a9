"""The store's shortcuts for a durable step: multi-row inserts, history with the commit, idle pings."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import Engine, make_url

from ticketflow.db.connect import IDLE_PING_SECONDS, create_engine_for, json_text, json_value
from ticketflow.db.migrate import upgrade
from ticketflow.db.seed import seed_defaults
from ticketflow.db.unit_of_work import SqlUnitOfWork
from ticketflow.domain.catalog import DynamicFieldType
from ticketflow.domain.errors import InvalidInputError, NotFoundError
from ticketflow.usecases.catalog_records import DynamicField
from ticketflow.usecases.records import HistoryEntry, NewTicket, TicketQuery

Factory = Callable[[], SqlUnitOfWork]
AT = datetime(2024, 5, 1, 10, tzinfo=UTC)
NEW = NewTicket(title="t", queue="Raw", state="new", priority="3 normal", owner="root@localhost")


def test_many_history_rows_commit_in_order_with_their_values(uow_factory: Factory) -> None:
    """More rows than one multi-row INSERT takes, each with its own time and trace."""
    with uow_factory() as uow:
        ticket_id = uow.tickets.add(NEW).id
        for index in range(70):
            trace = ({"step": index},) if index % 2 else ()
            at = AT + timedelta(seconds=index)
            uow.tickets.add_history(HistoryEntry(ticket_id, "Misc", f"%%{index}", at, "system", trace))
        uow.commit()
    with uow_factory() as uow:
        history = uow.tickets.list_history(ticket_id)
    assert [h.name for h in history] == [f"%%{index}" for index in range(70)]
    assert [h.created_at for h in history] == [AT + timedelta(seconds=index) for index in range(70)]
    assert [h.trace for h in history] == [({"step": i},) if i % 2 else () for i in range(70)]


def test_history_of_a_ticket_deleted_meanwhile_fails_the_commit_and_writes_nothing(
    engine: Engine, uow_factory: Factory
) -> None:
    """On PostgreSQL the history goes with the COMMIT in one round trip: its error still surfaces."""
    if engine.dialect.name == "sqlite":
        pytest.skip("SQLite has one writer: nobody deletes the ticket meanwhile")
    with uow_factory() as uow:
        ticket_id = uow.tickets.add(NEW).id
        uow.commit()
    with uow_factory() as uow:
        uow.tickets.get(ticket_id)  # seen: its history is collected for the commit
        uow.tickets.add_history(HistoryEntry(ticket_id, "Misc", "%%x", AT, "system"))
        with uow_factory() as other:
            other.connection.exec_driver_sql(f"DELETE FROM tickets WHERE id = {ticket_id}")
            other.commit()
        with pytest.raises(NotFoundError):
            uow.commit()
    with uow_factory() as uow:
        assert uow.tickets.find(ticket_id) is None
        assert uow.tickets.list_history(ticket_id) == []


def test_json_columns_read_back_what_was_written() -> None:
    import json

    values = ([], {}, [{"a": [1, "é"], "b": None}], {"k": 1.5, "t": True}, {1: "one"}, "\u2028")
    for value in values:
        text = json_text(value)
        assert json.loads(text) == json_value(text), text  # the same values as the standard library
        assert json_value(text) == (json.loads(json.dumps(value)))  # int keys become strings, as there
    assert json_text({"a": [1, 2]}) == '{"a":[1,2]}'  # compact


@pytest.mark.postgres
def test_a_pooled_connection_closed_while_idle_is_replaced(postgres_url: str) -> None:
    engine: Engine = create_engine_for(postgres_url)
    try:
        with engine.connect() as connection:
            backend = connection.exec_driver_sql("SELECT pg_backend_pid()").scalar_one()
            connection.rollback()
        dsn = make_url(postgres_url).set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(dsn, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (backend,))
        record = engine.pool._pool.queue[0]  # type: ignore[attr-defined]  # the one pooled connection
        record.info["idle_since"] -= IDLE_PING_SECONDS + 1  # as if it had been idle that long
        with engine.connect() as connection:
            assert connection.exec_driver_sql("SELECT 1").scalar_one() == 1
            assert connection.exec_driver_sql("SELECT pg_backend_pid()").scalar_one() != backend
    finally:
        engine.dispose()


def test_field_changes_read_back_in_their_transaction_and_in_order(uow_factory: Factory) -> None:
    """On PostgreSQL an update's field rows wait for the commit; reads in between still see them,
    and a field changed twice ends with its last value."""
    with uow_factory() as uow:
        uow.catalog.add(DynamicField("Note", "Note", DynamicFieldType.TEXT))
        uow.catalog.add(DynamicField("Tags", "Tags", DynamicFieldType.MULTISELECT))
        uow.commit()
    with uow_factory() as uow:
        ticket = uow.tickets.add(NEW)
        first = uow.tickets.update(replace(ticket, dynamic_fields={"Note": "a"}), expected_version=1)
        assert uow.tickets.get(ticket.id).dynamic_fields == {"Note": "a"}
        second = uow.tickets.update(
            replace(first, dynamic_fields={"Note": "b", "Tags": ("x", "y")}), expected_version=2
        )
        uow.tickets.update(replace(second, dynamic_fields={"Tags": ("y",)}), expected_version=3)
        assert [t.id for t in uow.tickets.list(TicketQuery())] == [ticket.id]
        uow.commit()
    with uow_factory() as uow:
        assert uow.tickets.get(ticket.id).dynamic_fields == {"Tags": ("y",)}


def test_an_unknown_dynamic_field_fails_the_change_and_writes_nothing(uow_factory: Factory) -> None:
    with uow_factory() as uow:
        ticket = uow.tickets.add(NEW)
        uow.commit()
    changed = replace(ticket, title="changed", dynamic_fields={"Nowhere": "x"})
    with uow_factory() as uow, pytest.raises(InvalidInputError, match="dynamic field"):  # noqa: PT012
        uow.tickets.update(changed, expected_version=1)  # SQLite refuses the field rows here,
        uow.commit()  # PostgreSQL with the commit
    with uow_factory() as uow:
        stored = uow.tickets.get(ticket.id)
    assert (stored.title, stored.version, stored.dynamic_fields) == ("t", 1, {})


def test_concurrent_sqlite_writers_of_one_process_all_land(tmp_path: Path) -> None:
    """Eight threads changing one ticket at once on SQLite: every change lands, none fails as busy."""
    url = f"sqlite:///{tmp_path / 'turns.db'}"
    upgrade(url)
    engine = create_engine_for(url)
    try:
        with SqlUnitOfWork(engine) as uow:
            seed_defaults(uow)
            ticket_id = uow.tickets.add(NewTicket("t", "Raw", "new", "3 normal", "root@localhost")).id
            uow.commit()

        def bump(_: int) -> None:
            # Read and write in one transaction: under the writer lock no two interleave, so no
            # change is lost to a version conflict and none waits in SQLite's busy handler.
            with SqlUnitOfWork(engine) as uow:
                ticket = uow.tickets.get(ticket_id)
                uow.tickets.update(replace(ticket, title=ticket.title + "x"), expected_version=ticket.version)
                uow.commit()

        with ThreadPoolExecutor(max_workers=8) as pool:
            list(pool.map(bump, range(40)))
        with SqlUnitOfWork(engine) as uow:
            assert uow.tickets.get(ticket_id).title == "t" + "x" * 40
    finally:
        engine.dispose()
