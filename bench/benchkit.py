"""What every benchmark here shares: statistics, the machine description, result files, the bench process.

Stdlib only (plus ticketflow itself), so a benchmark runs with nothing but the project's venv.
"""

from __future__ import annotations

import json
import os
import platform
import secrets
import sqlite3
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
RESULTS = BENCH / "results"
PROCESS_FILE = BENCH / "ticket-approval.json"
# The peers' files live beside the repository (not in it): read at run time, never copied.
PEERS = REPO.parent / "shared" / "bench-peers"
OTOBO_EXAMPLES = REPO.parent / "shared" / "otobo-examples"
POSTGRES_SERVER = os.environ.get(
    "TICKETFLOW_BENCH_POSTGRES_URL", "postgresql+psycopg://root@127.0.0.1:5432/postgres"
)


def percentile(sorted_values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile of already sorted values."""
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(fraction * len(sorted_values) + 0.5) - 1))
    return sorted_values[index]


def summarize(values: Sequence[float], unit: str) -> dict[str, Any]:
    ordered = sorted(values)
    return {
        "unit": unit,
        "n": len(ordered),
        "median": statistics.median(ordered),
        "p90": percentile(ordered, 0.90),
        "p99": percentile(ordered, 0.99),
        "min": ordered[0],
        "max": ordered[-1],
    }


def number(value: float) -> str:
    """Three significant digits for small values, thousands separators for large ones."""
    if value != value:  # NaN
        return "n/a"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    if abs(value) >= 100:
        return f"{value:.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def latency_text(summary: dict[str, Any]) -> str:
    """median / p90 / p99 [min–max]"""
    s = summary
    return (
        f"{number(s['median'])} / {number(s['p90'])} / {number(s['p99'])} "
        f"[{number(s['min'])}–{number(s['max'])}]"
    )


def rate_text(summary: dict[str, Any]) -> str:
    """median [min–max]"""
    return f"{number(summary['median'])} [{number(summary['min'])}–{number(summary['max'])}]"


def time_calls(function: Callable[[], object], count: int) -> float:
    """Seconds ``count`` calls of ``function`` take (perf_counter, GC left on)."""
    started = time.perf_counter()
    for _ in range(count):
        function()
    return time.perf_counter() - started


def read_process() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(PROCESS_FILE.read_text())
    return document


def write_result(name: str, result: dict[str, Any]) -> Path:
    RESULTS.mkdir(exist_ok=True)
    result = {"benchmark": name, "measured_at": datetime.now(UTC).isoformat(timespec="seconds"), **result}
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(result, indent=2, sort_keys=True) + "\n")
    return path


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _memory_gib() -> float:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 1024 / 1024
    except OSError:
        pass
    return float("nan")


def _os_name() -> str:
    try:
        for line in Path("/etc/os-release").read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                return f"{line.split('=', 1)[1].strip(chr(34))}, Linux {platform.release()}"
    except OSError:
        pass
    return platform.platform()


def postgres_version() -> str | None:
    try:
        import psycopg
        from sqlalchemy import make_url

        dsn = make_url(POSTGRES_SERVER).set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(dsn, connect_timeout=3) as connection:
            row = connection.execute("SELECT version()").fetchone()
            return str(row[0]).split(" on ")[0] if row else None
    except Exception:  # no server: the PostgreSQL rows say "skipped"
        return None


def machine() -> dict[str, Any]:
    from importlib.metadata import version

    def package(name: str) -> str | None:
        try:
            return version(name)
        except Exception:
            return None

    git = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True, check=False
    ).stdout.strip()
    return {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "ram_gib": round(_memory_gib(), 1),
        "os": _os_name(),
        "python": f"{platform.python_version()} ({platform.python_implementation()})",
        "sqlite": sqlite3.sqlite_version,
        "postgresql": postgres_version(),
        "sqlalchemy": package("sqlalchemy"),
        "psycopg": package("psycopg"),
        "spiffworkflow": package("SpiffWorkflow"),
        "commit": git or None,
    }


@contextmanager
def sqlite_database(prefix: str = "ticketflow-bench-") -> Iterator[str]:
    """The URL of a fresh SQLite file in a temporary folder, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix=prefix) as directory:
        yield f"sqlite:///{Path(directory) / 'bench.db'}"


@contextmanager
def postgres_database(prefix: str = "ticketflow_bench") -> Iterator[str | None]:
    """A database of our own on the server, dropped afterwards (None when there is no server)."""
    import psycopg
    from sqlalchemy import make_url

    server = make_url(POSTGRES_SERVER)
    try:
        admin = psycopg.connect(
            server.set(drivername="postgresql").render_as_string(hide_password=False),
            autocommit=True,
            connect_timeout=3,
        )
    except psycopg.OperationalError:
        yield None
        return
    name = f"{prefix}_{secrets.token_hex(4)}"
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield server.set(database=name).render_as_string(hide_password=False)
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
