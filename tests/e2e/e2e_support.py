"""What the browser tests share: where Chromium is, how it is launched, and the live server's handle."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ticketflow.bootstrap import Application

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


@dataclass
class LiveServer:
    base_url: str
    application: Application
