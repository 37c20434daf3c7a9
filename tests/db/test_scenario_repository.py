"""Saved Test Mode scenarios: stored per process key, replaced by name, removed with their process."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from ticketflow.db.unit_of_work import SqlUnitOfWork
from ticketflow.domain.errors import NotFoundError
from ticketflow.usecases.scenario_records import StoredScenario

Factory = Callable[[], SqlUnitOfWork]
AT = datetime(2026, 11, 26, 12, tzinfo=UTC)
DOCUMENT = {"format": "ticketflow.process/1", "name": "Incident", "activities": []}


def _scenario(name: str, expected: str, key: str = "incident") -> StoredScenario:
    document = {"ticket": {"Title": name}, "expect": {"activity": expected}}
    return StoredScenario(key, name, document, AT, "anna")


def test_scenarios_are_listed_by_name_and_replaced_when_saved_again(uow_factory: Factory) -> None:
    with uow_factory() as uow:
        uow.processes.save_draft("incident", DOCUMENT, saved_by="anna", expected_revision=None)
        uow.scenarios.save(_scenario("rejected", "end"))
        uow.scenarios.save(_scenario("approved", "order"))
        uow.scenarios.save(_scenario("rejected", "closed"))
        uow.commit()
    with uow_factory() as uow:
        stored = uow.scenarios.list("incident")
        other = uow.scenarios.list("other")
    assert [(s.name, s.document["expect"]["activity"]) for s in stored] == [
        ("approved", "order"),
        ("rejected", "closed"),
    ]
    assert (stored[0].saved_at, stored[0].saved_by) == (AT, "anna")
    assert other == []


def test_a_scenario_needs_an_existing_process(uow_factory: Factory) -> None:
    with uow_factory() as uow, pytest.raises(NotFoundError, match="'nowhere' does not exist"):
        uow.scenarios.save(_scenario("any", "end", key="nowhere"))


def test_deleting_removes_one_scenario_and_refuses_an_unknown_one(uow_factory: Factory) -> None:
    with uow_factory() as uow:
        uow.processes.save_draft("incident", DOCUMENT, saved_by="anna", expected_revision=None)
        uow.scenarios.save(_scenario("a", "end"))
        uow.scenarios.save(_scenario("b", "end"))
        uow.scenarios.delete("incident", "a")
        with pytest.raises(NotFoundError, match="no test scenario 'a'"):
            uow.scenarios.delete("incident", "a")
        assert [s.name for s in uow.scenarios.list("incident")] == ["b"]


def test_deleting_the_process_deletes_its_scenarios(uow_factory: Factory) -> None:
    with uow_factory() as uow:
        uow.processes.save_draft("incident", DOCUMENT, saved_by="anna", expected_revision=None)
        uow.scenarios.save(_scenario("a", "end"))
        uow.commit()
    with uow_factory() as uow:
        uow.processes.delete("incident")
        uow.commit()
    with uow_factory() as uow:
        assert uow.scenarios.list("incident") == []
