"""``ticketflow worker``: run the automation worker until SIGTERM/SIGINT (or, with --once, until idle)."""

from __future__ import annotations

from datetime import timedelta

import typer

from ticketflow.cli.context import open_application, settings_of
from ticketflow.cli.errors import CliInputError
from ticketflow.domain.retry import RetryPolicy
from ticketflow.worker.app import build_worker
from ticketflow.worker.handlers import DEFAULT_HANDLERS, load_handlers
from ticketflow.worker.logs import LEVELS, configure_logging
from ticketflow.worker.loop import DEFAULT_CONCURRENCY, WorkerOptions
from ticketflow.worker.metrics import serve_metrics


def worker(
    ctx: typer.Context,
    concurrency: int = typer.Option(
        DEFAULT_CONCURRENCY,
        "--concurrency",
        min=1,
        help="Jobs run at the same time (threads): one's HTTP or SMTP wait overlaps another's SQL.",
    ),
    once: bool = typer.Option(False, "--once", help="Run the jobs due now, then exit."),
    log_level: str | None = typer.Option(
        None, "--log-level", help=f"One of {', '.join(LEVELS)}; debug logs every step of every job."
    ),
    metrics_port: int | None = typer.Option(
        None, "--metrics-port", help="Serve Prometheus metrics on 127.0.0.1:PORT/metrics (default: off)."
    ),
    lease_seconds: float = typer.Option(
        60.0, "--lease-seconds", min=0.1, help="How long a claim holds (renewed every third of it)."
    ),
    poll_interval: float | None = typer.Option(
        None,
        "--poll-interval",
        min=0.01,
        help="Idle poll in seconds (default: 1 on PostgreSQL, 0.05 on SQLite).",
    ),
    due_scan_seconds: float = typer.Option(
        60.0, "--due-scan-seconds", min=0.1, help="How often due pending tickets are handled."
    ),
    handlers: str = typer.Option(
        DEFAULT_HANDLERS,
        "--handlers",
        envvar="TICKETFLOW_WORKER_HANDLERS",
        help="MODULE:FUNCTION building the job handlers from the application (for tests and plug-ins).",
    ),
    durable_commits: bool = typer.Option(
        False,
        "--durable-commits",
        help="PostgreSQL: wait for the WAL flush at every commit (default: not; a server crash may then "
        "repeat the last jobs, which their idempotency keys make harmless).",
    ),
) -> None:
    """Claim due jobs and run them. Several workers may share one PostgreSQL database; on SQLite
    run one worker process. SIGTERM/SIGINT finish the jobs in hand, then exit."""
    level = (log_level or settings_of(ctx).log_level).lower()
    if level not in LEVELS:
        raise CliInputError("--log-level", f"'{level}' is not one of {', '.join(LEVELS)}")
    configure_logging(level)
    options = WorkerOptions(
        concurrency=concurrency,
        once=once,
        lease=timedelta(seconds=lease_seconds),
        due_scan_interval=due_scan_seconds,
        policy=RetryPolicy(),
    )
    server = serve_metrics(metrics_port) if metrics_port is not None else None
    try:
        with open_application(ctx) as application:
            built = build_worker(
                application,
                load_handlers(handlers, application),
                options,
                poll_interval=poll_interval,
                durable_commits=durable_commits,
            )
            built.install_signal_handlers()
            built.run()
    finally:
        if server is not None:
            server.shutdown()  # type: ignore[attr-defined]


def register(app: typer.Typer) -> None:
    app.command("worker")(worker)
