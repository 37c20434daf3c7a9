"""The automation worker: runs the jobs the engine queued (``ticketflow worker``)."""

from __future__ import annotations

from ticketflow.worker.loop import Worker, WorkerOptions

__all__ = ["Worker", "WorkerOptions"]
