"""Operations commands: ``db migrate``, ``demo load`` and ``serve``."""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import asdict, is_dataclass

import typer

from ticketflow.bootstrap import migrate_database
from ticketflow.cli import output
from ticketflow.cli.context import now, open_application, settings_of

db_app = typer.Typer(help="The database: create and upgrade its schema.", no_args_is_help=True)
demo_app = typer.Typer(help="Demo data: queues, agents, customers, processes and tickets to try things with.")


@db_app.command("migrate")
def migrate(ctx: typer.Context) -> None:
    """Create the database or bring its schema to the newest revision, and add OTOBO's default
    records (queues, states, priorities, the root@localhost agent). Safe to run again."""
    settings = settings_of(ctx)
    migrate_database(settings)
    output.line(f"database ready: {settings.database_url}")


@demo_app.command("load")
def load(ctx: typer.Context) -> None:
    """Load the demo data into a migrated database and print what was added."""
    # Imported when asked for: the demo package is large and only this command needs it.
    demo = importlib.import_module("ticketflow.demo")
    with open_application(ctx) as application:
        summary = demo.load_demo(application, now())
    _print_summary(summary)


def _print_summary(summary: object) -> None:
    if is_dataclass(summary) and not isinstance(summary, type):
        summary = asdict(summary)
    if isinstance(summary, Mapping):
        output.heading("demo data loaded")
        output.pairs({str(key): value for key, value in summary.items()})
    else:
        output.line(f"demo data loaded: {summary}")


def serve(
    ctx: typer.Context,
    host: str | None = typer.Option(
        None, help="Interface to listen on (default: TICKETFLOW_HOST or 127.0.0.1)."
    ),
    port: int | None = typer.Option(None, help="Port to listen on (default: TICKETFLOW_PORT or 8000)."),
) -> None:
    """Run the web server (REST API, OTOBO-compatible API, UI) until interrupted."""
    import uvicorn

    settings = settings_of(ctx)
    # Looked up by name: the CLI and the web package are independent entry points (import-linter);
    # serving the web app is composition, not use of its internals.
    web = importlib.import_module("ticketflow.web.app")
    app = web.create_app(settings)
    uvicorn.run(
        app, host=host or settings.host, port=port or settings.port, log_level=settings.log_level.lower()
    )
