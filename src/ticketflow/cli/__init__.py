"""The ``ticketflow`` command line: ``main()`` is the console script (``pyproject.toml``)."""

from __future__ import annotations

from ticketflow.cli.app import app, main

__all__ = ["app", "main"]
