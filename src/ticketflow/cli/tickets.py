"""Ticket commands: ``ticket create``, ``show``, ``update``, ``list``, ``history``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

import typer

from ticketflow.cli import acting, output
from ticketflow.cli.context import AS_OPTION, collect_values, now, open_application
from ticketflow.cli.errors import CliInputError
from ticketflow.cli.rendering import print_steps, ticket_json, ticket_view
from ticketflow.domain.dialogs import ARTICLE_KEYS
from ticketflow.domain.effects import AddArticle
from ticketflow.domain.positions import PositionStatus
from ticketflow.domain.tickets import DYNAMIC_FIELD_PREFIX, SETTABLE_ATTRIBUTES, Ticket, Value
from ticketflow.usecases import tickets as ticket_cases
from ticketflow.usecases.records import TicketQuery

ticket_app = typer.Typer(help="Tickets: create, show, change, list and trace them.", no_args_is_help=True)

FIELD_HELP = (
    "A value NAME=VALUE: a ticket attribute (Queue, State …), DynamicField_<Name> or just the dynamic "
    "field's <Name>; repeat the option for each value (and for each value of a Multiselect)."
)
PROCESS_HELP = (
    "Start the ticket in the process's latest deployed version; --field then fills its start dialog, "
    "which decides the fields it holds and the queue, state, lock and priority (an option saying "
    "otherwise is refused)."
)
SET_HELP = FIELD_HELP.replace("A value NAME=VALUE", "A value to write, NAME=VALUE")


def ticket_data(items: Sequence[str], option: str) -> dict[str, Value]:
    """``--field``/``--set`` items as ticket data: bare dynamic-field names get ``DynamicField_``."""
    values: dict[str, Value] = {}
    for name, value in collect_values(items, option).items():
        known = name in SETTABLE_ATTRIBUTES or name in ARTICLE_KEYS or name.startswith(DYNAMIC_FIELD_PREFIX)
        values[name if known else DYNAMIC_FIELD_PREFIX + name] = value
    return values


def resolve(uow_factory: ticket_cases.UnitOfWorkFactory, reference: str) -> int:
    """The id of the ticket a command names by id or by ticket number."""
    return ticket_cases.find_ticket_id(uow_factory, reference)


@ticket_app.command("create")
def create(
    ctx: typer.Context,
    title: str | None = typer.Option(
        None, help="Title (required unless the process's start dialog sets it)."
    ),
    queue: str | None = typer.Option(None, help="Queue (default: Raw)."),
    state: str | None = typer.Option(None, help="State (default: new)."),
    priority: str | None = typer.Option(None, help="Priority (default: 3 normal)."),
    owner: str | None = typer.Option(None, help="Owner's login (default: root@localhost)."),
    customer_user: str | None = typer.Option(None, help="Customer user's login."),
    ticket_type: str | None = typer.Option(None, "--type", help="Ticket type."),
    field: Annotated[list[str] | None, typer.Option("--field", help=FIELD_HELP)] = None,
    process: str | None = typer.Option(None, help=PROCESS_HELP),
    article_subject: str | None = typer.Option(None, help="Subject of a first article."),
    article_body: str | None = typer.Option(None, help="Body of a first article."),
    as_: str | None = AS_OPTION,
) -> None:
    """Create a ticket, optionally in a process, and print its number and position."""
    if title is None and process is None:
        raise CliInputError("--title", "is required (unless --process starts the ticket)")
    given = {
        "Title": title,
        "Queue": queue,
        "State": state,
        "Priority": priority,
        "Owner": owner,
        "CustomerUserID": customer_user,
        "Type": ticket_type,
    }
    values: dict[str, Value] = {key: value for key, value in given.items() if value is not None}
    fields = ticket_data(field or [], "--field")
    if process is None:
        values.update(fields)
    request = ticket_cases.TicketInput(values, _article(article_subject, article_body))
    with open_application(ctx) as application:
        ticket = acting.create_ticket(
            application,
            acting.acting_as(application, as_),
            request,
            now=now(),
            process_key=process,
            start_values=fields if process is not None else None,
        )
    output.line(f"ticket {ticket.number} created (id {ticket.id})")
    _position(ticket)


def _article(subject: str | None, body: str | None) -> AddArticle | None:
    if subject is None and body is None:
        return None
    if not (subject or "").strip():
        raise CliInputError("--article-subject", "is required with --article-body")
    return AddArticle(subject=(subject or "").strip(), body=body or "", sender_type="agent")


def _position(ticket: Ticket) -> None:
    position = ticket.process
    if position is not None:
        failure = f" ({position.failure})" if position.failure else ""
        output.line(
            f"process {position.process_key} v{position.version}: at '{position.activity_key}', "
            f"{position.status.value}{failure}"
        )


@ticket_app.command("show")
def show(
    ctx: typer.Context,
    ticket: str = typer.Argument(..., help="Ticket id or ticket number."),
    steps: int = typer.Option(5, min=0, help="How many of the last process steps to show."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead."),
    as_: str | None = AS_OPTION,
) -> None:
    """Show a ticket: attributes, dynamic fields, process position, the dialogs the caller may
    submit, and the last process steps with the reasons the engine recorded."""
    with open_application(ctx) as application:
        who = acting.acting_as(application, as_)
        ticket_id = resolve(application.uow, ticket)
        view = acting.show_ticket(application, who, ticket_id, steps)
    if as_json:
        output.print_json(ticket_json(view))
    else:
        ticket_view(view, str(who))


@ticket_app.command("update")
def update(
    ctx: typer.Context,
    ticket: str = typer.Argument(..., help="Ticket id or ticket number."),
    # --field as in ``ticket create`` and ``dialog submit``; --set, its first name, still works.
    set_: Annotated[list[str] | None, typer.Option("--field", "--set", help=SET_HELP)] = None,
    as_: str | None = AS_OPTION,
) -> None:
    """Change a ticket's attributes and dynamic fields; a ticket in a process then checks its transitions."""
    values = ticket_data(set_ or [], "--field")
    if not values:
        raise CliInputError("--field", "give at least one NAME=VALUE to change")
    with open_application(ctx) as application:
        who = acting.acting_as(application, as_)
        ticket_id = resolve(application.uow, ticket)
        before = len(acting.steps_history(application, who, ticket_id))
        changed = acting.update_ticket(application, who, ticket_id, values, now=now())
        history = acting.steps_history(application, who, ticket_id)
    output.line(f"ticket {changed.number} updated (version {changed.version})")
    _position(changed)
    print_steps(history[before:])


@ticket_app.command("list")
def list_(
    ctx: typer.Context,
    queue: Annotated[
        list[str] | None, typer.Option(help="Only tickets in this queue; repeat for several.")
    ] = None,
    state: Annotated[
        list[str] | None, typer.Option(help="Only tickets in this state; repeat for several.")
    ] = None,
    owner: str | None = typer.Option(None, help="Only tickets of this owner."),
    process: str | None = typer.Option(None, help="Only tickets in this process (key)."),
    process_version: int | None = typer.Option(
        None, min=1, help="Only tickets pinned to this version of --process."
    ),
    activity: str | None = typer.Option(None, help="Only tickets at this activity (key)."),
    status: PositionStatus | None = typer.Option(  # noqa: B008 - Typer reads options from defaults
        None, help="Only tickets whose process is active, waiting, completed or failed."
    ),
    limit: int = typer.Option(50, min=1, help="At most this many tickets."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead."),
    as_: str | None = AS_OPTION,
) -> None:
    """List tickets, newest first (with --as, only those that user may see)."""
    if process_version is not None and process is None:
        raise CliInputError("--process-version", "needs --process (versions are numbered per process)")
    query = TicketQuery(
        queues=tuple(queue or ()),
        states=tuple(state or ()),
        owner=owner,
        process_key=process,
        process_version=process_version,
        activity_key=activity,
        process_status=status,
        descending=True,
        limit=limit,
    )
    with open_application(ctx) as application:
        ticket_cases.check_query_names(application.uow, application.runtime, query, now=now())
        found, total = acting.list_tickets(application, acting.acting_as(application, as_), query)
    if as_json:
        output.print_json({"total": total, "tickets": [ticket_json_row(t) for t in found]})
        return
    rows = [
        (t.id, t.number, t.title, t.queue, t.state, t.priority, t.owner, _where(t), t.changed_at)
        for t in found
    ]
    columns = ("ID", "Number", "Title", "Queue", "State", "Priority", "Owner", "Process", "Changed")
    output.table(f"Tickets ({len(found)} of {total})", columns, rows)


def _where(ticket: Ticket) -> str:
    position = ticket.process
    if position is None:
        return ""
    return f"{position.process_key} v{position.version} @ {position.activity_key} ({position.status.value})"


def ticket_json_row(ticket: Ticket) -> dict[str, object]:
    return {
        "id": ticket.id,
        "number": ticket.number,
        "title": ticket.title,
        "queue": ticket.queue,
        "state": ticket.state,
        "priority": ticket.priority,
        "owner": ticket.owner,
        "process": _where(ticket) or None,
        "changed_at": ticket.changed_at,
    }


@ticket_app.command("history")
def history(
    ctx: typer.Context,
    ticket: str = typer.Argument(..., help="Ticket id or ticket number."),
    as_: str | None = AS_OPTION,
) -> None:
    """Print a ticket's whole history, oldest first, with the engine's reasons under process steps."""
    with open_application(ctx) as application:
        who = acting.acting_as(application, as_)
        ticket_id = resolve(application.uow, ticket)
        entries = acting.ticket_history(application, who, ticket_id)
    print_steps(entries, title=f"History of ticket {ticket_id}")
