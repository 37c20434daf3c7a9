"""Prometheus metrics of the worker, in a registry of their own.

The worker serves them on ``--metrics-port``; the web app can serve the same registry at
``/metrics`` with ``render_metrics()`` (in a web process only what that process observed shows).
"""

from __future__ import annotations

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    start_http_server,
)

REGISTRY = CollectorRegistry()

JOBS_CLAIMED = Counter("ticketflow_jobs_claimed", "Jobs claimed by a worker", ["kind"], registry=REGISTRY)
JOBS_SUCCEEDED = Counter(
    "ticketflow_jobs_succeeded", "Job attempts that succeeded", ["kind"], registry=REGISTRY
)
JOBS_RETRIED = Counter(
    "ticketflow_jobs_retried", "Job attempts that failed and were rescheduled", ["kind"], registry=REGISTRY
)
JOBS_FAILED = Counter(
    "ticketflow_jobs_failed",
    "Jobs that gave up (reason: gave_up = handled by the handler, incident = waiting for a person)",
    ["kind", "reason"],
    registry=REGISTRY,
)
JOB_DURATION = Histogram(
    "ticketflow_job_duration_seconds",
    "Wall time of one job attempt, handler and bookkeeping",
    ["kind"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
    registry=REGISTRY,
)
QUEUE_DEPTH = Gauge("ticketflow_jobs_queue_depth", "Queued jobs that are due now", registry=REGISTRY)


def render_metrics() -> tuple[bytes, str]:
    """The body and content type of a ``/metrics`` response."""
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST


def serve_metrics(port: int, host: str = "127.0.0.1") -> object:
    """Serve the registry over HTTP in a daemon thread; returns the server (``shutdown()`` stops it)."""
    server, _thread = start_http_server(port, addr=host, registry=REGISTRY)
    return server
