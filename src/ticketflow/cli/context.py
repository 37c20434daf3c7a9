"""What every command needs: the settings chosen by the global options, the application, parsed input.

The root callback stores a ``CliState`` in the click context; a command asks for the application
with ``with open_application(ctx) as application:`` and it is closed (engine disposed) afterwards.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import typer
import yaml

from ticketflow.bootstrap import Application, build_application
from ticketflow.cli.errors import CliInputError
from ticketflow.config import Settings
from ticketflow.usecases.yaml_text import load_yaml, yaml_context

# The --as option every command acting on tickets or processes shares (see ticketflow.cli.acting).
AS_OPTION = typer.Option(
    None,
    "--as",
    help="Act as agent:LOGIN or customer:LOGIN, with that user's permissions as on the web "
    "(default: the local administrator root@localhost, unchecked).",
    show_default=False,
)


@dataclass
class CliState:
    settings: Settings


def settings_of(ctx: typer.Context) -> Settings:
    state = ctx.find_root().obj
    if not isinstance(state, CliState):  # a command run without the root app (never from the shell)
        state = CliState(Settings())
        ctx.find_root().obj = state
    return state.settings


@contextmanager
def open_application(ctx: typer.Context) -> Iterator[Application]:
    """The application for this command's settings, closed when the block ends."""
    application = build_application(settings_of(ctx))
    try:
        yield application
    finally:
        application.close()


def now() -> datetime:
    """The one place the CLI reads the clock (aware UTC)."""
    return datetime.now(UTC)


def parse_pairs(items: Sequence[str], option: str) -> list[tuple[str, str]]:
    """``Name=Value`` items of a repeatable option, in order; the first ``=`` separates."""
    result: list[tuple[str, str]] = []
    for item in items:
        name, separator, value = item.partition("=")
        if not separator or not name.strip():
            raise CliInputError(option, f"'{item}' is not NAME=VALUE")
        result.append((name.strip(), value))
    return result


def collect_values(items: Sequence[str], option: str) -> dict[str, str | tuple[str, ...]]:
    """``Name=Value`` pairs as ticket data; a name given more than once collects its values (Multiselect)."""
    values: dict[str, str | tuple[str, ...]] = {}
    for name, value in parse_pairs(items, option):
        previous = values.get(name)
        if previous is None:
            values[name] = value
        elif isinstance(previous, tuple):
            values[name] = (*previous, value)
        else:
            values[name] = (previous, value)
    return values


def read_document(path: Path, what: str = "a process document") -> dict[str, Any]:
    """A JSON or YAML document from a file: by extension (``.json``, ``.yml``/``.yaml``), else by content.

    CliInputError naming the file (and line/column) if it is missing, unreadable or not a mapping
    (saying that it is not ``what``)."""
    text = read_text(path)
    suffix = path.suffix.lower()
    as_json = suffix == ".json" or (suffix not in (".yml", ".yaml") and text.lstrip().startswith("{"))
    document = _parse_json(path, text) if as_json else _parse_yaml(path, text)
    if not isinstance(document, dict):
        raise CliInputError(str(path), f"is not {what} (expected a JSON object or YAML mapping at the top)")
    return document


def read_text(path: Path) -> str:
    """The file's text (UTF-8); CliInputError naming the file if it is missing or unreadable."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CliInputError(str(path), "no such file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise CliInputError(str(path), f"cannot be read ({error})") from None


def _parse_json(path: Path, text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise CliInputError(f"{path}:{error.lineno}:{error.colno}", f"invalid JSON: {error.msg}") from None


def _parse_yaml(path: Path, text: str) -> Any:
    try:
        return load_yaml(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark is not None else str(path)
        problem = getattr(error, "problem", None) or "unreadable"
        raise CliInputError(where, f"invalid YAML: {problem}{yaml_context(error)}") from None
