"""Who a command acts as, and the ticket and dialog calls made in that name.

Without ``--as`` the CLI is the local administrator's tool: whoever runs it on the database may change
anything there anyway, so a command acts as ``root@localhost`` and calls the use cases unchecked.
With ``--as agent:LOGIN`` or ``--as customer:LOGIN`` it acts as that user through the use cases
``principals``, ``access`` and ``dialog_access``, the permission model the web enforces (groups and
their keys through roles, a customer's own and company tickets, a dialog's permission and required
lock, administrators for process work): what the web refuses that user is refused here, with the same
message, before anything is written.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from ticketflow.bootstrap import Application
from ticketflow.domain.definitions import ActivityDialog
from ticketflow.domain.tickets import Ticket, Value
from ticketflow.usecases import access, dialog_access, principals
from ticketflow.usecases import dialogs as dialog_cases
from ticketflow.usecases import tickets as ticket_cases
from ticketflow.usecases.access import Submitted
from ticketflow.usecases.callers import Caller
from ticketflow.usecases.principals import Principal
from ticketflow.usecases.records import HistoryEntry, TicketQuery

LOCAL_ADMINISTRATOR = Caller("root@localhost")


@dataclass(frozen=True, slots=True)
class Acting:
    """A command's caller; ``principal`` (its permissions) when named with ``--as``, None for the
    local administrator."""

    caller: Caller
    principal: Principal | None = None

    @property
    def login(self) -> str:
        return self.caller.login

    def __str__(self) -> str:
        return str(self.caller)


def acting_as(application: Application, text: str | None) -> Acting:
    """The caller ``--as`` names (``agent:LOGIN``, ``customer:LOGIN``, a bare login is an agent) with
    its stored permissions, or the local administrator when ``text`` is None. PermissionDeniedError
    for an unknown or invalid user, as a sign-in would be refused."""
    if text is None:
        return Acting(LOCAL_ADMINISTRATOR)
    principal = principals.load_principal(application.reader, Caller.parse(text))
    return Acting(principal.caller, principal)


def require_admin(acting: Acting) -> None:
    """Process definitions and scenarios are administrators' work (rw on group ``admin``)."""
    if acting.principal is not None:
        principals.require_admin(acting.principal)


def require_agent(acting: Acting) -> None:
    """Reading process definitions and scenarios is for agents, as on the web."""
    if acting.principal is not None:
        principals.require_agent(acting.principal)


def create_ticket(
    application: Application,
    acting: Acting,
    request: ticket_cases.TicketInput,
    *,
    now: datetime,
    process_key: str | None,
    start_values: Submitted | None,
) -> Ticket:
    if acting.principal is None:
        return ticket_cases.create_ticket(
            application.uow,
            application.runtime,
            request,
            caller=acting.caller,
            now=now,
            process_key=process_key,
            start_values=start_values,
        )
    return access.create_ticket(
        application.uow,
        application.runtime,
        acting.principal,
        request,
        now=now,
        process_key=process_key,
        start_values=start_values,
        reader=application.reader,
    )


def show_ticket(
    application: Application, acting: Acting, ticket_id: int, steps: int
) -> ticket_cases.TicketView:
    if acting.principal is None:
        return ticket_cases.show_ticket(
            application.uow, application.runtime, ticket_id, caller=acting.caller, steps=steps
        )
    return dialog_access.show_ticket(
        application.reader, application.runtime, acting.principal, ticket_id, steps=steps
    )


def update_ticket(
    application: Application, acting: Acting, ticket_id: int, values: Mapping[str, Value], *, now: datetime
) -> Ticket:
    if acting.principal is None:
        return ticket_cases.update_ticket(
            application.uow, application.runtime, ticket_id, values, caller=acting.caller, now=now
        )
    return access.update_ticket(
        application.uow, application.runtime, acting.principal, ticket_id, values, now=now
    )


def ticket_history(application: Application, acting: Acting, ticket_id: int) -> list[HistoryEntry]:
    """The whole history; refused to customers, as on the web (OTOBO's TicketHistoryGet)."""
    if acting.principal is None:
        return ticket_cases.ticket_history(application.uow, ticket_id, caller=acting.caller)
    return access.ticket_history(application.reader, acting.principal, ticket_id)


def steps_history(application: Application, acting: Acting, ticket_id: int) -> list[HistoryEntry]:
    """The history a command prints the steps of a change from: none for a customer, who may change
    a ticket (submit a customer dialog) but not read its history."""
    if acting.principal is not None and acting.principal.is_customer:
        return []
    return ticket_history(application, acting, ticket_id)


def list_tickets(application: Application, acting: Acting, query: TicketQuery) -> tuple[list[Ticket], int]:
    """The tickets of ``query``; for a named caller only those it may see (as the web's lists)."""
    if acting.principal is None:
        return ticket_cases.list_tickets(application.uow, query)
    return access.list_tickets(application.reader, acting.principal, query)


def list_dialogs(application: Application, acting: Acting, ticket_id: int) -> tuple[ActivityDialog, ...]:
    """The dialogs of the ticket's activity the caller may submit now."""
    if acting.principal is None:
        return tuple(
            dialog_cases.list_ticket_dialogs(application.uow, application.runtime, ticket_id, acting.caller)
        )
    return dialog_access.available_dialogs(
        application.reader, application.runtime, acting.principal, ticket_id
    )


def submit_dialog(
    application: Application,
    acting: Acting,
    ticket_id: int,
    dialog_key: str,
    values: Submitted,
    *,
    now: datetime,
) -> Ticket:
    if acting.principal is None:
        return dialog_cases.submit_dialog(
            application.uow, application.runtime, ticket_id, dialog_key, values, caller=acting.caller, now=now
        )
    return dialog_access.submit_dialog(
        application.uow,
        application.runtime,
        acting.principal,
        ticket_id,
        dialog_key,
        values,
        now=now,
        reader=application.reader,
    )


def start_process(
    application: Application, acting: Acting, key: str, ticket_id: int, *, now: datetime
) -> Ticket:
    if acting.principal is None:
        return ticket_cases.start_process(
            application.uow, application.runtime, key, ticket_id, caller=acting.caller, now=now
        )
    return access.start_process(
        application.uow,
        application.runtime,
        acting.principal,
        key,
        ticket_id,
        now=now,
        reader=application.reader,
    )
