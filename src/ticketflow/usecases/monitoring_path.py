"""The path a ticket took through its process, from its process history: the activities it stood at or
passed through and the transitions it followed, for marking them on its diagram.

Each process step's trace says what happened: ``moved`` records the transitions followed,
``entered_activity`` the activities entered (script tasks passed within a step too). A move whose
transition action failed was undone by the engine (it takes the source's error transition or fails
there) and is left out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ticketflow.usecases.ports import UnitOfWorkFactory
from ticketflow.usecases.records import HistoryEntry

_STEP_TYPES = frozenset({"ProcessStart", "ProcessTransition", "ProcessFailed", "ProcessCompleted"})
# A failed transition action undoes its move (recorded just before it): the engine discards the move's
# effects and takes the source's error transition or fails there.
_UNDOING = "action_failed"


@dataclass(frozen=True, slots=True)
class TicketPath:
    activities: frozenset[str]
    transitions: frozenset[str]


def ticket_path(uow_factory: UnitOfWorkFactory, ticket_id: int) -> TicketPath:
    """The path of ticket ``ticket_id``; the caller has checked that the reader may see the ticket."""
    with uow_factory() as uow:
        return path_of(uow.tickets.list_history(ticket_id))


def path_of(history: Iterable[HistoryEntry]) -> TicketPath:
    activities: set[str] = set()
    transitions: set[str] = set()
    for entry in history:
        if entry.history_type not in _STEP_TYPES:
            continue
        parts = entry.name.split("%%", 5)
        if len(parts) >= 5 and parts[4]:
            activities.add(parts[4])  # where the step left the ticket
        # The step's trace cut at each move: (the move, the activities entered after it).
        segments: list[tuple[Mapping[str, object] | None, list[str]]] = [(None, [])]
        for record in entry.trace:
            kind = record.get("kind")
            if kind == "moved":
                segments.append((record, []))
            elif kind == "entered_activity":
                segments[-1][1].append(str(record.get("activity", "")))
            elif kind == _UNDOING and len(segments) > 1:
                segments.pop()  # the move and what it entered were discarded
        for move, entered in segments:
            activities.update(entered)
            if move is not None:
                transitions.add(str(move.get("transition", "")))
                activities.update((str(move.get("source", "")), str(move.get("target", ""))))
    activities.discard("")
    transitions.discard("")
    return TicketPath(frozenset(activities), frozenset(transitions))
