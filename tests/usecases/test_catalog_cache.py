"""``CatalogReads``: the worker's short-lived cache of catalog records, against the real store."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from ticketflow.usecases.catalog_cache import CatalogReads
from ticketflow.usecases.catalog_records import Agent, WebService
from ticketflow.usecases.ports import UnitOfWork

Store = Callable[[], UnitOfWork]


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _rename_agent(store: Store, login: str, first_name: str) -> None:
    """An admin's change behind the cache's back (the store has no update: replace the record)."""
    with store() as uow:
        connection = uow.connection  # type: ignore[attr-defined]
        connection.exec_driver_sql(f"UPDATE agents SET first_name = '{first_name}' WHERE login = '{login}'")
        uow.commit()


def test_a_record_is_read_once_per_ttl_and_a_change_shows_after_it(store: Store) -> None:
    with store() as uow:
        uow.catalog.add(Agent("ann", first_name="Ann", email="ann@example.com"))
        uow.commit()
    clock = Clock()
    records = CatalogReads(timedelta(seconds=5), clock=clock)

    with store() as uow:
        assert records.find(uow, Agent, "ann").first_name == "Ann"  # type: ignore[union-attr]
    _rename_agent(store, "ann", "Anna")
    clock.now += 5
    with store() as uow:
        assert records.find(uow, Agent, "ann").first_name == "Ann"  # type: ignore[union-attr]
        assert [a.first_name for a in records.list(uow, Agent) if a.login == "ann"] == ["Anna"]
    clock.now += 0.5
    with store() as uow:
        assert records.find(uow, Agent, "ann").first_name == "Anna"  # type: ignore[union-attr]


def test_a_missing_record_is_not_remembered(store: Store) -> None:
    records = CatalogReads(timedelta(seconds=5), clock=Clock())
    with store() as uow:
        assert records.find(uow, WebService, "CRM") is None
        uow.catalog.add(WebService("CRM", {"Requester": {}}))
        uow.commit()
    with store() as uow:
        assert records.find(uow, WebService, "CRM") == WebService("CRM", {"Requester": {}})


def test_a_derived_value_is_built_again_for_a_record_read_again(store: Store) -> None:
    with store() as uow:
        uow.catalog.add(WebService("CRM", {"Requester": {}}))
        uow.commit()
    clock = Clock()
    records = CatalogReads(timedelta(seconds=5), clock=clock)
    built: list[str] = []

    def parse(uow: UnitOfWork) -> object:
        record = records.find(uow, WebService, "CRM")
        assert record is not None
        return records.derived("parsed", record, record.name, lambda: built.append(record.name))

    with store() as uow:
        parse(uow)
        parse(uow)
    clock.now += 6
    with store() as uow:
        parse(uow)
    assert built == ["CRM", "CRM"]
