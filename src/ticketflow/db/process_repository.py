"""Process drafts and deployed versions in SQL. Documents are stored as JSON, unchanged."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from ticketflow.db.tables import process_versions, processes, tickets
from ticketflow.domain.errors import ConflictError, NotFoundError
from ticketflow.usecases.records import Draft, ProcessSummary, StoredVersion

_DEFAULT_STATE = "Active"


class SqlProcessRepository:
    """``ProcessRepository`` on one connection (one transaction)."""

    def __init__(self, connection: Connection, clock: Callable[[], datetime]) -> None:
        self._connection = connection
        self._clock = clock

    def save_draft(
        self, key: str, document: Mapping[str, Any], *, saved_by: str, expected_revision: int | None
    ) -> int:
        """Save the draft; see ``ProcessRepository.save_draft``."""
        stored = self._connection.execute(
            select(processes.c.draft_revision).where(processes.c.key == key)
        ).one_or_none()
        current = stored[0] if stored is not None else None
        if expected_revision is not None and current != expected_revision:
            raise ConflictError(
                f"process '{key}' draft is at revision {current or 'none'}, this save was made on "
                f"revision {expected_revision}; nothing was saved: reload the draft and try again"
            )
        now = self._clock()
        revision = (current or 0) + 1
        values = _describe(key, document) | {
            "draft_document": dict(document),
            "draft_revision": revision,
            "draft_saved_at": now,
            "draft_saved_by": saved_by,
            "changed_at": now,
        }
        condition = processes.c.key == key
        if expected_revision is not None:
            # Compare-and-set, so two savers racing on the same revision cannot both win.
            condition = condition & (processes.c.draft_revision == expected_revision)
        if stored is None:
            self._connection.execute(insert(processes).values(values | {"key": key}))
        elif self._connection.execute(update(processes).where(condition).values(values)).rowcount != 1:
            raise ConflictError(f"process '{key}' draft was saved meanwhile; reload the draft and try again")
        return revision

    def find_draft(self, key: str) -> Draft | None:
        row = self._connection.execute(select(processes).where(processes.c.key == key)).mappings().first()
        if row is None or row["draft_revision"] is None:
            return None
        return Draft(
            key=key,
            name=row["name"],
            document=row["draft_document"],
            revision=row["draft_revision"],
            saved_at=row["draft_saved_at"],
            saved_by=row["draft_saved_by"],
        )

    def list_processes(self) -> Sequence[ProcessSummary]:
        latest = (
            select(process_versions.c.process_key, func.max(process_versions.c.version).label("latest"))
            .group_by(process_versions.c.process_key)
            .subquery()
        )
        statement = (
            select(processes, latest.c.latest)
            .outerjoin(latest, latest.c.process_key == processes.c.key)
            .order_by(processes.c.key)
        )
        return [
            ProcessSummary(
                key=row["key"],
                name=row["name"],
                state=row["state"],
                latest_version=row["latest"],
                draft_revision=row["draft_revision"],
                changed_at=row["changed_at"],
            )
            for row in self._connection.execute(statement).mappings()
        ]

    def add_version(
        self,
        key: str,
        version: int,
        document: Mapping[str, Any],
        content_hash: str,
        deployed_by: str,
        deployed_at: datetime,
        note: str = "",
    ) -> None:
        """Freeze a version; creates the process entry when it has no draft (a direct import)."""
        described = _describe(key, document) | {"changed_at": deployed_at}
        if self._connection.execute(select(processes.c.key).where(processes.c.key == key)).first() is None:
            self._connection.execute(insert(processes).values(described | {"key": key}))
        else:
            self._connection.execute(update(processes).where(processes.c.key == key).values(described))
        row = {
            "process_key": key,
            "version": version,
            "document": dict(document),
            "content_hash": content_hash,
            "deployed_at": deployed_at,
            "deployed_by": deployed_by,
            "note": note,
        }
        try:
            self._connection.execute(insert(process_versions).values(row))
        except IntegrityError as error:
            raise ConflictError(f"process '{key}' version {version} exists already") from error

    def get_version(self, key: str, version: int) -> StoredVersion:
        found = self._versions(key, version)
        if not found:
            raise NotFoundError(f"process '{key}' has no version {version}")
        return found[0]

    def find_latest_version(self, key: str) -> StoredVersion | None:
        found = self._versions(key, None, latest_only=True)
        return found[0] if found else None

    def list_versions(self, key: str) -> Sequence[StoredVersion]:
        return self._versions(key, None)

    def delete(self, key: str) -> None:
        """Delete a process nobody's ticket uses; see ``ProcessRepository.delete``."""
        if self._connection.execute(select(processes.c.key).where(processes.c.key == key)).first() is None:
            raise NotFoundError(f"process '{key}' does not exist")
        in_use = select(func.count()).select_from(tickets).where(tickets.c.process_key == key)
        used_by = int(self._connection.execute(in_use).scalar_one())
        if used_by:
            raise ConflictError(f"process '{key}' cannot be deleted: {used_by} ticket(s) use it")
        self._connection.execute(delete(process_versions).where(process_versions.c.process_key == key))
        self._connection.execute(delete(processes).where(processes.c.key == key))

    def _versions(
        self, key: str, version: int | None, *, latest_only: bool = False
    ) -> Sequence[StoredVersion]:
        columns = process_versions.c
        statement = select(process_versions).where(columns.process_key == key)
        if version is not None:
            statement = statement.where(columns.version == version)
        if latest_only:
            statement = statement.order_by(columns.version.desc()).limit(1)
        else:
            statement = statement.order_by(columns.version)
        return [
            StoredVersion(
                key=row["process_key"],
                version=row["version"],
                document=row["document"],
                content_hash=row["content_hash"],
                deployed_at=row["deployed_at"],
                deployed_by=row["deployed_by"],
                note=row["note"],
            )
            for row in self._connection.execute(statement).mappings()
        ]


def _describe(key: str, document: Mapping[str, Any]) -> dict[str, str]:
    """The process name and state the list shows, from the document (the key and Active if absent)."""
    name = document.get("name")
    state = document.get("state")
    return {
        "name": name if isinstance(name, str) and name else key,
        "state": state if isinstance(state, str) and state else _DEFAULT_STATE,
    }
