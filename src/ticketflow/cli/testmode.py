"""``ticketflow process test``: Test Mode from the command line — what would happen, writing nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ticketflow.cli import output
from ticketflow.cli.context import now, open_application, read_document
from ticketflow.cli.errors import CliInputError
from ticketflow.cli.tickets import resolve
from ticketflow.domain.simulation import SimulationReport
from ticketflow.usecases.testmode import ProcessSource, TestInput, parse_test_input, run_test_mode


def register(process_app: typer.Typer) -> None:
    """Add the ``test`` command to the ``process`` group."""
    process_app.command("test")(run_test)


def run_test(
    ctx: typer.Context,
    process: Annotated[str, typer.Argument(help="A process key (its deployed version) or a process file.")],
    ticket: Annotated[
        Path | None,
        typer.Option(
            "--ticket",
            help="JSON: the ticket in OTOBO attribute names, or {ticket, submissions, service_results, "
            "sub_process_results} (see docs/process-format.md).",
        ),
    ] = None,
    from_ticket: Annotated[
        str | None,
        typer.Option("--from-ticket", help="Start from a copy of this real ticket (id or number)."),
    ] = None,
    version: Annotated[int | None, typer.Option("--version", help="Test this deployed version.")] = None,
    draft: Annotated[
        bool, typer.Option("--draft", help="Test the saved draft instead of a deployed version.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Run a process against a ticket given as data: the path, every check and why, every effect that
    would happen (field changes, e-mails, web-service calls) and the final state. Nothing is written
    to the database and nothing is sent."""
    test_input = (
        parse_test_input(read_document(ticket)) if ticket else TestInput({}, parse_test_input({}).scenario)
    )
    source = _source(process, version, draft)
    with open_application(ctx) as application:
        copy_of = resolve(application.uow, from_ticket) if from_ticket else None
        report = run_test_mode(
            application.uow, application.runtime, source, test_input, now=now(), from_ticket=copy_of
        )
    if as_json:
        output.print_json(report.to_dict())
    else:
        _print_report(report)


def _source(process: str, version: int | None, draft: bool) -> ProcessSource:
    path = Path(process)
    if path.suffix.lower() in (".json", ".yml", ".yaml") or path.is_file():
        if version is not None or draft:
            raise CliInputError("--version/--draft", "apply to a process key, not to a file")
        return ProcessSource(document=read_document(path))
    return ProcessSource(key=process, version=version, draft=draft)


def _print_report(report: SimulationReport) -> None:
    data = report.to_dict()
    output.heading("Test Mode — nothing was written or sent")
    output.line("path: " + " → ".join(report.path))
    for step in data["steps"]:
        output.line(f"\n{step['cause']}: now at {step['activity']} ({step['status']})", style="bold")
        for effect in step["dialog_effects"]:
            output.line(f"  the dialog would {effect}")
        output.trace_lines(step["trace"], indent=2)
        for effect in step["effects"]:
            output.line(f"  would {effect}")
    final = data["final"]
    output.line(
        f"\nfinal: {final['activity']} ({final['status']})"
        + (f" — {final['failure']}" if final["failure"] else "")
    )
    output.line(f"stopped: {report.stopped_because}")
    output.pairs(dict(final["ticket"]))
