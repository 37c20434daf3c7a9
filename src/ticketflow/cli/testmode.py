"""``ticketflow process test``: Test Mode from the command line — what would happen, writing nothing —
and the saved scenarios: ``process test KEY --scenarios`` runs the suite for CI (exit status 1 when
any fails), ``process scenarios KEY`` lists, exports and imports them."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ticketflow.cli import acting, output
from ticketflow.cli.context import AS_OPTION, now, open_application, read_document
from ticketflow.cli.errors import CliInputError
from ticketflow.cli.tickets import resolve
from ticketflow.domain.simulation import SimulationReport
from ticketflow.usecases import scenarios as scenario_cases
from ticketflow.usecases.scenarios import ScenarioResult
from ticketflow.usecases.testmode import (
    ProcessSource,
    TestInput,
    parse_test_input,
    run_saved_scenarios,
    run_test_mode,
)
from ticketflow.usecases.testmode_outbound import (
    Rendered,
    outbound_detail,
    outbound_json,
    render_run_outbound,
)


def register(process_app: typer.Typer) -> None:
    """Add the ``test`` command to the ``process`` group."""
    process_app.command("test")(run_test)
    process_app.command("scenarios")(scenarios)


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
    saved: Annotated[
        bool,
        typer.Option(
            "--scenarios",
            help="Run the process's saved scenarios instead; exit status 1 when any fails (for CI).",
        ),
    ] = False,
) -> None:
    """Run a process against a ticket given as data: the path, every check and why, every effect that
    would happen (field changes, e-mails, web-service calls) and the final state. Nothing is written
    to the database and nothing is sent."""
    if saved:
        if ticket is not None or from_ticket is not None:
            raise CliInputError("--scenarios", "runs the saved scenarios; leave out --ticket/--from-ticket")
        _run_suite(ctx, _source(process, version, draft), as_json)
        return
    test_input = (
        parse_test_input(read_document(ticket, "a test ticket"))
        if ticket
        else TestInput({}, parse_test_input({}).scenario)
    )
    source = _source(process, version, draft)
    with open_application(ctx) as application:
        copy_of = resolve(application.uow, from_ticket) if from_ticket else None
        report = run_test_mode(
            application.uow, application.runtime, source, test_input, now=now(), from_ticket=copy_of
        )
        outbound = render_run_outbound(application.uow, application.runtime, report, now())
    if as_json:
        output.print_json(report.to_dict() | {"outbound": outbound_json(outbound)})
    else:
        _print_report(report, outbound)


def _source(process: str, version: int | None, draft: bool) -> ProcessSource:
    path = Path(process)
    if path.suffix.lower() in (".json", ".yml", ".yaml") or path.is_file():
        if version is not None or draft:
            raise CliInputError("--version/--draft", "apply to a process key, not to a file")
        return ProcessSource(document=read_document(path))
    return ProcessSource(key=process, version=version, draft=draft)


def _print_report(report: SimulationReport, outbound: Rendered) -> None:
    data = report.to_dict()
    output.heading("Test Mode — nothing was written or sent")
    output.line("path: " + " → ".join(report.path))
    for i, (step, simulated) in enumerate(zip(data["steps"], report.steps, strict=True)):
        output.line(f"\n{step['cause']}: now at {step['activity']} ({step['status']})", style="bold")
        for effect in step["dialog_effects"]:
            output.line(f"  the dialog would {effect}")
        output.trace_lines(step["trace"], indent=2)
        for j, (effect, described) in enumerate(zip(simulated.effects, step["effects"], strict=True)):
            output.line(f"  would {described}")
            # The e-mail as it would be sent, the request as it would go out (never sent nor made).
            detail = outbound_detail(effect, outbound.get((i, j))) if (i, j) in outbound else ""
            for detail_line in detail.splitlines():
                output.line(f"      {detail_line}", style="dim")
    final = data["final"]
    output.line(
        f"\nfinal: {final['activity']} ({final['status']})"
        + (f" — {final['failure']}" if final["failure"] else "")
    )
    output.line(f"stopped: {report.stopped_because}")
    output.pairs(dict(final["ticket"]))


def _run_suite(ctx: typer.Context, source: ProcessSource, as_json: bool) -> None:
    if source.key is None:
        raise CliInputError("--scenarios", "needs a process key: scenarios are saved with a process")
    with open_application(ctx) as application:
        results = run_saved_scenarios(application.uow, application.runtime, source, now=now())
    failed = [r for r in results if not r.passed]
    if as_json:
        output.print_json(
            {
                "process": source.key,
                "version": "draft" if source.draft else source.version or "latest",
                "passed": len(results) - len(failed),
                "failed": len(failed),
                "scenarios": [r.to_dict() for r in results],
            }
        )
    else:
        _print_suite(source.key, results)
    if failed:
        raise typer.Exit(1)


def _print_suite(key: str, results: list[ScenarioResult]) -> None:
    rows = [(r.name, "pass" if r.passed else "FAIL", "\n".join(r.differences) or "—") for r in results]
    output.table(f"Test scenarios of {key}", ("Scenario", "Result", "What differed"), rows)
    failed = sum(not r.passed for r in results)
    if not results:
        output.line(f"process {key} has no saved test scenarios")
    else:
        output.line(f"{len(results) - failed} passed, {failed} failed")


def scenarios(
    ctx: typer.Context,
    key: Annotated[str, typer.Argument(help="Process key.")],
    as_json: Annotated[
        bool, typer.Option("--json", help="Print them as an export (ticketflow.scenarios/1).")
    ] = False,
    import_file: Annotated[
        Path | None,
        typer.Option("--import", help="Save the scenarios of an export file (same names are replaced)."),
    ] = None,
    delete: Annotated[str | None, typer.Option("--delete", help="Delete the scenario of this name.")] = None,
    as_: str | None = AS_OPTION,
) -> None:
    """List the saved Test Mode scenarios of a process: what each starts from, submits and expects."""
    with open_application(ctx) as application:
        who = acting.acting_as(application, as_)
        # As on the web: agents read scenarios, administrators change them.
        if import_file is None and delete is None:
            acting.require_agent(who)
        else:
            acting.require_admin(who)
        if import_file is not None:
            imported = scenario_cases.import_scenarios(
                application.uow,
                key,
                read_document(import_file, "a scenarios document"),
                saved_by=who.login,
                now=now(),
            )
            output.line(f"process {key}: {len(imported)} scenario(s) saved")
            return
        if delete is not None:
            scenario_cases.delete_scenario(application.uow, key, delete)
            output.line(f"process {key}: scenario '{delete}' deleted")
            return
        if as_json:
            output.print_json(scenario_cases.export_scenarios(application.uow, key))
            return
        saved = scenario_cases.list_scenarios(application.uow, key)
    rows = [
        (
            s.name,
            " → ".join(sub.dialog for sub in s.test_input.scenario.submissions) or "—",
            s.expected.activity,
            f"{s.saved_by}, {s.saved_at:%Y-%m-%d %H:%M}",
        )
        for s in saved
    ]
    output.table(f"Test scenarios of {key}", ("Scenario", "Dialogs", "Expected end", "Saved"), rows)
