"""Structured logs of the worker: one JSON object per line on stderr (structlog).

Every job line carries ``job_id``, ``kind``, ``ticket_id``, ``process``, ``activity``, ``attempt``
and ``worker``; ``debug`` adds the step-by-step lines (claim, call, outcome, retry schedule).
"""

from __future__ import annotations

import logging
import sys
from typing import TextIO

import structlog

LEVELS = ("debug", "info", "warning", "error", "critical")


def configure_logging(level: str, stream: TextIO | None = None) -> None:
    """JSON lines at ``level`` and above to ``stream`` (default: stderr at the time of each line)."""
    if level.lower() not in LEVELS:
        raise ValueError(f"'{level}' is not one of {', '.join(LEVELS)}")
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelNamesMapping()[level.upper()]),
        logger_factory=structlog.WriteLoggerFactory(stream) if stream else _StderrLoggerFactory(),
        cache_logger_on_first_use=False,
    )


class _StderrLoggerFactory:
    """Writes to whatever ``sys.stderr`` is when a line is logged (test runners swap it)."""

    def __call__(self, *args: object) -> structlog.WriteLogger:
        return structlog.WriteLogger(sys.stderr)
