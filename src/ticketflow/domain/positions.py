"""Where a ticket stands in its process: the one piece of per-ticket process state."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class PositionStatus(StrEnum):
    """The state of a ticket's process.

    ACTIVE     at an activity, waiting for people: dialogs or ticket changes can move it on.
    WAITING    waiting for a job of the worker (a service task's call) or for a child ticket
               (a sub-process); only that job's completion moves it on.
    COMPLETED  reached an end activity.
    FAILED     a step failed without an error transition; ``failure`` says why. An admin can retry.
    """

    ACTIVE = "active"
    WAITING = "waiting"
    COMPLETED = "completed"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class ProcessPosition:
    process_key: str
    version: int
    activity_key: str
    status: PositionStatus = PositionStatus.ACTIVE
    failure: str | None = None
