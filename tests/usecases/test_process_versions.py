"""Version history, comparison and rollback through the real store: who deployed what and what
changed, any two versions compared, an earlier version deployed again as the next one."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import Engine, update
from usecase_support import NOW, read_process

from ticketflow.db.tables import queues
from ticketflow.domain.diff import ChangeKind
from ticketflow.domain.errors import DefinitionError, InvalidInputError, NotFoundError
from ticketflow.usecases.callers import Caller
from ticketflow.usecases.ports import UnitOfWork
from ticketflow.usecases.process_versions import compare_versions, rollback_process, version_history
from ticketflow.usecases.processes import (
    deploy_process,
    import_process,
    list_versions,
    load_process,
    save_draft,
)
from ticketflow.usecases.runtime import ProcessRuntime
from ticketflow.usecases.tickets import TicketInput, create_ticket, show_ticket

Store = Callable[[], UnitOfWork]
KEY = "purchase-request"


def _three_versions(store: Store, runtime: ProcessRuntime) -> None:
    """v1 as shipped; v2 renames 'approval' and drops a dialog field; v3 adds an activity."""
    document = read_process("purchase_request.json")
    import_process(store, runtime, document, imported_by="ada", now=NOW)
    deploy_process(store, runtime, KEY, deployed_by="ada", now=NOW, note="first")
    document["activities"][1]["name"] = "Manager approval"
    document["activities"][1]["dialogs"][0]["name"] = "Decide now"
    save_draft(store, document, saved_by="bob", expected_revision=None)
    deploy_process(store, runtime, KEY, deployed_by="bob", now=NOW, note="renamed")
    document["activities"].append({"key": "archive", "name": "Archive", "type": "end"})
    document["transitions"].append(
        {
            "key": "to-archive",
            "name": "Archive",
            "source": "approval",
            "target": "archive",
            "condition": "DynamicField_Amount > 100000",
        }
    )
    save_draft(store, document, saved_by="carol", expected_revision=None)
    deploy_process(store, runtime, KEY, deployed_by="carol", now=NOW, note="archive")


def test_the_history_says_who_deployed_each_version_and_what_changed(
    store: Store, runtime: ProcessRuntime
) -> None:
    _three_versions(store, runtime)

    history = version_history(store, KEY)

    assert [(e.stored.version, e.stored.deployed_by, e.stored.note) for e in history] == [
        (1, "ada", "first"),
        (2, "bob", "renamed"),
        (3, "carol", "archive"),
    ]
    assert history[0].changes == ()
    assert [line.describe() for line in history[1].summary] == ["activities: 1 changed", "dialogs: 1 changed"]
    assert [line.describe() for line in history[2].summary] == ["activities: 1 added", "transitions: 1 added"]


def test_two_versions_compare_field_by_field(store: Store, runtime: ProcessRuntime) -> None:
    _three_versions(store, runtime)

    comparison = compare_versions(store, KEY, 1, 3)

    renamed = next(c for c in comparison.changes if c.element == "activity:approval")
    assert renamed.kind is ChangeKind.CHANGED
    assert [(v.attribute, v.old, v.new) for v in renamed.values] == [("name", "Approval", "Manager approval")]
    assert {c.element for c in comparison.changes if c.kind is ChangeKind.ADDED} == {
        "activity:archive",
        "transition:to-archive",
    }


def test_an_unknown_version_is_named(store: Store, runtime: ProcessRuntime) -> None:
    _three_versions(store, runtime)
    with pytest.raises(NotFoundError, match="no version 9"):
        compare_versions(store, KEY, 1, 9)


def test_rollback_deploys_the_earlier_content_as_the_next_version_and_tickets_keep_theirs(
    store: Store, runtime: ProcessRuntime
) -> None:
    _three_versions(store, runtime)
    ticket = create_ticket(
        store,
        runtime,
        request=TicketInput(),
        caller=Caller("root@localhost"),
        now=NOW,
        process_key=KEY,
        start_values={"Title": "Monitors", "DynamicField_Amount": "480"},
    ).id

    result = rollback_process(store, runtime, KEY, 1, rolled_back_by="dave", now=NOW)

    assert (result.version, result.rolled_back_to, result.draft_replaced) == (4, 1, True)
    latest = list_versions(store, KEY)[-1]
    assert (latest.version, latest.deployed_by, latest.note) == (4, "dave", "rollback to version 1")
    assert load_process(store, KEY, 4) == load_process(store, KEY, 1)
    assert load_process(store, KEY) == load_process(store, KEY, 1)  # the draft followed
    pinned = show_ticket(store, runtime, ticket, caller=Caller("root@localhost")).ticket.process
    assert pinned is not None
    assert pinned.version == 3


def test_rollback_keeps_a_draft_with_undeployed_changes(store: Store, runtime: ProcessRuntime) -> None:
    _three_versions(store, runtime)
    document = read_process("purchase_request.json")
    document["name"] = "Work in progress"
    save_draft(store, document, saved_by="erin", expected_revision=None)

    result = rollback_process(store, runtime, KEY, 2, rolled_back_by="dave", now=NOW)

    assert not result.draft_replaced
    assert load_process(store, KEY).name == "Work in progress"


@pytest.mark.parametrize(
    ("version", "error", "message"),
    [
        (3, InvalidInputError, "is the latest version"),
        (7, NotFoundError, "no version 7"),
    ],
)
def test_a_refused_rollback_changes_nothing(
    store: Store, runtime: ProcessRuntime, version: int, error: type[Exception], message: str
) -> None:
    _three_versions(store, runtime)
    with pytest.raises(error, match=message):
        rollback_process(store, runtime, KEY, version, rolled_back_by="dave", now=NOW)
    assert [v.version for v in list_versions(store, KEY)] == [1, 2, 3]


def test_rollback_to_the_same_content_as_the_latest_is_refused(store: Store, runtime: ProcessRuntime) -> None:
    _three_versions(store, runtime)
    rollback_process(store, runtime, KEY, 1, rolled_back_by="dave", now=NOW)
    with pytest.raises(InvalidInputError, match="same content as the latest version 4"):
        rollback_process(store, runtime, KEY, 1, rolled_back_by="dave", now=NOW)
    assert len(list_versions(store, KEY)) == 4


def test_rollback_to_a_version_that_no_longer_validates_is_refused(
    store: Store, runtime: ProcessRuntime, engine: Engine
) -> None:
    _three_versions(store, runtime)
    document = read_process("purchase_request.json")
    document["transitions"][0]["actions"] = []
    save_draft(store, document, saved_by="ada", expected_revision=None)
    deploy_process(store, runtime, KEY, deployed_by="ada", now=NOW)  # v4 no longer uses the queue
    with engine.begin() as connection:
        connection.execute(update(queues).where(queues.c.name == "Management").values(valid=False))

    with pytest.raises(DefinitionError, match="Management"):
        rollback_process(store, runtime, KEY, 1, rolled_back_by="dave", now=NOW)

    assert len(list_versions(store, KEY)) == 4
