"""Activity dialog commands: ``dialog list`` and ``dialog submit``."""

from __future__ import annotations

from typing import Annotated

import typer

from ticketflow.cli import acting, output
from ticketflow.cli.context import AS_OPTION, now, open_application
from ticketflow.cli.rendering import print_steps
from ticketflow.cli.tickets import resolve, ticket_data

FIELD_HELP = (
    "NAME=VALUE as the dialog names its fields (DynamicField_X or just X, Queue, Subject, Body …); "
    "repeat NAME for each value of a Multiselect."
)

dialog_app = typer.Typer(
    help="Activity dialogs: what a user fills in to move a ticket on.", no_args_is_help=True
)


@dialog_app.command("list")
def list_(
    ctx: typer.Context,
    ticket: str = typer.Argument(..., help="Ticket id or ticket number."),
    as_: str | None = AS_OPTION,
) -> None:
    """List the dialogs the caller may submit at the ticket's current activity, with their fields."""
    with open_application(ctx) as application:
        who = acting.acting_as(application, as_)
        ticket_id = resolve(application.uow, ticket)
        dialogs = acting.list_dialogs(application, who, ticket_id)
    rows = [
        (
            d.key,
            d.name,
            d.interface.value,
            ", ".join(f"{f.name} ({f.display.value})" for f in d.fields if f.display.value != "hidden"),
        )
        for d in dialogs
    ]
    output.table(f"Dialogs of ticket {ticket} for {who}", ("Key", "Name", "Interface", "Fields"), rows)


@dialog_app.command("submit")
def submit(
    ctx: typer.Context,
    ticket: str = typer.Argument(..., help="Ticket id or ticket number."),
    dialog: str = typer.Argument(..., help="Dialog key (see `ticketflow dialog list`)."),
    field: Annotated[list[str] | None, typer.Option("--field", help=FIELD_HELP)] = None,
    as_: str | None = AS_OPTION,
) -> None:
    """Submit a dialog: store its fields on the ticket, let the process move on, print where it is now
    and the steps the engine took, with their reasons."""
    values = ticket_data(field or [], "--field")
    with open_application(ctx) as application:
        who = acting.acting_as(application, as_)
        ticket_id = resolve(application.uow, ticket)
        before = len(acting.steps_history(application, who, ticket_id))
        moved = acting.submit_dialog(application, who, ticket_id, dialog, values, now=now())
        history = acting.steps_history(application, who, ticket_id)
    output.line(f"dialog '{dialog}' submitted on ticket {moved.number}")
    position = moved.process
    if position is not None:
        failure = f" ({position.failure})" if position.failure else ""
        output.line(f"now at '{position.activity_key}' ({position.status.value}){failure}")
    if history:  # none for a customer, who may submit a dialog but not read the history
        print_steps(history[before:], title="Steps")
