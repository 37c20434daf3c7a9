"""Why a process has no deployed version to use: it does not exist at all, or it was never deployed."""

from __future__ import annotations

from ticketflow.usecases.ports import UnitOfWork


def undeployed_reason(uow: UnitOfWork, key: str, *, advice: str = "") -> str:
    """The sentence for a refusal. ``advice`` follows it for a process that exists but was never
    deployed; a process that was never imported is not sent off to be deployed."""
    if uow.processes.find_draft(key) is None:
        return f"process '{key}' does not exist"
    return f"process '{key}' has no deployed version{advice}"
