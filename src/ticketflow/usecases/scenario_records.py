"""Saved Test Mode scenarios as the store keeps them, and the port that keeps them.

A scenario belongs to a process key (not to a version): the suite reruns it against whatever is
about to be deployed. Its ``document`` is the Test Mode input (``ticket``, ``submissions``,
``service_results``, ``sub_process_results``) plus ``expect`` — see ``usecases.scenarios``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class StoredScenario:
    process_key: str
    name: str
    document: Mapping[str, Any]
    saved_at: datetime
    saved_by: str


class ScenarioRepository(Protocol):
    """Scenarios per process key, by name; saving a name again replaces it."""

    def save(self, scenario: StoredScenario) -> None:
        """Insert or replace ``(process_key, name)``; NotFoundError if the process does not exist."""
        ...

    def list(self, process_key: str) -> Sequence[StoredScenario]:
        """The scenarios of ``process_key`` by name (empty when there are none)."""
        ...

    def delete(self, process_key: str, name: str) -> None:
        """Remove one scenario; NotFoundError if there is no such scenario."""
        ...
