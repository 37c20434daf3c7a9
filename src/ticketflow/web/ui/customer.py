"""The customer portal: my tickets, starting a process that customers may start, a ticket with the
articles visible to customers, and the dialogs visible to customers. The use cases refuse other
customers' tickets (PermissionDeniedError → 403 page)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from ticketflow.domain.definitions import Interface
from ticketflow.usecases import access, dialog_access
from ticketflow.usecases.records import TicketOrder, TicketQuery
from ticketflow.web.ui.attachment_pages import files_by_article
from ticketflow.web.ui.core import CustomerForm, CustomerSession, Ui
from ticketflow.web.ui.dialog_pages import (
    dialog_page,
    dialog_submit,
    start_field_check,
    start_page,
    start_submit,
    startable_processes,
    ticket_field_check,
)
from ticketflow.web.ui.ticket_pages import attributes, process_widget

ZOOM = "/customer/tickets/"


def router(ui: Ui) -> APIRouter:
    routes = ui.router("/customer")

    @routes.get("/", response_class=HTMLResponse)
    def my_tickets(request: Request, session: CustomerSession) -> HTMLResponse:
        # Mine and, as OTOBO's CustomerIDCheck allows, those of my company (access.list_tickets).
        query = TicketQuery(order_by=TicketOrder.CHANGED_AT, descending=True, limit=100)
        tickets, total = access.list_tickets(ui.application.reader, session.principal, query)
        return ui.render(
            request,
            "customer/home.html",
            title="My tickets",
            tickets=tickets,
            total=total,
            companies=sorted(session.principal.customer_ids),
        )

    @routes.get("/processes", response_class=HTMLResponse)
    def processes(request: Request, session: CustomerSession) -> HTMLResponse:
        found = startable_processes(ui, Interface.CUSTOMER)
        return ui.render(request, "customer/processes.html", title="New request", processes=found)

    @routes.get("/processes/{key}/start", response_class=HTMLResponse)
    def start_form(request: Request, session: CustomerSession, key: str) -> HTMLResponse:
        return start_page(ui, request, key, Interface.CUSTOMER, "customer/start.html")

    @routes.post("/processes/{key}/start")
    def start(request: Request, form: CustomerForm, key: str) -> Response:
        return start_submit(ui, request, form, key, "customer/start.html", ZOOM)

    @routes.post("/processes/{key}/start/check", response_class=HTMLResponse)
    def start_check(request: Request, form: CustomerForm, key: str) -> HTMLResponse:
        return start_field_check(ui, request, form, key)

    @routes.post("/tickets/{ticket_id}/dialogs/{dialog_key}/check", response_class=HTMLResponse)
    def check(request: Request, form: CustomerForm, ticket_id: int, dialog_key: str) -> HTMLResponse:
        return ticket_field_check(ui, request, form, ticket_id, dialog_key)

    @routes.get("/tickets/{ticket_id}", response_class=HTMLResponse)
    def zoom(request: Request, session: CustomerSession, ticket_id: int) -> HTMLResponse:
        view = dialog_access.show_ticket(
            ui.application.reader, ui.application.runtime, session.principal, ticket_id
        )
        ticket = view.ticket
        widget = process_widget(ui, ticket, view)
        return ui.render(
            request,
            "customer/zoom.html",
            title=f"Ticket {ticket.number}: {ticket.title}",
            view=view,
            ticket=ticket,
            attributes=attributes(ticket, for_customer=True),
            activity=widget.activity if widget else None,
            files=files_by_article(ui, session.principal, ticket_id),
        )

    @routes.get("/tickets/{ticket_id}/dialogs/{dialog_key}", response_class=HTMLResponse)
    def dialog(request: Request, session: CustomerSession, ticket_id: int, dialog_key: str) -> HTMLResponse:
        return dialog_page(ui, request, session, ticket_id, dialog_key, "customer/dialog.html")

    @routes.post("/tickets/{ticket_id}/dialogs/{dialog_key}")
    def submit(request: Request, form: CustomerForm, ticket_id: int, dialog_key: str) -> Response:
        return dialog_submit(ui, request, form, ticket_id, dialog_key, "customer/dialog.html", ZOOM)

    return routes
