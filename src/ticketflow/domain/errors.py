"""The error tree of ticketflow. Every error carries a stable ``code``; the web edge maps classes to HTTP.

TicketflowError
 ├── NotFoundError            a queue, ticket, process … that does not exist
 ├── ConflictError            an optimistic-concurrency race was lost; nothing was written
 ├── PermissionDeniedError    the caller may not do this
 ├── InvalidInputError        user input that cannot be used (names the field)
 ├── DefinitionError          a process definition is broken; carries every Problem found
 │    └── ImportRefusedError  an import references things that do not exist here
 └── ProcessRuntimeError      something failed while a ticket moved
      ├── ConditionError      a condition is misconfigured (OTOBO aborts the check, reference §3.4)
      ├── ActionError         a transition action could not do its work
      ├── ScriptError         a script task failed (carries the activity's error code)
      └── TransitionLoopError the hop limit stopped a chain of automatic moves
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a definition or an input, located on an element.

    ``element`` names where: ``process``, ``activity:<key>``, ``dialog:<activity>/<dialog>``,
    ``transition:<key>``, ``action:<transition>/<index>``. ``severity`` is ``error`` or ``warning``.
    """

    element: str
    message: str
    field: str | None = None
    severity: str = "error"

    def __str__(self) -> str:
        where = f"{self.element}.{self.field}" if self.field else self.element
        return f"{where}: {self.message}"


class TicketflowError(Exception):
    code = "ticketflow_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFoundError(TicketflowError):
    code = "not_found"


class ConflictError(TicketflowError):
    code = "conflict"


class PermissionDeniedError(TicketflowError):
    code = "permission_denied"


class InvalidInputError(TicketflowError):
    code = "invalid_input"

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(f"{field}: {message}" if field else message)
        self.field = field


class DefinitionError(TicketflowError):
    code = "invalid_definition"

    def __init__(
        self, problems: Iterable[Problem], summary: str = "the process definition is invalid"
    ) -> None:
        self.problems = tuple(problems)
        details = "; ".join(str(p) for p in self.problems)
        super().__init__(f"{summary}: {details}" if details else summary)


class ImportRefusedError(DefinitionError):
    code = "import_refused"


class JobError(TicketflowError):
    """A job failed. ``response`` summarises what the other side answered (for the incident)."""

    code = "job_error"

    def __init__(self, message: str, *, response: str | None = None) -> None:
        super().__init__(message)
        self.response = response


class RetryableError(JobError):
    """Worth trying again; ``retry_after`` is the other side's hint (a 429's Retry-After)."""

    code = "job_retryable"

    def __init__(
        self, message: str, *, response: str | None = None, retry_after: timedelta | None = None
    ) -> None:
        super().__init__(message, response=response)
        self.retry_after = retry_after


class PermanentError(JobError):
    code = "job_permanent"


class ProcessRuntimeError(TicketflowError):
    code = "process_runtime_error"


class ConditionError(ProcessRuntimeError):
    code = "condition_error"


class ActionError(ProcessRuntimeError):
    code = "action_error"


class ScriptError(ProcessRuntimeError):
    code = "script_error"

    def __init__(self, message: str, error_code: str | None = None) -> None:
        super().__init__(message)
        self.error_code = error_code


class TransitionLoopError(ProcessRuntimeError):
    code = "transition_loop"
