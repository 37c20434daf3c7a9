"""Rich rendering shared by the command groups: the console, tables, key/value blocks, JSON, traces.

User data is never read as Rich markup (a title like ``[urgent]`` prints as written).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from ticketflow.domain.tickets import Value
from ticketflow.domain.trace import trace_from_dict

# Piped output (and the test runner) has no terminal width; wide enough that tables keep one line per row.
_PIPE_WIDTH = 200


def console() -> Console:
    """A console on the current stdout (looked up per call, so a test runner's capture works)."""
    terminal = Console(highlight=False, soft_wrap=True)
    if terminal.is_terminal:
        return terminal
    return Console(highlight=False, soft_wrap=True, width=_PIPE_WIDTH)


def line(text: str = "", style: str | None = None) -> None:
    """Print one line of plain text (no markup interpretation)."""
    console().print(Text(text, style=style or ""))


def heading(text: str) -> None:
    line(text, style="bold")


def table(title: str | None, columns: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    """A Rich table; ``None`` cells print as empty, everything else as its text."""
    grid = Table(title=title, title_justify="left", show_lines=False)
    for column in columns:
        grid.add_column(column, overflow="fold")
    count = 0
    for row in rows:
        grid.add_row(*(Text(cell_text(cell)) for cell in row))
        count += 1
    if count == 0:
        line(f"{title or 'list'}: none")
        return
    console().print(grid)


def pairs(items: Mapping[str, object], indent: int = 2) -> None:
    """``key  value`` lines, keys aligned."""
    width = max((len(key) for key in items), default=0)
    for key, value in items.items():
        line(f"{' ' * indent}{key.ljust(width)}  {cell_text(value)}")


def cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, tuple | list | frozenset | set):
        return ", ".join(cell_text(item) for item in value)
    return str(value)


def value_text(value: Value | None) -> str:
    """A ticket value: text as is, a Multiselect's keys comma-separated."""
    return cell_text(value)


def print_json(data: Any) -> None:
    """Machine-readable output: JSON with datetimes as ISO 8601, straight to stdout (no styling)."""
    console().print(Text(json.dumps(data, indent=2, ensure_ascii=False, default=_json_default)))


def _json_default(value: object) -> object:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, frozenset | set | tuple):
        return sorted(value) if isinstance(value, frozenset | set) else list(value)
    return str(value)


def trace_lines(trace: Sequence[Mapping[str, object]], indent: int = 4) -> None:
    """One indented line per trace entry, in the engine's own words."""
    for number, entry in enumerate(trace, start=1):
        line(f"{' ' * indent}{number}. {describe_trace_entry(entry)}", style="dim")


def describe_trace_entry(entry: Mapping[str, object]) -> str:
    """The readable sentence of a stored trace entry; unknown kinds still print their data."""
    for key in ("text", "description"):
        text = entry.get(key)
        if isinstance(text, str) and text:
            return text
    try:
        return trace_from_dict(entry).describe()
    except (ValueError, TypeError):
        details = ", ".join(f"{k}={v}" for k, v in entry.items() if k != "kind")
        return f"{entry.get('kind', 'step')}: {details}"
