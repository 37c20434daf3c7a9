"""``ticketflow db backup FILE``: a consistent, checked copy of the SQLite database, taken while
another writer keeps changing it; existing files are kept unless ``--replace``; PostgreSQL is
pointed to its own tools."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

from cli_support import Run, error_lines, run_cli

from ticketflow.db.connect import create_engine_for
from ticketflow.db.unit_of_work import SqlUnitOfWork
from ticketflow.usecases.records import NewTicket


def _database(run: Run) -> str:
    url: str = run("db", "migrate").stdout.split("database ready: ", 1)[1].strip()
    return url


def _tickets(path: Path) -> int:
    with sqlite3.connect(path) as connection:
        return int(connection.execute("SELECT count(*) FROM tickets").fetchone()[0])


def test_a_backup_taken_during_writes_is_whole_and_usable(run: Run, tmp_path: Path) -> None:
    url = _database(run)
    for number in range(5):
        run("ticket", "create", "--title", f"before {number}", "--queue", "Raw")
    engine = create_engine_for(url)
    stop = threading.Event()
    written = [0]

    def keep_writing() -> None:
        while not stop.is_set():
            with SqlUnitOfWork(engine) as uow:
                uow.tickets.add(NewTicket("during", "Raw", "new", "3 normal", "root@localhost"))
                uow.commit()
            written[0] += 1

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        while written[0] < 20:  # the writer is under way
            stop.wait(0.01)
        out = run("db", "backup", str(tmp_path / "copy.db")).stdout
    finally:
        stop.set()
        writer.join()
        engine.dispose()
    copied = _tickets(tmp_path / "copy.db")
    assert 5 + 20 <= copied <= 5 + written[0]  # a moment between the writer's start and its end
    assert f"backup written: {tmp_path / 'copy.db'}" in out
    assert f"{copied:,} tickets" in out
    with sqlite3.connect(tmp_path / "copy.db") as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("delete",)  # one self-contained file
    # The copy is a ticketflow database like the original: the CLI reads it.
    listed = run_cli(f"sqlite:///{tmp_path / 'copy.db'}", "ticket", "list", "--limit", "200")
    assert listed.exit_code == 0
    assert "before 4" in listed.stdout
    assert not [p for p in tmp_path.iterdir() if ".partial-" in p.name]


def test_an_existing_file_is_kept_unless_replace_is_given(run: Run, tmp_path: Path) -> None:
    _database(run)
    target = tmp_path / "copy.db"
    target.write_text("an older backup")
    refused = run("db", "backup", str(target), ok=False)
    assert error_lines(refused) == [f"error: target: {target} exists already; give another name or --replace"]
    assert target.read_text() == "an older backup"
    run("db", "backup", str(target), "--replace")
    assert _tickets(target) == 0


def test_bad_targets_and_databases_get_one_line_each(run: Run, tmp_path: Path) -> None:
    url = _database(run)
    database = Path(url.removeprefix("sqlite:///"))
    itself = run("db", "backup", str(database), ok=False)
    assert error_lines(itself) == [f"error: target: {database} is the database itself; name another file"]
    nowhere = run("db", "backup", str(tmp_path / "no" / "such" / "copy.db"), ok=False)
    assert error_lines(nowhere) == [f"error: target: the directory {tmp_path / 'no' / 'such'} does not exist"]
    postgres = run_cli("postgresql+psycopg://root@127.0.0.1:5432/test", "db", "backup", str(tmp_path / "x"))
    assert postgres.exit_code == 1
    [line] = error_lines(postgres)
    assert line.startswith(
        "error: database: backups of a PostgreSQL database are made with PostgreSQL's tools"
    )
    missing = run_cli(f"sqlite:///{tmp_path / 'absent.db'}", "db", "backup", str(tmp_path / "y.db"))
    assert missing.exit_code == 1
    absent = tmp_path / "absent.db"
    assert error_lines(missing) == [
        f"error: database: there is no database at {absent}; run 'ticketflow db migrate' first"
    ]
    assert not (tmp_path / "absent.db").exists()  # looking did not create it
