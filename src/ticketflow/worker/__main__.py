"""``python -m ticketflow.worker [options]`` is ``ticketflow worker [options]``."""

from __future__ import annotations

import sys

from ticketflow.cli.app import app

if __name__ == "__main__":
    app(args=["worker", *sys.argv[1:]], prog_name="ticketflow")
