"""Process commands: ``process import``, ``export``, ``list``, ``show``, ``validate``, ``deploy``,
``versions``, ``diff``, ``rollback`` and ``start`` (``process test`` comes from
``ticketflow.cli.testmode``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
import yaml

from ticketflow.bootstrap import Application
from ticketflow.cli import acting, output
from ticketflow.cli.context import AS_OPTION, now, open_application, read_document, read_text
from ticketflow.cli.errors import CliInputError, fail
from ticketflow.cli.process_view import show_process
from ticketflow.cli.tickets import resolve
from ticketflow.domain.definitions import ProcessState
from ticketflow.domain.errors import Problem
from ticketflow.usecases import process_import, process_versions
from ticketflow.usecases import processes as process_cases
from ticketflow.usecases.process_import import ImportRequest
from ticketflow.usecases.processes import ProcessFormat

process_app = typer.Typer(
    help="Process definitions: import, validate, deploy, inspect and export them.", no_args_is_help=True
)

FILE_HELP = "A process document: ticketflow JSON (.json) or an OTOBO YAML export (.yml/.yaml)."
IMPORT_HELP = (
    "A process document: ticketflow JSON (.json), an OTOBO YAML export (.yml/.yaml) or a BPMN 2.0 "
    "diagram (.bpmn/.xml) drawn in another tool."
)
BPMN_SUFFIXES = (".bpmn", ".xml")


def _administrator(application: Application, as_: str | None) -> acting.Acting:
    """The caller of a command that changes process definitions: with ``--as``, an administrator."""
    who = acting.acting_as(application, as_)
    acting.require_admin(who)
    return who


def _problem_line(problem: Problem) -> str:
    return f"{problem.severity}: {problem}"


@process_app.command("import")
def import_(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help=IMPORT_HELP)],
    key: str = typer.Option(
        "", "--key", help="BPMN only: the process key to import under (default: from the diagram)."
    ),
    as_: str | None = AS_OPTION,
) -> None:
    """Save a process from a file as its draft (deploy it to use it) and print every import warning.

    A BPMN diagram's tasks whose script or web service is not chosen yet are imported with a
    placeholder call, to be chosen in the modeler before deploying."""
    with open_application(ctx) as application:
        who = _administrator(application, as_)
        if file.suffix.lower() in BPMN_SUFFIXES:
            request = ImportRequest(read_text(file), file.name, key=key or None, replace_draft=True)
            result = process_import.import_with_prerequisites(
                application.uow, application.runtime, request, imported_by=who.login, now=now()
            )
        else:
            if key:
                raise CliInputError("--key", "is only for BPMN diagrams; JSON and YAML carry their key")
            result = process_cases.import_process(
                application.uow,
                application.runtime,
                read_document(file),
                imported_by=who.login,
                now=now(),
            )
    output.line(f"process {result.key} ({result.name}) imported as draft revision {result.revision}")
    for warning in result.warnings:
        output.line(f"  {_problem_line(warning)}")


@process_app.command("validate")
def validate(ctx: typer.Context, file: Annotated[Path, typer.Argument(help=FILE_HELP)]) -> None:
    """Check a process file against this system: print every error and warning; exit 1 if any error."""
    document = read_document(file)
    with open_application(ctx) as application:
        problems = process_cases.validate_document(application.uow, application.runtime, document, now())
    errors = [p for p in problems if p.severity == "error"]
    lines = [f"  {_problem_line(p)}" for p in problems]
    summary = f"{file}: {len(errors)} error(s), {len(problems) - len(errors)} warning(s)"
    if errors:
        fail([f"error: {summary}", *lines])
    output.line(f"{summary}: ready to deploy" if not problems else summary)
    for text in lines:
        output.line(text)


@process_app.command("deploy")
def deploy(
    ctx: typer.Context,
    key: str = typer.Argument(..., help="Process key."),
    note: str = typer.Option("", help="What changed, kept with the version."),
    force: bool = typer.Option(
        False, "--force", help="Deploy even when saved test scenarios fail (the note says so)."
    ),
    as_: str | None = AS_OPTION,
) -> None:
    """Validate the draft of a process, rerun its saved test scenarios, and freeze it as the next
    version; new tickets use it."""
    with open_application(ctx) as application:
        who = _administrator(application, as_)
        result = process_cases.deploy_process(
            application.uow,
            application.runtime,
            key,
            deployed_by=who.login,
            now=now(),
            note=note,
            force=force,
        )
    if result.unchanged:
        output.line(f"process {key}: the draft equals version {result.version}; nothing deployed")
    else:
        output.line(f"process {key} deployed as version {result.version} ({result.content_hash[:12]})")


@process_app.command("state")
def state(
    ctx: typer.Context,
    key: Annotated[str, typer.Argument(help="Process key.")],
    new_state: Annotated[ProcessState, typer.Argument(help="Active, FadeAway or Inactive.")],
    as_: str | None = AS_OPTION,
) -> None:
    """Retire or revive a process: FadeAway lets running tickets finish but starts no new ones; Inactive
    freezes every ticket of the process; Active undoes both. Deployed as a new version."""
    with open_application(ctx) as application:
        who = _administrator(application, as_)
        result = process_cases.set_process_state(
            application.uow, application.runtime, key, new_state, changed_by=who.login, now=now()
        )
    output.line(f"process {key} is {new_state.value} from version {result.version}")


@process_app.command("list")
def list_(
    ctx: typer.Context, as_json: bool = typer.Option(False, "--json", help="Print JSON instead.")
) -> None:
    """List every process with its state, latest deployed version and draft revision."""
    with open_application(ctx) as application:
        summaries = process_cases.list_processes(application.uow)
    if as_json:
        output.print_json(
            [
                {
                    "key": s.key,
                    "name": s.name,
                    "state": s.state,
                    "latest_version": s.latest_version,
                    "draft_revision": s.draft_revision,
                    "changed_at": s.changed_at,
                }
                for s in summaries
            ]
        )
        return
    rows = [(s.key, s.name, s.state, s.latest_version, s.draft_revision, s.changed_at) for s in summaries]
    output.table("Processes", ("Key", "Name", "State", "Version", "Draft", "Changed"), rows)


@process_app.command("show")
def show(
    ctx: typer.Context,
    key: str = typer.Argument(..., help="Process key."),
    version: int | None = typer.Option(None, help="A deployed version (default: the draft)."),
) -> None:
    """Show a process: its activities with their types, its transitions with conditions and actions."""
    with open_application(ctx) as application:
        process = process_cases.load_process(application.uow, key, version)
    show_process(process, f"version {version}" if version is not None else "draft")


@process_app.command("versions")
def versions(ctx: typer.Context, key: str = typer.Argument(..., help="Process key.")) -> None:
    """List the deployed versions of a process, oldest first, each with what changed since the one before."""
    with open_application(ctx) as application:
        history = process_versions.version_history(application.uow, key)
    rows = [
        (
            e.stored.version,
            e.stored.deployed_at,
            e.stored.deployed_by,
            e.stored.content_hash[:12],
            e.stored.note,
            _changed_text(e),
        )
        for e in history
    ]
    output.table(f"Versions of {key}", ("Version", "Deployed", "By", "Hash", "Note", "Changed"), rows)


def _changed_text(entry: process_versions.VersionEntry) -> str:
    """``activities: 1 changed; process: layout`` — or what the first version and a no-change say."""
    if entry.stored.version == 1 and not entry.changes:
        return "first version"
    parts = [line.describe() for line in entry.summary]
    if entry.process_attributes:
        parts.append(f"process: {', '.join(entry.process_attributes)}")
    return "; ".join(parts) or "same content"


@process_app.command("diff")
def diff(
    ctx: typer.Context,
    key: str = typer.Argument(..., help="Process key."),
    old: int = typer.Argument(..., help="The older version."),
    new: int = typer.Argument(..., help="The newer version."),
) -> None:
    """Print what changed between two deployed versions, element by element."""
    with open_application(ctx) as application:
        changes = process_cases.diff_versions(application.uow, key, old, new)
    if not changes:
        output.line(f"process {key}: versions {old} and {new} do not differ")
    for change in changes:
        output.line(change.describe())


@process_app.command("rollback")
def rollback(
    ctx: typer.Context,
    key: Annotated[str, typer.Argument(help="Process key.")],
    to: Annotated[int, typer.Option("--to", min=1, help="The earlier version whose content comes back.")],
    force: bool = typer.Option(
        False, "--force", help="Roll back even when saved test scenarios fail (the note says so)."
    ),
    as_: str | None = AS_OPTION,
) -> None:
    """Deploy an earlier version's content again as the next version, after rerunning the saved test
    scenarios as a deploy does; running tickets keep theirs."""
    with open_application(ctx) as application:
        who = _administrator(application, as_)
        result = process_versions.rollback_process(
            application.uow,
            application.runtime,
            key,
            to,
            rolled_back_by=who.login,
            now=now(),
            force=force,
        )
    output.line(f"process {key} rolled back to version {to} as version {result.version}")
    if not result.draft_replaced:
        output.line("  the draft keeps its undeployed changes")


@process_app.command("export")
def export(
    ctx: typer.Context,
    key: str = typer.Argument(..., help="Process key."),
    version: int | None = typer.Option(None, help="A deployed version (default: the draft)."),
    export_format: Annotated[
        ProcessFormat, typer.Option("--format", help="ticketflow (JSON) or otobo (YAML for OTOBO's import).")
    ] = ProcessFormat.NATIVE,
    output_file: Annotated[
        Path | None, typer.Option("--output", help="Write to this file (default: stdout).")
    ] = None,
) -> None:
    """Export a process as ticketflow JSON or as OTOBO YAML; export warnings go to stderr."""
    with open_application(ctx) as application:
        document, warnings = process_cases.export_process(application.uow, key, version, export_format)
    if export_format is ProcessFormat.NATIVE:
        text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    else:
        text = yaml.safe_dump(document, sort_keys=False, allow_unicode=True)
    for warning in warnings:
        typer.echo(_problem_line(warning), err=True)
    if output_file is None:
        typer.echo(text, nl=False)
        return
    try:
        output_file.write_text(text, encoding="utf-8")
    except OSError as error:
        raise CliInputError(str(output_file), f"cannot be written ({error.strerror})") from None
    output.line(f"process {key} written to {output_file}")


@process_app.command("start")
def start(
    ctx: typer.Context,
    key: str = typer.Argument(..., help="Process key (its latest deployed version is used)."),
    ticket: str = typer.Option(..., help="Ticket id or number of a ticket not yet in a process."),
    as_: str | None = AS_OPTION,
) -> None:
    """Put an existing ticket into a process."""
    with open_application(ctx) as application:
        who = acting.acting_as(application, as_)
        ticket_id = resolve(application.uow, ticket)
        moved = acting.start_process(application, who, key, ticket_id, now=now())
    position = moved.process
    where = f" at '{position.activity_key}' ({position.status.value})" if position else ""
    output.line(f"ticket {moved.number} started in process {key}{where}")


# --- process test -----------------------------------------------------------------------------------
# Test Mode lives in ticketflow.cli.testmode (its own engineer's module). By convention it exposes
# ``register(app: typer.Typer) -> None`` and is handed this ``process`` group, so its command reads
# ``ticketflow process test …``. ``ticketflow.cli.app`` calls it when the module exists.
