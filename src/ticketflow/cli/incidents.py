"""``ticketflow incidents list/show/retry/resolve``: jobs that gave up, for a person to handle."""

from __future__ import annotations

from datetime import datetime

import typer

from ticketflow.cli import output
from ticketflow.cli.context import now, open_application
from ticketflow.cli.errors import CliInputError
from ticketflow.usecases import jobs as job_cases
from ticketflow.usecases.job_records import Incident, IncidentStatus

incident_app = typer.Typer(
    help="Incidents: jobs that gave up; show, retry or resolve them.", no_args_is_help=True
)

BY_OPTION = typer.Option("root@localhost", "--by", help="Who acts (recorded on the incident).")


def _when(moment: datetime | None) -> str:
    return "" if moment is None else f"{moment:%Y-%m-%d %H:%M:%S}"


def _status(text: str | None) -> IncidentStatus | None:
    if text is None or text == "all":
        return None
    try:
        return IncidentStatus(text)
    except ValueError:
        choices = ", ".join([*IncidentStatus, "all"])
        raise CliInputError("--status", f"'{text}' is not one of {choices}") from None


@incident_app.command("list")
def list_(
    ctx: typer.Context,
    status: str = typer.Option("open", "--status", help="open, retried, resolved or all."),
    ticket: int | None = typer.Option(None, "--ticket", help="Only this ticket's (by id)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Incidents, newest first (default: the open ones)."""
    with open_application(ctx) as application:
        found = job_cases.list_incidents(application.uow, status=_status(status), ticket_id=ticket)
    if as_json:
        output.print_json([_incident_json(incident) for incident in found])
        return
    output.table(
        f"{len(found)} incident(s)",
        ("ID", "Status", "Ticket", "Job", "Kind", "Step", "Opened", "Error"),
        (
            (i.id, i.status.value, i.ticket_id or "", i.job_id, i.kind, i.step, _when(i.opened_at), i.error)
            for i in found
        ),
    )


@incident_app.command("show")
def show(
    ctx: typer.Context,
    incident_id: int = typer.Argument(..., help="The incident's id."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """The incident, its job and every attempt with its error and response."""
    with open_application(ctx) as application:
        details = job_cases.show_incident(application.uow, incident_id)
    incident, job = details.incident, details.job
    if as_json:
        data = _incident_json(incident)
        data["job"] = {
            "id": job.id,
            "kind": job.kind,
            "status": job.status.value,
            "payload": dict(job.payload),
        }
        data["attempts"] = [
            {
                "attempt": a.attempt,
                "worker": a.worker,
                "started_at": a.started_at,
                "finished_at": a.finished_at,
                "outcome": a.outcome.value if a.outcome else None,
                "error": a.error,
                "response": a.response,
            }
            for a in details.attempts
        ]
        output.print_json(data)
        return
    output.heading(f"Incident {incident.id} ({incident.status.value})")
    output.pairs(
        {
            "Ticket": incident.ticket_id or "",
            "Step": incident.step,
            "Job": f"{job.id} ({job.kind}, {job.status.value}, {job.attempts}/{job.max_attempts} attempts)",
            "Opened": _when(incident.opened_at),
            "Error": incident.error,
            "Last response": incident.response or "",
            "Closed": f"{_when(incident.closed_at)} by {incident.closed_by}: {incident.note}"
            if incident.closed_at
            else "",
        }
    )
    output.table(
        "Attempts",
        ("#", "Worker", "Started", "Finished", "Outcome", "Error", "Response"),
        (
            (
                a.attempt,
                a.worker,
                _when(a.started_at),
                _when(a.finished_at),
                a.outcome.value if a.outcome else "running",
                a.error or "",
                a.response or "",
            )
            for a in details.attempts
        ),
    )


@incident_app.command("retry")
def retry(
    ctx: typer.Context,
    incident_id: int = typer.Argument(..., help="The incident's id."),
    attempts: int = typer.Option(1, "--attempts", min=1, help="How many more attempts the job gets."),
    note: str = typer.Option("", "--note", help="Why (recorded on the incident)."),
    by: str = BY_OPTION,
) -> None:
    """Queue the job again now; the process continues where it stopped when it succeeds."""
    with open_application(ctx) as application:
        incident = job_cases.retry_incident(
            application.uow, incident_id, by=by, now=now(), note=note, extra_attempts=attempts
        )
    output.line(f"incident {incident.id} retried: job {incident.job_id} queued again")


@incident_app.command("resolve")
def resolve(
    ctx: typer.Context,
    incident_id: int = typer.Argument(..., help="The incident's id."),
    note: str = typer.Option(..., "--note", help="How it was resolved (required)."),
    by: str = BY_OPTION,
) -> None:
    """Close the incident without running the job again."""
    with open_application(ctx) as application:
        incident = job_cases.resolve_incident(application.uow, incident_id, by=by, now=now(), note=note)
    output.line(f"incident {incident.id} resolved")


def _incident_json(incident: Incident) -> dict[str, object]:
    return {
        "id": incident.id,
        "status": incident.status.value,
        "ticket_id": incident.ticket_id,
        "job_id": incident.job_id,
        "kind": incident.kind,
        "step": incident.step,
        "error": incident.error,
        "response": incident.response,
        "opened_at": incident.opened_at,
        "closed_at": incident.closed_at,
        "closed_by": incident.closed_by,
        "note": incident.note,
    }


def register(app: typer.Typer) -> None:
    app.add_typer(incident_app, name="incidents")
