"""A worker-process factory for the crash test: imports ticketflow once, then forks a fresh worker
process (``ticketflow worker ARGS…``) for every ``spawn`` line on stdin and prints its pid.

Importing the application takes about a second; forking from an already-importing parent lets the
crash test kill and replace workers dozens of times within its time budget. The parent holds no
threads, connections or engines when it forks: each child builds its own application.
"""

from __future__ import annotations

import os
import signal
import sys

import worker_test_handlers  # noqa: F401  # imported before forking, like the application

from ticketflow.cli.app import app


def main() -> None:
    arguments = sys.argv[1:]
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the kernel reaps killed children
    for line in sys.stdin:
        if line.strip() != "spawn":
            continue
        pid = os.fork()
        if pid == 0:
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            devnull = os.open(os.devnull, os.O_RDWR)
            os.dup2(devnull, 0)
            os.dup2(devnull, 1)
            try:
                app(args=["worker", *arguments], prog_name="ticketflow")
            except SystemExit:
                pass
            finally:
                os._exit(0)
        print(pid, flush=True)


if __name__ == "__main__":
    main()
