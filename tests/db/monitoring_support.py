"""Constructed process histories for the monitoring tests: ticket rows and their process history rows
written as the durable step writes them, at times the test chooses."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, insert

from ticketflow.db.seed import ROOT_LOGIN
from ticketflow.db.tables import incidents, jobs, ticket_history, tickets


@dataclass(frozen=True, slots=True)
class Step:
    """A process history row: the ticket moved from ``source`` to ``target`` at ``at``."""

    at: datetime
    source: str
    target: str
    kind: str = "ProcessTransition"
    failure: str | None = None


class Histories:
    """Writes tickets of processes with the steps they took."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._next_id = 1

    def ticket(
        self, process: str, version: int, status: str, steps: list[Step], *, queue: str = "Raw"
    ) -> int:
        ticket_id = self._next_id
        self._next_id += 1
        last = steps[-1]
        with self._engine.begin() as connection:
            connection.execute(
                insert(tickets),
                {
                    "id": ticket_id,
                    "number": f"M{ticket_id:08d}",
                    "title": f"Monitored {ticket_id}",
                    "queue": queue,
                    "state": "new",
                    "priority": "3 normal",
                    "lock": "unlock",
                    "owner": ROOT_LOGIN,
                    "process_key": process,
                    "process_version": version,
                    "activity_key": last.target,
                    "process_status": status,
                    "version": 1,
                    "created_at": steps[0].at,
                    "changed_at": last.at,
                },
            )
            for step in steps:
                name = f"%%{process}%%{version}%%{step.source}%%{step.target}"
                if step.failure is not None:
                    name += f"%%{step.failure}"
                connection.execute(
                    insert(ticket_history),
                    [
                        # A field change in the same step: not a process row, must not count.
                        {
                            "ticket_id": ticket_id,
                            "history_type": "TicketDynamicFieldUpdate",
                            "name": "%%FieldName%%X%%Value%%1%%OldValue%%",
                            "trace": [],
                            "created_at": step.at,
                            "created_by": ROOT_LOGIN,
                        },
                        {
                            "ticket_id": ticket_id,
                            "history_type": step.kind,
                            "name": name,
                            "trace": [],
                            "created_at": step.at,
                            "created_by": ROOT_LOGIN,
                        },
                    ],
                )
        return ticket_id

    def incident(
        self, ticket_id: int | None, *, opened_at: datetime, status: str = "open", error: str = "ERP down"
    ) -> int:
        with self._engine.begin() as connection:
            job_id = connection.execute(
                insert(jobs).returning(jobs.c.id),
                {
                    "kind": "web_service",
                    "payload": {},
                    "ticket_id": ticket_id,
                    "status": "failed",
                    "attempts": 3,
                    "max_attempts": 3,
                    "run_at": opened_at,
                    "created_at": opened_at,
                },
            ).scalar_one()
            return int(
                connection.execute(
                    insert(incidents).returning(incidents.c.id),
                    {
                        "job_id": job_id,
                        "ticket_id": ticket_id,
                        "kind": "web_service",
                        "step": "activity:order",
                        "error": error,
                        "response": "HTTP 503",
                        "status": status,
                        "opened_at": opened_at,
                    },
                ).scalar_one()
            )
