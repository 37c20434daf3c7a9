"""A process's deployed versions: their history (who, when, what changed), a comparison of any two,
and rollback — an earlier version's content deployed again as the next version.

Rollback never touches tickets: each stays pinned to the version it started on. The rolled-back
version keeps the process's current state (Active, FadeAway, Inactive): the state is how the process
is run now, not part of the content being restored. It is a deploy like any other, so the process's
saved Test Mode scenarios rerun against it first, as ``processes.deploy_process`` does: the scenarios
describe what the process must do now, and an old version may no longer do it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from ticketflow.domain.definitions import Process
from ticketflow.domain.diff import ElementChange, SummaryLine, diff_documents, diff_processes, summarise
from ticketflow.domain.errors import DefinitionError, InvalidInputError, NotFoundError, Problem
from ticketflow.domain.formats.native_json import content_hash, process_from_dict, process_to_dict
from ticketflow.usecases import scenarios
from ticketflow.usecases.processes import UnitOfWorkFactory, check_process
from ticketflow.usecases.records import StoredVersion
from ticketflow.usecases.runtime import ProcessRuntime
from ticketflow.usecases.undeployed import undeployed_reason


@dataclass(frozen=True, slots=True)
class VersionEntry:
    """A deployed version with what changed against the version before it (nothing for the first)."""

    stored: StoredVersion
    changes: tuple[ElementChange, ...]
    summary: tuple[SummaryLine, ...]

    @property
    def process_attributes(self) -> tuple[str, ...]:
        """The process's own attributes that changed (name, state, layout …)."""
        return next((c.attributes for c in self.changes if c.element == "process"), ())


@dataclass(frozen=True, slots=True)
class VersionComparison:
    key: str
    old_version: int
    new_version: int
    old: Process
    new: Process
    changes: tuple[ElementChange, ...]


@dataclass(frozen=True, slots=True)
class RollbackResult:
    key: str
    version: int  # the new version
    rolled_back_to: int
    content_hash: str
    draft_replaced: bool  # False: the draft held undeployed changes and keeps them


def version_history(uow_factory: UnitOfWorkFactory, key: str) -> list[VersionEntry]:
    """Every deployed version of ``key``, oldest first, each compared with the one before it."""
    with uow_factory() as uow:
        if uow.processes.find_draft(key) is None:
            raise NotFoundError(f"process '{key}' does not exist")
        stored = list(uow.processes.list_versions(key))
    entries: list[VersionEntry] = []
    for previous, version in zip([None, *stored], stored, strict=False):
        # Stored documents are the canonical writer's output: compared as they are, without parsing.
        changes = diff_documents(previous.document, version.document) if previous is not None else ()
        entries.append(VersionEntry(version, changes, summarise(changes)))
    return entries


def compare_versions(uow_factory: UnitOfWorkFactory, key: str, old: int, new: int) -> VersionComparison:
    """Versions ``old`` and ``new`` of ``key`` and what changed between them (NotFoundError naming an
    unknown version)."""
    with uow_factory() as uow:
        before = process_from_dict(uow.processes.get_version(key, old).document)
        after = process_from_dict(uow.processes.get_version(key, new).document)
    return VersionComparison(key, old, new, before, after, diff_processes(before, after))


def rollback_process(
    uow_factory: UnitOfWorkFactory,
    runtime: ProcessRuntime,
    key: str,
    to_version: int,
    *,
    rolled_back_by: str,
    now: datetime,
    force: bool = False,
) -> RollbackResult:
    """Deploy the content of version ``to_version`` as the next version, noted "rollback to version K".

    Refused, with nothing written, when the version does not exist, is the latest one or equals it,
    or no longer validates against this system (a queue it uses was removed since). The saved test
    scenarios then rerun against it; any that fails refuses the rollback (ScenariosFailedError naming
    each and what differed) unless ``force``, which rolls back anyway and says so in the version's
    note. The draft follows the rollback unless it holds undeployed changes, which are kept."""
    with uow_factory() as uow:
        draft = uow.processes.find_draft(key)
        latest = uow.processes.find_latest_version(key)
        if draft is None or latest is None:
            raise NotFoundError(undeployed_reason(uow, key))
        if to_version == latest.version:
            raise InvalidInputError(
                f"version {to_version} is the latest version; choose an earlier one", field="version"
            )
        target = uow.processes.get_version(key, to_version)
        current = process_from_dict(latest.document)
        process = replace(process_from_dict(target.document), state=current.state)
        digest = content_hash(process)
        if digest == latest.content_hash:
            raise InvalidInputError(
                f"version {to_version} has the same content as the latest version {latest.version}",
                field="version",
            )
        runtime.forget_catalog()
        catalog = runtime.catalog(uow, now)
        errors = [p for p in check_process(process, catalog, runtime) if p.severity == "error"]
        if errors:
            raise DefinitionError(errors, summary=f"version {to_version} of '{key}' cannot be deployed again")
        version = latest.version + 1
        failing = scenarios.failing_scenarios(uow, runtime, process, version, now)
        if failing and not force:
            raise _scenarios_refusal(key, to_version, failing)
        note = f"rollback to version {to_version}"
        document = process_to_dict(process)
        uow.processes.add_version(
            key,
            version,
            document,
            digest,
            deployed_by=rolled_back_by,
            deployed_at=now,
            note=scenarios.forced_note(note, failing) if failing else note,
        )
        draft_follows = content_hash(process_from_dict(draft.document)) == latest.content_hash
        if draft_follows:
            uow.processes.save_draft(key, document, saved_by=rolled_back_by, expected_revision=draft.revision)
        uow.commit()
    runtime.forget_catalog()
    return RollbackResult(key, version, to_version, digest, draft_follows)


def _scenarios_refusal(
    key: str, to_version: int, failing: tuple[Problem, ...]
) -> scenarios.ScenariosFailedError:
    """The deploy's refusal (same error class and problems, so every entry point maps it the same
    way), worded for a rollback."""
    names = sorted({p.element.removeprefix("scenario:") for p in failing})
    return scenarios.ScenariosFailedError(
        failing,
        summary=f"process '{key}' cannot be rolled back to version {to_version}: test scenario(s) "
        f"{', '.join(names)} fail (roll back with force to do it anyway)",
    )
