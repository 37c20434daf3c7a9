"""Shared values of the use-case tests (a module of its own: every test folder has a conftest)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

DATA = Path(__file__).parents[1] / "data" / "processes"
NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


def read_process(name: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((DATA / name).read_text())
    return document
