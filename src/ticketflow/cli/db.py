"""Operations commands: ``db migrate``, ``db backup``, ``demo load`` and ``serve``."""

from __future__ import annotations

import importlib
import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ticketflow.bootstrap import back_up_database, migrate_database
from ticketflow.cli import output
from ticketflow.cli.context import now, open_application, settings_of

if TYPE_CHECKING:
    from ticketflow.demo import DemoSummary

db_app = typer.Typer(help="The database: create and upgrade its schema.", no_args_is_help=True)
demo_app = typer.Typer(help="Demo data: queues, agents, customers, processes and tickets to try things with.")


@db_app.command("migrate")
def migrate(ctx: typer.Context) -> None:
    """Create the database or bring its schema to the newest revision, and add OTOBO's default
    records (queues, states, priorities, the root@localhost agent). Safe to run again."""
    settings = settings_of(ctx)
    migrate_database(settings)
    output.line(f"database ready: {settings.database_url}")


@db_app.command("backup")
def backup(
    ctx: typer.Context,
    target: Annotated[Path, typer.Argument(help="The file to write the copy to.", show_default=False)],
    replace: Annotated[bool, typer.Option("--replace", help="Overwrite TARGET if it exists.")] = False,
) -> None:
    """Copy the SQLite database to TARGET, consistent as of one moment, while the server and the
    worker keep running; the copy is checked before it takes TARGET's name. On PostgreSQL use
    PostgreSQL's own tools (pg_dump)."""
    result = back_up_database(settings_of(ctx), target, replace=replace)
    megabytes = result.size_bytes / 1_000_000
    output.line(f"backup written: {result.path} ({megabytes:.1f} MB, {result.tickets:,} tickets)")


@demo_app.command("load")
def load(ctx: typer.Context) -> None:
    """Load the demo data (catalog, processes) into a migrated database and print the demo logins.
    Safe to run again: what exists already is skipped."""
    # Imported when asked for: only this command needs the demo package and its process files.
    from ticketflow.demo import load_demo
    from ticketflow.demo.loader import set_demo_passwords
    from ticketflow.outbound.passwords import Argon2Hasher
    from ticketflow.usecases.auth import Auth

    with open_application(ctx) as application:
        summary = load_demo(application, now())
        set_demo_passwords(Auth(application.uow, Argon2Hasher()), summary)
    _print_summary(summary)


@demo_app.command("services")
def services(
    port: int = typer.Option(8089, help="Port on 127.0.0.1 the demo's web services point at."),
    smtp_port: int = typer.Option(8025, help="Port on 127.0.0.1 of the demo mailbox."),
    maildir: Annotated[Path, typer.Option(help="Where the demo mailbox keeps the mails.")] = Path("var/mail"),
) -> None:
    """Serve stand-ins for the demo's ERP, Directory and Deploy systems, and a mailbox that keeps every
    notification as a file under MAILDIR, until interrupted: the demo processes then run to their end
    (`make run` starts this beside the server and the worker, and points the worker's SMTP at it)."""
    from ticketflow.demo.services import DemoMailbox, DemoServices

    stand_ins = DemoServices(port=port)
    mailbox = DemoMailbox(maildir, port=smtp_port)
    mailbox.start()
    output.line(f"demo services (ERP, Directory, Deploy) on http://127.0.0.1:{port}")
    output.line(f"demo mailbox on smtp://127.0.0.1:{smtp_port}, mails kept in {maildir}/")
    try:
        stand_ins.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        stand_ins.close()
        mailbox.close()


def _print_summary(summary: DemoSummary) -> None:
    output.line(
        f"demo data loaded: {len(summary.created)} record(s) added, {len(summary.skipped)} already there"
    )
    output.table(
        "Processes",
        ("Key", "Version", "Outcome"),
        [(p.key, p.version, p.outcome.value) for p in summary.processes],
    )
    output.table(
        "Demo logins",
        ("Login", "Password", "Name", "Interface", "Note"),
        [(u.login, u.password, u.name, u.interface.value, u.note) for u in summary.logins],
    )


def serve(
    ctx: typer.Context,
    host: str | None = typer.Option(
        None, help="Interface to listen on (default: TICKETFLOW_HOST or 127.0.0.1)."
    ),
    port: int | None = typer.Option(None, help="Port to listen on (default: TICKETFLOW_PORT or 8000)."),
    workers: int | None = typer.Option(
        None,
        min=1,
        max=64,
        help="Server processes (default: the CPU count; on SQLite their writers take turns on one "
        "lock file beside the database).",
    ),
    threads: int | None = typer.Option(
        None,
        min=1,
        max=256,
        help="Threads per process for requests' blocking work (default: TICKETFLOW_WEB_THREADS or 4).",
    ),
    access_log: bool = typer.Option(
        False,
        "--access-log/--no-access-log",
        help="Log a line per request (off by default: it costs time on every request; errors are "
        "logged either way).",
    ),
) -> None:
    """Run the web server (REST API, OTOBO-compatible API, UI) until interrupted.

    uvicorn uses uvloop and httptools when they are installed (the ``fast`` extra)."""
    import uvicorn

    settings = settings_of(ctx)
    if threads is not None:
        settings = settings.model_copy(update={"web_threads": threads})
    processes = workers or default_workers(settings.database_url)
    options = {
        "host": host or settings.host,
        "port": port or settings.port,
        "log_level": settings.log_level.lower(),
        "access_log": access_log,
    }
    if processes > 1:
        # Each process builds its own app from the environment: hand it this command's settings.
        os.environ["TICKETFLOW_DATABASE_URL"] = settings.database_url
        os.environ["TICKETFLOW_WEB_THREADS"] = str(settings.web_threads)
        uvicorn.run(WEB_APP_FACTORY, factory=True, workers=processes, **options)  # type: ignore[arg-type]
        return
    # Looked up by name: the CLI and the web package are independent entry points (import-linter);
    # serving the web app is composition, not use of its internals.
    web = importlib.import_module("ticketflow.web.app")
    uvicorn.run(web.create_app(settings), **options)  # type: ignore[arg-type]


WEB_APP_FACTORY = "ticketflow.web.app:app_from_environment"


def default_workers(database_url: str) -> int:
    """One process per CPU. On SQLite too: the processes' writers queue on one writer lock
    (``db/sqlite_writer_lock.py``); an in-memory database lives in one process only."""
    if database_url.startswith("sqlite") and database_url.rstrip("/") in ("sqlite:", "sqlite:///:memory:"):
        return 1
    return max(1, os.cpu_count() or 1)
