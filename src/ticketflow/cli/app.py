"""The root ``ticketflow`` command: global options, the command groups, and the error handler.

Every command group lives in its own module; this one only assembles them. Errors are reported by
``HandledGroup`` (``ticketflow.cli.errors``) as one clear line, so Typer's pretty tracebacks are off.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
import sys
from typing import Any

import typer

from ticketflow.cli import (
    admin,
    auth,
    db,
    dialogs,
    incidents,
    monitoring,
    processes,
    tickets,
    webservices,
    worker,
)
from ticketflow.cli.context import CliState
from ticketflow.cli.errors import CliInputError, HandledGroup
from ticketflow.config import Settings

LOG_LEVELS = ("debug", "info", "warning", "error", "critical")

app = typer.Typer(
    name="ticketflow",
    cls=HandledGroup,
    help="ticketflow: a ticket system with OTOBO-style process management.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback()
def root(
    ctx: typer.Context,
    database_url: str | None = typer.Option(
        None,
        "--database-url",
        help="SQLAlchemy database URL (default: TICKETFLOW_DATABASE_URL or sqlite:///var/ticketflow.db).",
    ),
    log_level: str | None = typer.Option(
        None, "--log-level", help=f"One of {', '.join(LOG_LEVELS)} (default: TICKETFLOW_LOG_LEVEL or info)."
    ),
) -> None:
    """Settings come from TICKETFLOW_* environment variables; the options here override them."""
    overrides: dict[str, Any] = {}
    if database_url is not None:
        overrides["database_url"] = database_url
    if log_level is not None:
        overrides["log_level"] = log_level
    settings = Settings(**overrides)
    _configure_logging(settings.log_level)
    ctx.obj = CliState(settings)


class _CurrentStderr(logging.Handler):
    """Writes to whatever ``sys.stderr`` is at the time (a test runner swaps it per invocation)."""

    def emit(self, record: logging.LogRecord) -> None:
        sys.stderr.write(self.format(record) + "\n")


_HANDLER = _CurrentStderr()
_HANDLER.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))


def _configure_logging(level: str) -> None:
    if level.lower() not in LOG_LEVELS:
        raise CliInputError("--log-level", f"'{level}' is not one of {', '.join(LOG_LEVELS)}")
    logger = logging.getLogger("ticketflow")
    logger.setLevel(level.upper())
    if _HANDLER not in logger.handlers:
        logger.addHandler(_HANDLER)


app.add_typer(db.db_app, name="db")
app.add_typer(db.demo_app, name="demo")
app.command("serve")(db.serve)
for _name, _group in admin.COMMAND_GROUPS:
    app.add_typer(_group, name=_name)
app.add_typer(tickets.ticket_app, name="ticket")
app.add_typer(processes.process_app, name="process")
app.add_typer(dialogs.dialog_app, name="dialog")
for _module in (worker, incidents, monitoring, webservices, auth):
    _module.register(app)

# `process test` (Test Mode) comes from its own module when present; see ticketflow.cli.processes.
if importlib.util.find_spec("ticketflow.cli.testmode") is not None:
    importlib.import_module("ticketflow.cli.testmode").register(processes.process_app)


def main() -> None:
    """The console script ``ticketflow``."""
    app()
