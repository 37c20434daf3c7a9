"""What can happen to a ticket's process position: the events ``advance`` handles."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from ticketflow.domain.tickets import Value


@dataclass(frozen=True, slots=True)
class Started:
    """The ticket was just put at the process' start activity (by the caller): enter it."""


@dataclass(frozen=True, slots=True)
class TicketChanged:
    """The ticket changed (dialog submit, API, another process): check the current activity."""


@dataclass(frozen=True, slots=True)
class ServiceTaskCompleted:
    """The waiting service task's web service answered; ``values`` are ticket-data names to set."""

    values: Mapping[str, Value] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ServiceTaskFailed:
    """The waiting service task's call failed for good; ``error_code`` picks the error transition
    (default: the activity's own ``error_code``)."""

    message: str
    error_code: str | None = None


@dataclass(frozen=True, slots=True)
class SubProcessCompleted:
    """The child ticket of the waiting sub-process reached its end. ``values`` are *parent* ticket-data
    names to set: build them from the child with ``sub_process_results``. ``process_key``, the child's
    process, when given must be the one the waiting activity started: a child started by the
    ``StartSubProcess`` action (which nobody waits for) then cannot resume the wrong activity."""

    values: Mapping[str, Value] = field(default_factory=dict)
    process_key: str | None = None


@dataclass(frozen=True, slots=True)
class Retry:
    """Re-enter the current activity of a FAILED position (an admin retries an incident)."""


Event = Started | TicketChanged | ServiceTaskCompleted | ServiceTaskFailed | SubProcessCompleted | Retry
