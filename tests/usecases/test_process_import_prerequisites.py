"""Import with prerequisites through the real store (SQLite and PostgreSQL): the preview writes
nothing; creation and import are one transaction — refused, nothing at all is written."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from usecase_support import NOW, read_process

from ticketflow.domain.catalog import DynamicFieldType
from ticketflow.domain.errors import DefinitionError, ImportRefusedError, InvalidInputError
from ticketflow.domain.references import ReferenceKind
from ticketflow.usecases.catalog_records import DynamicField, Queue
from ticketflow.usecases.ports import UnitOfWork
from ticketflow.usecases.process_import import (
    FieldToCreate,
    ImportRequest,
    QueueToCreate,
    SourceFormat,
    import_with_prerequisites,
    preview_import,
    read_source,
)
from ticketflow.usecases.runtime import ProcessRuntime

Store = Callable[[], UnitOfWork]


def _needing_more() -> str:
    """The purchase sample with a queue 'Purchasing' and fields 'Supplier' and 'Priority2' it lacks."""
    document: dict[str, Any] = read_process("purchase_request.json")
    document["transitions"][1]["actions"] = [
        {"key": "q", "name": "Q", "module": "TicketQueueSet", "config": {"Queue": "Purchasing"}},
        {
            "key": "s",
            "name": "S",
            "module": "DynamicFieldSet",
            "config": {"Supplier": "ACME", "Priority2": "1"},
        },
    ]
    return json.dumps(document)


def _state(store: Store) -> tuple[set[str], set[str], bool]:
    with store() as uow:
        return (
            {f.name for f in uow.catalog.list(DynamicField)},
            {q.name for q in uow.catalog.list(Queue)},
            uow.processes.find_draft("purchase-request") is not None,
        )


def test_the_preview_lists_every_need_and_writes_nothing(store: Store, runtime: ProcessRuntime) -> None:
    before = _state(store)

    preview = preview_import(store, runtime, _needing_more(), "purchase.json", NOW)

    assert preview.source.source_format is SourceFormat.NATIVE
    missing = {(r.kind, r.name) for r in preview.requirements if not r.present}
    assert missing == {
        (ReferenceKind.QUEUE, "Purchasing"),
        (ReferenceKind.DYNAMIC_FIELD, "Supplier"),
        (ReferenceKind.DYNAMIC_FIELD, "Priority2"),
    }
    assert (ReferenceKind.QUEUE, "Management") in {
        (r.kind, r.name) for r in preview.requirements if r.present
    }
    assert [(f.name, f.type) for f in preview.fields_to_create] == [
        ("Supplier", DynamicFieldType.TEXT),
        ("Priority2", DynamicFieldType.CHECKBOX),
    ]
    assert preview.queues_to_create == ("Purchasing",)
    assert preview.blocking == ()
    assert _state(store) == before


def test_creation_and_import_happen_together(store: Store, runtime: ProcessRuntime) -> None:
    request = ImportRequest(
        _needing_more(),
        "purchase.json",
        fields=[
            FieldToCreate("Supplier", "Supplier", DynamicFieldType.TEXT),
            FieldToCreate("Priority2", "Urgent", DynamicFieldType.CHECKBOX),
        ],
        queues=[QueueToCreate("Purchasing")],
    )

    result = import_with_prerequisites(store, runtime, request, imported_by="ada", now=NOW)

    assert (result.key, result.revision) == ("purchase-request", 1)
    fields, queues, drafted = _state(store)
    assert {"Supplier", "Priority2"} <= fields
    assert "Purchasing" in queues
    assert drafted


@pytest.mark.parametrize(
    ("fields", "queues", "says"),
    [
        ([], [QueueToCreate("Purchasing")], "dynamic field 'Supplier' does not exist"),
        ([FieldToCreate("Supplier", "", DynamicFieldType.TEXT)], [], "must not be empty"),
        ([FieldToCreate("Sup plier", "S", DynamicFieldType.TEXT)], [], "letters and digits only"),
        ([FieldToCreate("Amount", "A", DynamicFieldType.TEXT)], [], "dynamic field 'Amount' already exists"),
        (
            [FieldToCreate("Supplier", "S", DynamicFieldType.DROPDOWN)],
            [],
            "needs at least one possible value",
        ),
        ([], [QueueToCreate("Purchasing", group="nobody")], "group 'nobody' does not exist"),
        ([], [QueueToCreate("Purchasing"), QueueToCreate("Purchasing")], "is to be created twice"),
    ],
)
def test_a_refused_import_writes_nothing_at_all(
    store: Store, runtime: ProcessRuntime, fields: list[FieldToCreate], queues: list[QueueToCreate], says: str
) -> None:
    complete = [
        FieldToCreate("Supplier", "Supplier", DynamicFieldType.TEXT),
        FieldToCreate("Priority2", "Urgent", DynamicFieldType.CHECKBOX),
    ]
    wanted = (
        fields + [f for f in complete if f.name not in {x.name for x in fields}] if fields else complete[1:]
    )
    request = ImportRequest(_needing_more(), queues=queues or [QueueToCreate("Purchasing")], fields=wanted)
    before = _state(store)

    with pytest.raises(ImportRefusedError, match=says):
        import_with_prerequisites(store, runtime, request, imported_by="ada", now=NOW)

    assert _state(store) == before


def test_a_taken_key_is_refused_unless_the_draft_is_replaced(store: Store, runtime: ProcessRuntime) -> None:
    text = json.dumps(read_process("purchase_request.json"))
    import_with_prerequisites(store, runtime, ImportRequest(text), imported_by="ada", now=NOW)

    with pytest.raises(InvalidInputError, match="key: a process with key 'purchase-request' exists"):
        import_with_prerequisites(store, runtime, ImportRequest(text), imported_by="ada", now=NOW)
    with pytest.raises(InvalidInputError, match="'Not A Key' is not a process key"):
        import_with_prerequisites(
            store, runtime, ImportRequest(text, key="Not A Key"), imported_by="ada", now=NOW
        )
    again = import_with_prerequisites(
        store, runtime, ImportRequest(text, replace_draft=True), imported_by="ada", now=NOW
    )
    assert again.revision == 2


@pytest.mark.parametrize(
    ("text", "filename", "error", "says"),
    [
        ("", "x.json", InvalidInputError, "choose a file"),
        ("{]", "x.json", InvalidInputError, "is not valid JSON"),
        ("a: [1", "x.yml", InvalidInputError, "neither JSON, YAML nor BPMN XML"),
        ("<html></html>", "x.bpmn", InvalidInputError, "not BPMN 2.0 XML"),
        ("<!DOCTYPE x><x/>", "x.xml", InvalidInputError, "DOCTYPE"),
        ('{"format": "ticketflow.process/1", "key": "k"}', "x.json", DefinitionError, "required"),
    ],
)
def test_unreadable_files_are_named(text: str, filename: str, error: type[Exception], says: str) -> None:
    with pytest.raises(error, match=says):
        read_source(text, filename)
