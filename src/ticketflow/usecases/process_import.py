"""Import a process file from the admin page: ticketflow JSON, OTOBO YAML or BPMN 2.0 XML.

``preview_import`` reads the file and reports, without writing anything, what the process needs
here (each queue, role, dynamic field, web service … present or missing), what a BPMN diagram holds
that our engine cannot run, and the reader's warnings; it proposes the missing dynamic fields and
queues with editable defaults. ``import_with_prerequisites`` then creates the chosen fields and
queues and saves the draft in one transaction: all of it, or — with every reason named — nothing.
Roles, web services and everything else are never created here; the admin adds them on their pages.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

import yaml

from ticketflow.domain.catalog import Catalog, DynamicFieldDefinition, DynamicFieldType
from ticketflow.domain.definitions import Process
from ticketflow.domain.errors import DefinitionError, ImportRefusedError, InvalidInputError, Problem
from ticketflow.domain.formats.bpmn_reading import PLACEHOLDER_CALLS, process_from_bpmn
from ticketflow.domain.formats.native_json import process_from_dict, process_to_dict
from ticketflow.domain.prerequisites import (
    DEFAULT_QUEUE_GROUP,
    FIELD_NAME,
    FieldProposal,
    propose_field,
)
from ticketflow.domain.references import (
    ReferenceKind,
    References,
    collect_references,
    missing_references,
)
from ticketflow.usecases.catalog_records import DynamicField, Group, Queue
from ticketflow.usecases.ports import UnitOfWork
from ticketflow.usecases.processes import ImportResult, UnitOfWorkFactory, parse_document
from ticketflow.usecases.runtime import ProcessRuntime
from ticketflow.usecases.yaml_text import load_yaml, yaml_context

# Kinds of missing things the import page creates; every other kind only has a link to its page.
CREATABLE = frozenset({ReferenceKind.QUEUE, ReferenceKind.DYNAMIC_FIELD})
_LIST_TYPES = (DynamicFieldType.DROPDOWN, DynamicFieldType.MULTISELECT)
# What a BPMN diagram from another tool gets for a task whose call is not chosen yet: not missing
# things to create, but choices to make in the modeler before deploying.
PLACEHOLDER_NAMES = frozenset(str(value) for _, call in PLACEHOLDER_CALLS.values() for value in call.values())


class SourceFormat(StrEnum):
    NATIVE = "ticketflow"
    OTOBO = "otobo"
    BPMN = "bpmn"


@dataclass(frozen=True, slots=True)
class SourceProcess:
    """A process read from a file, with what reading it reported."""

    process: Process
    source_format: SourceFormat
    warnings: tuple[Problem, ...] = ()


@dataclass(frozen=True, slots=True)
class Requirement:
    """One thing outside the process that it needs: a line of the import checklist."""

    kind: ReferenceKind
    name: str
    present: bool
    used_by: tuple[str, ...]
    web_service: str | None = None
    placeholder: bool = False  # a BPMN task's call still to choose in the modeler

    @property
    def creatable(self) -> bool:
        return not self.present and not self.placeholder and self.kind in CREATABLE

    @property
    def blocking(self) -> bool:
        return not self.present and not self.placeholder and self.kind not in CREATABLE


@dataclass(frozen=True, slots=True)
class ImportPreview:
    source: SourceProcess
    requirements: tuple[Requirement, ...]
    fields_to_create: tuple[FieldProposal, ...]
    queues_to_create: tuple[str, ...]
    key_taken: bool  # a process with this key exists: importing replaces its draft
    groups: tuple[str, ...]  # permission groups a new queue can belong to

    @property
    def process(self) -> Process:
        return self.source.process

    @property
    def blocking(self) -> tuple[Requirement, ...]:
        return tuple(r for r in self.requirements if r.blocking)


@dataclass(frozen=True, slots=True)
class FieldToCreate:
    name: str
    label: str
    type: DynamicFieldType
    possible_values: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class QueueToCreate:
    name: str
    group: str = DEFAULT_QUEUE_GROUP


@dataclass(frozen=True, slots=True)
class ImportRequest:
    """What the admin confirmed: the file again, the key to import under, and what to create."""

    text: str
    filename: str = ""
    key: str | None = None
    replace_draft: bool = False
    fields: Sequence[FieldToCreate] = ()
    queues: Sequence[QueueToCreate] = ()


def read_source(text: str, filename: str = "") -> SourceProcess:
    """The process in ``text``; the format comes from the file's extension and its content.

    InvalidInputError (field ``document``) when the text is none of the three formats; DefinitionError
    listing every problem when it is one of them but not a valid process."""
    stripped = text.lstrip("\ufeff \t\r\n")
    suffix = filename.rpartition(".")[2].lower() if "." in filename else ""
    if not stripped:
        raise InvalidInputError("choose a file or paste a definition", field="document")
    if stripped.startswith("<"):
        try:
            imported = process_from_bpmn(stripped)
        except InvalidInputError as error:
            raise InvalidInputError(error.message.removeprefix("bpmn: "), field="document") from None
        return SourceProcess(imported.process, SourceFormat.BPMN, imported.warnings)
    if suffix in ("bpmn", "xml"):
        raise InvalidInputError(f"is named .{suffix} but does not hold XML", field="document")
    document = _json(stripped) if suffix == "json" or stripped.startswith(("{", "[")) else _yaml(stripped)
    if not isinstance(document, dict):
        raise InvalidInputError("is not a process: expected a JSON object or YAML mapping", field="document")
    parsed = parse_document(document)
    is_native = str(document.get("format", "")).startswith("ticketflow.process/")
    return SourceProcess(
        parsed.process, SourceFormat.NATIVE if is_native else SourceFormat.OTOBO, parsed.warnings
    )


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        where = f"line {error.lineno} column {error.colno}"
        raise InvalidInputError(f"is not valid JSON ({error.msg} at {where})", field="document") from None


def _yaml(text: str) -> Any:
    try:
        return load_yaml(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1} column {mark.column + 1}" if mark is not None else ""
        where += yaml_context(error)
        raise InvalidInputError(
            f"is neither JSON, YAML nor BPMN XML (YAML{where})", field="document"
        ) from None


def preview_import(
    uow_factory: UnitOfWorkFactory, runtime: ProcessRuntime, text: str, filename: str, now: datetime
) -> ImportPreview:
    """What importing ``text`` would need and do; writes nothing."""
    source = read_source(text, filename)
    with uow_factory() as uow:
        runtime.forget_catalog()
        catalog = runtime.catalog(uow, now)
        key_taken = uow.processes.find_draft(source.process.key) is not None
        groups = tuple(g.name for g in uow.catalog.list(Group) if g.valid)
    requirements = _requirements(source.process, catalog)
    missing_fields = [r.name for r in requirements if r.creatable and r.kind is ReferenceKind.DYNAMIC_FIELD]
    missing_queues = [r.name for r in requirements if r.creatable and r.kind is ReferenceKind.QUEUE]
    return ImportPreview(
        source,
        requirements,
        tuple(propose_field(source.process, name) for name in missing_fields),
        tuple(missing_queues),
        key_taken,
        groups,
    )


def _requirements(process: Process, catalog: Catalog) -> tuple[Requirement, ...]:
    refs = collect_references(process)
    missing = {
        (ref.kind, ref.name, ref.web_service)
        for ref in refs.items
        if missing_references(References((ref,)), catalog)
    }
    return tuple(
        Requirement(
            ref.kind,
            ref.name,
            (ref.kind, ref.name, ref.web_service) not in missing,
            tuple(dict.fromkeys(u.element for u in ref.used_by)),
            ref.web_service,
            ref.name in PLACEHOLDER_NAMES,
        )
        for ref in refs.items
    )


def import_with_prerequisites(
    uow_factory: UnitOfWorkFactory,
    runtime: ProcessRuntime,
    request: ImportRequest,
    *,
    imported_by: str,
    now: datetime,
) -> ImportResult:
    """Create the requested dynamic fields and queues and save the process as the draft of its key,
    in one transaction. Refused, with nothing written, when the file cannot be read, the key is taken
    and ``replace_draft`` is not set, a creation is invalid, or anything the process needs would
    still be missing (ImportRefusedError naming every one)."""
    source = read_source(request.text, request.filename)
    process = _with_key(source.process, request.key)
    with uow_factory() as uow:
        if uow.processes.find_draft(process.key) is not None and not request.replace_draft:
            raise InvalidInputError(
                f"a process with key '{process.key}' exists; choose another key or replace its draft",
                field="key",
            )
        runtime.forget_catalog()
        catalog = runtime.catalog(uow, now)
        problems = _creation_problems(uow, catalog, process, request)
        if problems:
            raise ImportRefusedError(problems, summary=f"process '{process.name}' was not imported")
        _create(uow, request)
        revision = uow.processes.save_draft(
            process.key, process_to_dict(process), saved_by=imported_by, expected_revision=None
        )
        uow.commit()
    runtime.forget_catalog()
    return ImportResult(process.key, process.name, revision, source.warnings)


def _with_key(process: Process, key: str | None) -> Process:
    if key is None or key == process.key:
        return process
    try:
        return process_from_dict(process_to_dict(replace(process, key=key.strip())))
    except DefinitionError:
        raise InvalidInputError(
            f"'{key}' is not a process key (lower-case letters, digits, '.', '_' and '-')", field="key"
        ) from None


def _creation_problems(
    uow: UnitOfWork, catalog: Catalog, process: Process, request: ImportRequest
) -> list[Problem]:
    """Every reason not to import: invalid creations, creations of things not missing, and what the
    process needs that would still be missing after them."""
    problems: list[Problem] = []
    groups = {g.name for g in uow.catalog.list(Group) if g.valid}
    for kind, names in (
        ("queue", [q.name for q in request.queues]),
        ("dynamic field", [f.name for f in request.fields]),
    ):
        for name in sorted({n for n in names if names.count(n) > 1}):
            problems.append(Problem(f"{kind}:{name}", f"{kind} '{name}' is to be created twice", "name"))
    for position, queue in enumerate(request.queues):
        problems += _queue_problems(queue, position, catalog, groups)
    for position, wanted in enumerate(request.fields):
        problems += _field_problems(wanted, position, catalog)
    after = replace(
        catalog,
        queues=catalog.queues | {q.name for q in request.queues},
        dynamic_fields={
            **catalog.dynamic_fields,
            **{f.name: DynamicFieldDefinition(f.name, f.label, f.type) for f in request.fields},
        },
    )
    for requirement in _requirements(process, after):
        if not requirement.present and not requirement.placeholder:
            usage = ", ".join(requirement.used_by)
            label = f"{requirement.kind.value} '{requirement.name}'"
            problems.append(Problem(requirement.used_by[0], f"{label} does not exist (used by {usage})"))
    return problems


def _queue_problems(queue: QueueToCreate, position: int, catalog: Catalog, groups: set[str]) -> list[Problem]:
    element = f"queue:{queue.name or position + 1}"
    if not queue.name.strip() or queue.name != queue.name.strip():
        return [Problem(element, "needs a name without leading or trailing spaces", "name")]
    if queue.name in catalog.queues:
        return [Problem(element, f"queue '{queue.name}' already exists", "name")]
    if queue.group not in groups:
        return [Problem(element, f"group '{queue.group}' does not exist", "group")]
    return []


def _field_problems(wanted: FieldToCreate, position: int, catalog: Catalog) -> list[Problem]:
    element = f"dynamic field:{wanted.name or position + 1}"
    problems = []
    if not FIELD_NAME.fullmatch(wanted.name):
        problems.append(Problem(element, f"'{wanted.name}' must consist of letters and digits only", "name"))
    elif wanted.name in catalog.dynamic_fields:
        problems.append(Problem(element, f"dynamic field '{wanted.name}' already exists", "name"))
    if not wanted.label.strip():
        problems.append(Problem(element, "must not be empty", "label"))
    values = wanted.possible_values
    if wanted.type in _LIST_TYPES and not values:
        problems.append(
            Problem(
                element, f"a {wanted.type.value} field needs at least one possible value", "possible_values"
            )
        )
    if wanted.type not in _LIST_TYPES and values:
        problems.append(
            Problem(element, f"a {wanted.type.value} field takes no possible values", "possible_values")
        )
    if any(not k.strip() or not v.strip() for k, v in values.items()):
        problems.append(Problem(element, "every possible value needs a key and a label", "possible_values"))
    return problems


def _create(uow: UnitOfWork, request: ImportRequest) -> None:
    for queue in request.queues:
        uow.catalog.add(Queue(queue.name, group=queue.group, comment="created by a process import"))
    order = max((f.order for f in uow.catalog.list(DynamicField)), default=0)
    for offset, wanted in enumerate(request.fields, start=1):
        values = dict(wanted.possible_values)
        config = {"PossibleValues": values} if values else {}
        uow.catalog.add(DynamicField(wanted.name, wanted.label.strip(), wanted.type, config, order + offset))
