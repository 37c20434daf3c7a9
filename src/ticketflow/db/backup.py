"""A consistent copy of a SQLite database taken while the server and the worker keep running.

Copying the file (or the file and its WAL) while a process writes can catch the two at different
moments: the copy may be corrupt or miss committed changes. SQLite's online backup here copies the
whole database in one step, inside one read transaction: in WAL mode writers go on meanwhile, and the
copy is the database as of the moment the read began. (A backup in several steps would start over
each time another connection changed the database between two steps: under steady writes it might
never end.) While it reads, the WAL cannot start over and grows by what is written meanwhile.

The copy is written beside the target under a temporary name, checked (``PRAGMA integrity_check``)
and only then renamed into place: a failed or interrupted backup never leaves a half-written file
under the name asked for, and an existing file is replaced only when asked.

PostgreSQL has its own tools (``pg_dump``, base backups); ticketflow does not wrap them.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import make_url

from ticketflow.domain.errors import InvalidInputError


@dataclass(frozen=True, slots=True)
class BackupResult:
    """Where the copy is, how big it is and how many tickets it holds (a quick sanity figure)."""

    path: Path
    size_bytes: int
    tickets: int


def back_up(database_url: str, target: Path, *, replace: bool = False) -> BackupResult:
    """Copy the SQLite database at ``database_url`` to ``target``, consistent as of one moment.

    InvalidInputError, naming the problem, for a PostgreSQL or in-memory database, a missing
    database file, an existing target without ``replace``, a target that is the database itself or
    a missing target directory."""
    source = _database_path(database_url)
    target = target.expanduser()
    if target.resolve() == source.resolve():
        raise InvalidInputError(f"{target} is the database itself; name another file", field="target")
    if target.exists() and not replace:
        raise InvalidInputError(f"{target} exists already; give another name or --replace", field="target")
    if not target.parent.is_dir():
        raise InvalidInputError(f"the directory {target.parent} does not exist", field="target")
    partial = target.with_name(f".{target.name}.partial-{os.getpid()}")
    try:
        _copy(source, partial)
        tickets = _checked(partial)
        partial.replace(target)  # atomic on one file system: the name holds a whole copy or the old file
    finally:
        partial.unlink(missing_ok=True)
    return BackupResult(target, target.stat().st_size, tickets)


def _database_path(database_url: str) -> Path:
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        raise InvalidInputError(
            "backups of a PostgreSQL database are made with PostgreSQL's tools (pg_dump, or base "
            "backups with WAL archiving), not by ticketflow",
            field="database",
        )
    if url.database in (None, "", ":memory:"):
        raise InvalidInputError("an in-memory database cannot be backed up", field="database")
    path = Path(url.database)
    if not path.is_file():
        raise InvalidInputError(
            f"there is no database at {path}; run 'ticketflow db migrate' first", field="database"
        )
    return path


def _copy(source: Path, target: Path) -> None:
    # Read-only, and never creating the source by mistake.
    origin = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
    copy = sqlite3.connect(target)
    try:
        origin.execute("PRAGMA busy_timeout=5000")  # a writer's commit in progress is waited for
        origin.backup(copy)  # every page in one step: one snapshot (see the module's docstring)
        # The copy is a plain rollback-journal file: one file to move and keep, nothing beside it.
        copy.execute("PRAGMA journal_mode=DELETE")
    finally:
        copy.close()
        origin.close()


def _checked(copy: Path) -> int:
    """The copy's ticket count after SQLite found it sound; InvalidInputError if it did not."""
    connection = sqlite3.connect(copy)
    try:
        verdict = [row[0] for row in connection.execute("PRAGMA integrity_check")]
        if verdict != ["ok"]:
            raise InvalidInputError(f"the copy failed SQLite's integrity check: {'; '.join(verdict[:3])}")
        return int(connection.execute("SELECT count(*) FROM tickets").fetchone()[0])
    finally:
        connection.close()
