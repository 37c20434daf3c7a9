"""``ticketflow webservice``: import, export, list and show web services (JSON, OTOBO's shape).

Exports never contain secret values; secrets are named in the config and set as
``TICKETFLOW_SECRET_<NAME>`` or in the secrets file (``TICKETFLOW_SECRETS_FILE``). See
``docs/webservices.md``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from ticketflow.cli import output
from ticketflow.cli.context import open_application, read_document
from ticketflow.usecases import webservices

webservice_app = typer.Typer(
    help="Web services the process engine may call (service tasks).", no_args_is_help=True
)


@webservice_app.command("import")
def import_command(
    ctx: typer.Context,
    file: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, help="A ticketflow.webservice/1 JSON file.")
    ],
) -> None:
    """Register a web service from FILE (refused if its config is unusable or holds a secret)."""
    document = read_document(file, "a web service document")
    with open_application(ctx) as application:
        service = webservices.import_web_service(application.uow, document)
    invokers = ", ".join(sorted(service.invokers)) or "no invokers"
    output.line(f"web service '{service.name}' imported ({service.base_url}; {invokers})")


@webservice_app.command("export")
def export_command(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The web service's name.")],
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write to this file instead of stdout.")
    ] = None,
) -> None:
    """Print (or write) NAME as an import document, without secret values."""
    with open_application(ctx) as application:
        document = webservices.export_web_service(application.uow, name)
    if out is None:
        output.print_json(document)
    else:
        out.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        output.line(f"web service '{name}' written to {out}")


@webservice_app.command("list")
def list_command(ctx: typer.Context) -> None:
    """Every registered web service with its base URL and invokers."""
    with open_application(ctx) as application:
        services = webservices.list_web_services(application.uow)
    rows = [
        (s.name, "yes" if s.valid else "no", s.base_url or f"unusable: {s.problem}", ", ".join(s.invokers))
        for s in services
    ]
    output.table("Web services", ("Name", "Valid", "Base URL", "Invokers"), rows)


@webservice_app.command("show")
def show_command(
    ctx: typer.Context, name: Annotated[str, typer.Argument(help="The web service's name.")]
) -> None:
    """NAME's base URL, invokers, the secrets it needs, and its config (without secret values)."""
    with open_application(ctx) as application:
        summary = webservices.show_web_service(application.uow, name)
        document = webservices.export_web_service(application.uow, name)
    output.heading(f"Web service {summary.name}")
    output.pairs(
        {
            "Valid": "yes" if summary.valid else "no",
            "Base URL": summary.base_url or "-",
            "Invokers": ", ".join(summary.invokers) or "-",
            "Secrets": ", ".join(summary.secrets) or "-",
            **({"Problem": summary.problem} if summary.problem else {}),
        }
    )
    output.print_json(document["config"])


def register(app: typer.Typer) -> None:
    app.add_typer(webservice_app, name="webservice")
