"""Process use cases: import, validate, save, deploy, versions, export, diff.

A process has one draft (what the modeler or an import saved) and any number of deployed versions
(immutable, with a content hash). Deploying validates the draft and freezes it as the next version;
tickets keep the version they started on (reference §9: OTOBO has no versions at all).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from ticketflow.domain.catalog import Catalog
from ticketflow.domain.definitions import Process, ProcessState
from ticketflow.domain.diff import ElementChange, diff_processes
from ticketflow.domain.errors import (
    DefinitionError,
    ImportRefusedError,
    InvalidInputError,
    NotFoundError,
    Problem,
)
from ticketflow.domain.formats.native_json import content_hash, process_from_dict, process_to_dict
from ticketflow.domain.formats.otobo_yaml import process_from_otobo, process_to_otobo
from ticketflow.domain.references import collect_references, missing_references
from ticketflow.domain.transition_actions import ACTIONS
from ticketflow.domain.validation import validate
from ticketflow.usecases import scenarios
from ticketflow.usecases.ports import UnitOfWork
from ticketflow.usecases.records import Draft, ProcessSummary, StoredVersion
from ticketflow.usecases.runtime import ProcessRuntime

UnitOfWorkFactory = Callable[[], UnitOfWork]


class ProcessFormat(StrEnum):
    NATIVE = "ticketflow"
    OTOBO = "otobo"


@dataclass(frozen=True, slots=True)
class ParsedProcess:
    process: Process
    warnings: tuple[Problem, ...] = ()


@dataclass(frozen=True, slots=True)
class ImportResult:
    key: str
    name: str
    revision: int
    warnings: tuple[Problem, ...]


@dataclass(frozen=True, slots=True)
class DeployResult:
    key: str
    version: int
    content_hash: str
    unchanged: bool  # the draft equals the latest version: nothing new was deployed


def detect_format(document: Mapping[str, Any]) -> ProcessFormat:
    """Our JSON carries ``"format": "ticketflow.process/1"``; OTOBO exports have a ``Process`` key."""
    if str(document.get("format", "")).startswith("ticketflow.process/"):
        return ProcessFormat.NATIVE
    if "Process" in document:
        return ProcessFormat.OTOBO
    raise InvalidInputError(
        "neither a ticketflow process (no 'format': 'ticketflow.process/1') "
        "nor an OTOBO export (no 'Process' key)",
        field="document",
    )


def parse_document(document: Mapping[str, Any]) -> ParsedProcess:
    """A process from a parsed JSON or YAML document in either format (DefinitionError if malformed)."""
    if detect_format(document) is ProcessFormat.NATIVE:
        return ParsedProcess(process_from_dict(document))
    imported = process_from_otobo(document)
    return ParsedProcess(imported.process, imported.warnings)


def check_process(process: Process, catalog: Catalog, runtime: ProcessRuntime) -> tuple[Problem, ...]:
    """Every problem of ``process`` against this system's catalog (errors and warnings)."""
    return validate(process, catalog, ACTIONS, runtime.scripts, validators=frozenset(runtime.validators))


def validate_document(
    uow_factory: UnitOfWorkFactory, runtime: ProcessRuntime, document: Mapping[str, Any], now: datetime
) -> tuple[Problem, ...]:
    """Warnings of the import plus every validation problem; raises DefinitionError if unreadable."""
    parsed = parse_document(document)
    with uow_factory() as uow:
        catalog = runtime.catalog(uow, now)
    return parsed.warnings + check_process(parsed.process, catalog, runtime)


def import_process(
    uow_factory: UnitOfWorkFactory,
    runtime: ProcessRuntime,
    document: Mapping[str, Any],
    *,
    imported_by: str,
    now: datetime,
) -> ImportResult:
    """Save a process from a document as the draft of its key, all or nothing.

    Refuses (ImportRefusedError) when the process refers to queues, states, dynamic fields, web
    services, scripts … that do not exist here, listing every missing one.
    """
    parsed = parse_document(document)
    with uow_factory() as uow:
        runtime.forget_catalog()
        missing = missing_references(collect_references(parsed.process), runtime.catalog(uow, now))
        if missing:
            raise ImportRefusedError(missing, summary=f"process '{parsed.process.name}' cannot be imported")
        revision = uow.processes.save_draft(
            parsed.process.key, process_to_dict(parsed.process), saved_by=imported_by, expected_revision=None
        )
        uow.commit()
    return ImportResult(parsed.process.key, parsed.process.name, revision, parsed.warnings)


def save_draft(
    uow_factory: UnitOfWorkFactory,
    document: Mapping[str, Any],
    *,
    saved_by: str,
    expected_revision: int | None,
) -> int:
    """Save a native document as the draft (ConflictError if someone saved since ``expected_revision``)."""
    process = process_from_dict(document)
    with uow_factory() as uow:
        revision = uow.processes.save_draft(
            process.key, process_to_dict(process), saved_by=saved_by, expected_revision=expected_revision
        )
        uow.commit()
    return revision


def deploy_process(
    uow_factory: UnitOfWorkFactory,
    runtime: ProcessRuntime,
    key: str,
    *,
    deployed_by: str,
    now: datetime,
    note: str = "",
    force: bool = False,
) -> DeployResult:
    """Validate the draft of ``key`` and freeze it as the next version (DefinitionError listing every
    error otherwise). Deploying a draft equal to the latest version changes nothing.

    The process's saved test scenarios rerun against the new version first; any that fails refuses
    the deploy (ScenariosFailedError naming each and what differed) unless ``force``, which deploys
    anyway and says so in the version's note."""
    with uow_factory() as uow:
        draft = _get_draft(uow, key)
        process = process_from_dict(draft.document)
        runtime.forget_catalog()
        errors = [
            p for p in check_process(process, runtime.catalog(uow, now), runtime) if p.severity == "error"
        ]
        if errors:
            raise DefinitionError(errors, summary=f"process '{key}' cannot be deployed")
        digest = content_hash(process)
        latest = uow.processes.find_latest_version(key)
        if latest is not None and latest.content_hash == digest:
            return DeployResult(key, latest.version, digest, unchanged=True)
        version = latest.version + 1 if latest else 1
        failing = scenarios.failing_scenarios(uow, runtime, process, version, now)
        if failing and not force:
            raise scenarios.refusal(key, failing)
        note = scenarios.forced_note(note, failing) if failing else note
        uow.processes.add_version(
            key,
            version,
            process_to_dict(process),
            digest,
            deployed_by=deployed_by,
            deployed_at=now,
            note=note,
        )
        uow.commit()
    return DeployResult(key, version, digest, unchanged=False)


def _get_draft(uow: UnitOfWork, key: str) -> Draft:
    draft = uow.processes.find_draft(key)
    if draft is None:
        raise NotFoundError(f"process '{key}' does not exist")
    return draft


def list_processes(uow_factory: UnitOfWorkFactory) -> list[ProcessSummary]:
    with uow_factory() as uow:
        return list(uow.processes.list_processes())


def list_versions(uow_factory: UnitOfWorkFactory, key: str) -> list[StoredVersion]:
    with uow_factory() as uow:
        _get_draft(uow, key)
        return list(uow.processes.list_versions(key))


def load_process(uow_factory: UnitOfWorkFactory, key: str, version: int | None = None) -> Process:
    """Version ``version`` of ``key``, or its draft when ``version`` is None."""
    with uow_factory() as uow:
        if version is None:
            return process_from_dict(_get_draft(uow, key).document)
        return process_from_dict(uow.processes.get_version(key, version).document)


def export_process(
    uow_factory: UnitOfWorkFactory, key: str, version: int | None, export_format: ProcessFormat
) -> tuple[dict[str, Any], tuple[Problem, ...]]:
    """The document of a version (or the draft) in ``export_format``, with export warnings."""
    process = load_process(uow_factory, key, version)
    if export_format is ProcessFormat.NATIVE:
        return process_to_dict(process), ()
    exported = process_to_otobo(process)
    return exported.document, exported.warnings


def diff_versions(uow_factory: UnitOfWorkFactory, key: str, old: int, new: int) -> tuple[ElementChange, ...]:
    return diff_processes(load_process(uow_factory, key, old), load_process(uow_factory, key, new))


def set_process_state(
    uow_factory: UnitOfWorkFactory,
    runtime: ProcessRuntime,
    key: str,
    state: ProcessState,
    *,
    changed_by: str,
    now: datetime,
) -> DeployResult:
    """Make ``key`` Active, FadeAway or Inactive: the draft takes the state and is deployed as the next
    version, whose state then governs every ticket of the process (``ProcessRuntime.process_state``).
    Refuses when the draft has other undeployed changes, so retiring a process never deploys them by
    accident."""
    with uow_factory() as uow:
        draft = process_from_dict(_get_draft(uow, key).document)
        latest = uow.processes.find_latest_version(key)
        if latest is None:
            raise InvalidInputError(f"process '{key}' has no deployed version yet", field="process")
        if content_hash(draft) != latest.content_hash:
            raise InvalidInputError(
                f"the draft of '{key}' has changes that are not deployed; deploy or discard them first",
                field="process",
            )
        uow.processes.save_draft(
            key, process_to_dict(replace(draft, state=state)), saved_by=changed_by, expected_revision=None
        )
        uow.commit()
    result = deploy_process(uow_factory, runtime, key, deployed_by=changed_by, now=now, note=f"state {state}")
    runtime.forget_catalog()
    return result
