"""Process drafts (revisioned, compare-and-set) and deployed versions."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from ticketflow.db.unit_of_work import SqlUnitOfWork
from ticketflow.domain.errors import ConflictError, NotFoundError
from ticketflow.domain.positions import ProcessPosition
from ticketflow.usecases.records import NewTicket

Factory = Callable[[], SqlUnitOfWork]
AT = datetime(2024, 6, 1, 12, tzinfo=UTC)
DOCUMENT = {
    "format": "ticketflow.process/1",
    "name": "Incident",
    "state": "FadeAway",
    "activities": [{"k": 1}],
}


def test_drafts_count_revisions_and_refuse_stale_saves(uow_factory: Factory) -> None:
    with uow_factory() as uow:
        assert uow.processes.save_draft("incident", DOCUMENT, saved_by="anna", expected_revision=None) == 1
        assert uow.processes.save_draft("incident", DOCUMENT, saved_by="bob", expected_revision=1) == 2
        with pytest.raises(ConflictError, match="revision 2"):
            uow.processes.save_draft("incident", {"name": "stale"}, saved_by="anna", expected_revision=1)
        uow.commit()
    with uow_factory() as uow:
        draft = uow.processes.find_draft("incident")
        assert uow.processes.find_draft("other") is None
    assert draft is not None
    assert (draft.name, draft.revision, draft.saved_by) == ("Incident", 2, "bob")
    assert draft.document == DOCUMENT


def test_a_new_draft_with_an_expected_revision_conflicts(uow_factory: Factory) -> None:
    with uow_factory() as uow, pytest.raises(ConflictError):
        uow.processes.save_draft("new", DOCUMENT, saved_by="anna", expected_revision=3)


def test_versions_are_frozen_listed_and_summarised(uow_factory: Factory) -> None:
    with uow_factory() as uow:
        uow.processes.save_draft("incident", DOCUMENT, saved_by="anna", expected_revision=None)
        uow.processes.add_version("incident", 1, DOCUMENT, "sha256:1", "anna", AT, note="first")
        uow.processes.add_version("incident", 2, {"name": "Incident 2"}, "sha256:2", "anna", AT)
        with pytest.raises(ConflictError):
            uow.processes.add_version("incident", 2, DOCUMENT, "sha256:x", "anna", AT)
    with uow_factory() as uow:
        uow.processes.add_version("incident", 1, DOCUMENT, "sha256:1", "anna", AT, note="first")
        uow.processes.add_version("incident", 2, {"name": "Incident 2"}, "sha256:2", "anna", AT)
        uow.processes.add_version("direct", 1, {}, "sha256:d", "bob", AT)
        uow.commit()
    with uow_factory() as uow:
        first = uow.processes.get_version("incident", 1)
        latest = uow.processes.find_latest_version("incident")
        versions = uow.processes.list_versions("incident")
        summaries = uow.processes.list_processes()
        with pytest.raises(NotFoundError):
            uow.processes.get_version("incident", 9)
        assert uow.processes.find_latest_version("nothing") is None
    assert (first.document, first.note, first.deployed_at) == (DOCUMENT, "first", AT)
    assert latest is not None
    assert latest.version == 2
    assert [v.version for v in versions] == [1, 2]
    assert [(s.key, s.name, s.latest_version, s.draft_revision) for s in summaries] == [
        ("direct", "direct", 1, None),
        ("incident", "Incident 2", 2, None),
    ]


def test_delete_refuses_processes_that_tickets_use(uow_factory: Factory) -> None:
    with uow_factory() as uow:
        uow.processes.add_version("used", 1, {}, "h", "anna", AT)
        uow.processes.add_version("unused", 1, {}, "h", "anna", AT)
        uow.tickets.add(
            NewTicket(
                "t", "Raw", "new", "3 normal", "root@localhost", process=ProcessPosition("used", 1, "a")
            )
        )
        with pytest.raises(ConflictError, match="1 ticket"):
            uow.processes.delete("used")
        uow.processes.delete("unused")
        with pytest.raises(NotFoundError):
            uow.processes.delete("unused")
        assert [s.key for s in uow.processes.list_processes()] == ["used"]
