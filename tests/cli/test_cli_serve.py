"""``ticketflow serve``: worker processes by database (one on SQLite, the CPU count on PostgreSQL),
``--workers N`` running N real server processes that answer, the access log off unless asked for."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from cli_support import run_cli

from ticketflow.cli.db import default_workers

TICKETFLOW = str(Path(sys.executable).with_name("ticketflow"))


def test_one_process_per_cpu_on_sqlite_files_and_postgresql_one_on_an_in_memory_database() -> None:
    assert default_workers("sqlite:///var/ticketflow.db") == (os.cpu_count() or 1)
    assert default_workers("postgresql+psycopg://root@127.0.0.1/tf") == (os.cpu_count() or 1)
    assert default_workers("sqlite://") == 1
    assert default_workers("sqlite:///:memory:") == 1


def test_a_worker_count_out_of_range_is_one_error_line(database_url: str) -> None:
    result = run_cli(database_url, "serve", "--workers", "0")
    assert result.exit_code == 2
    assert "--workers" in result.output


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def served(migrated_template: Path, tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """``ticketflow serve --workers 2`` on a migrated database copy, until the test ends."""
    path = tmp_path / "served.db"
    path.write_bytes(migrated_template.read_bytes())
    port = _free_port()
    argv = [TICKETFLOW, "--database-url", f"sqlite:///{path}", "serve", "--port", str(port), "--workers", "2"]
    process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):  # the processes start within seconds; give up after about a minute
            if process.poll() is not None:
                pytest.fail(process.stdout.read().decode() if process.stdout else "serve ended")
            try:
                if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        yield base, process
    finally:
        os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def test_workers_serve_the_app_from_the_commands_database(
    served: tuple[str, subprocess.Popen[bytes]],
) -> None:
    base, process = served

    health = httpx.get(f"{base}/health", timeout=5)
    sign_in = httpx.get(f"{base}/sign-in", timeout=5)
    os.killpg(process.pid, signal.SIGINT)
    output = process.communicate(timeout=30)[0].decode()

    assert health.json()["database"] == "sqlite"
    assert sign_in.status_code == 200
    assert output.count("Started server process") == 2  # two worker processes
    assert "GET /health" not in output  # no access log by default
