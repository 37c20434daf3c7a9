"""The one error handler around every command: a clear line on stderr and exit status 1, never a traceback.

``HandledGroup`` is the root command's click group; every subcommand runs inside its ``invoke``, so
an error raised anywhere below reaches ``report``. Programming errors (anything not listed here)
still raise: hiding them would hide bugs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NoReturn

import typer
from pydantic import ValidationError
from sqlalchemy.exc import OperationalError, ProgrammingError
from typer.core import TyperGroup

from ticketflow.domain.errors import DefinitionError, Problem, TicketflowError

# What the database drivers say when a table is missing: the database was never migrated.
_MISSING_TABLE = ("no such table", "does not exist", "undefinedtable")
MIGRATE_HINT = "run `ticketflow db migrate` first"


class CliInputError(Exception):
    """Bad command-line input found by the CLI itself (a file, a ``--field`` pair): ``where: message``."""

    def __init__(self, where: str, message: str) -> None:
        super().__init__(f"{where}: {message}")


class HandledGroup(TyperGroup):
    """The root command group: runs every command under the one error handler."""

    # ``Any``: typer vendors click, and its Context type is not public API.
    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except (TicketflowError, CliInputError, ValidationError, OperationalError, ProgrammingError) as error:
            fail(error_lines(error))


def fail(lines: Sequence[str]) -> NoReturn:
    """Print ``lines`` on stderr and stop with exit status 1."""
    for text in lines:
        typer.echo(text, err=True)
    raise typer.Exit(1)


def error_lines(error: Exception) -> list[str]:
    """``error: <message>``, followed by one indented line per problem when there are several."""
    if isinstance(error, OperationalError | ProgrammingError):
        return [_database_message(error)]
    if isinstance(error, ValidationError):
        return [f"error: settings: {_setting_problem(problem)}" for problem in error.errors()]
    problems: Sequence[Problem] = getattr(error, "problems", ())
    if isinstance(error, DefinitionError):
        return [f"error: {_summary(error)}", *(f"  {problem}" for problem in problems)]
    if problems and len(problems) > 1:
        return [f"error: {len(problems)} fields refused", *(f"  {_problem(problem)}" for problem in problems)]
    return [f"error: {error}"]


def _summary(error: DefinitionError) -> str:
    # The message is "<summary>: <problem>; <problem>"; the problems get their own lines instead.
    details = "; ".join(str(problem) for problem in error.problems)
    if details and error.message.endswith(f": {details}"):
        return error.message[: -len(details) - 2]
    return error.message


def _problem(problem: Problem) -> str:
    # Dialog problems often carry the field in their message already ("Title: is mandatory").
    if not problem.field or problem.message.startswith(f"{problem.field}:"):
        return problem.message
    return f"{problem.field}: {problem.message}"


def _database_message(error: OperationalError | ProgrammingError) -> str:
    cause = str(error.orig) if error.orig is not None else str(error)
    if any(marker in cause.lower() for marker in _MISSING_TABLE):
        return f"error: database: the database is not set up ({cause}); {MIGRATE_HINT}"
    return f"error: database: {cause.splitlines()[0] if cause else 'unreachable'}"


def _setting_problem(problem: Any) -> str:
    where = ".".join(str(part) for part in problem.get("loc", ())) or "value"
    return f"{where}: {problem.get('msg', 'invalid')}"
