"""How tickets, history steps and positions look on the terminal (and as ``--json``)."""

from __future__ import annotations

from collections.abc import Sequence

from ticketflow.cli import output
from ticketflow.domain.tickets import Ticket
from ticketflow.usecases.records import HistoryEntry
from ticketflow.usecases.tickets import TicketView


def ticket_attributes(ticket: Ticket) -> dict[str, object]:
    return {
        "Title": ticket.title,
        "Queue": ticket.queue,
        "State": f"{ticket.state} ({ticket.state_type})",
        "Priority": ticket.priority,
        "Lock": ticket.lock,
        "Owner": ticket.owner,
        "Responsible": ticket.responsible,
        "Type": ticket.type,
        "Service": ticket.service,
        "SLA": ticket.sla,
        "CustomerID": ticket.customer_id,
        "CustomerUserID": ticket.customer_user_id,
        "PendingTime": ticket.pending_until,
        "Created": ticket.created_at,
        "Changed": ticket.changed_at,
    }


def ticket_view(view: TicketView, who: str) -> None:
    """The ``ticket show`` screen."""
    ticket = view.ticket
    output.heading(f"Ticket {ticket.number} (id {ticket.id}, version {ticket.version})")
    output.pairs({key: value for key, value in ticket_attributes(ticket).items() if value is not None})
    if ticket.dynamic_fields:
        output.heading("Dynamic fields")
        output.pairs(
            {name: output.value_text(value) for name, value in sorted(ticket.dynamic_fields.items())}
        )
    _articles(view)
    _process(view)
    _dialogs(view, who)
    if view.recent_steps:
        print_steps(view.recent_steps, title="Last process steps")


def _articles(view: TicketView) -> None:
    if not view.articles:
        return
    output.heading("Articles")
    for article in view.articles:
        output.line(
            f"  #{article.number}  {output.cell_text(article.created_at)}  {article.channel}, "
            f"{article.sender_type} {article.created_by}: {article.subject}"
        )


def _process(view: TicketView) -> None:
    position = view.ticket.process
    if position is None:
        output.line("Process: none")
        return
    output.heading("Process")
    details: dict[str, object] = {
        "Process": f"{view.process_name} ({position.process_key}, version {position.version})",
        "Activity": f"{view.activity_name} ({position.activity_key})",
        "Status": position.status.value,
    }
    if position.failure:
        details["Failure"] = position.failure
    output.pairs(details)


def _dialogs(view: TicketView, who: str) -> None:
    if view.ticket.process is None:
        return
    if not view.dialogs:
        output.line(f"Dialogs for {who}: none")
        return
    output.heading(f"Dialogs for {who}")
    output.pairs({dialog.key: dialog.name for dialog in view.dialogs})


def print_steps(entries: Sequence[HistoryEntry], title: str | None = None) -> None:
    """History entries, one line each, with the engine's trace lines indented below process steps."""
    if title:
        output.heading(title)
    for entry in entries:
        when = output.cell_text(entry.created_at)
        details = history_text(entry.name)
        output.line(f"  {when}  {entry.history_type}  {details}  (by {entry.created_by})".rstrip())
        output.trace_lines(entry.trace)


def history_text(name: str) -> str:
    """OTOBO's ``%%``-joined history name, readable: ``%%Raw%%1`` → ``Raw · 1``."""
    parts = [part for part in name.split("%%") if part]
    return " · ".join(parts) if parts else name


def ticket_json(view: TicketView) -> dict[str, object]:
    """The ``ticket show --json`` document."""
    ticket = view.ticket
    position = ticket.process
    return {
        "id": ticket.id,
        "number": ticket.number,
        "version": ticket.version,
        "attributes": {k: v for k, v in ticket_attributes(ticket).items() if v is not None}
        | {"State": ticket.state},
        "state_type": ticket.state_type,
        "dynamic_fields": dict(ticket.dynamic_fields),
        "process": None
        if position is None
        else {
            "key": position.process_key,
            "name": view.process_name,
            "version": position.version,
            "activity": position.activity_key,
            "activity_name": view.activity_name,
            "status": position.status.value,
            "failure": position.failure,
        },
        "dialogs": [{"key": d.key, "name": d.name} for d in view.dialogs],
        "recent_steps": [
            {
                "type": step.history_type,
                "name": step.name,
                "created_at": step.created_at,
                "created_by": step.created_by,
                "trace": [output.describe_trace_entry(entry) for entry in step.trace],
            }
            for step in view.recent_steps
        ],
    }
