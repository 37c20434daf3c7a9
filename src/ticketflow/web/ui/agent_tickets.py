"""Agent pages around tickets: dashboard, queue view with filters, sorting and search, ticket zoom
with the process widget, and the ticket history with the process trace in words."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from ticketflow.domain.positions import PositionStatus
from ticketflow.domain.tickets import Ticket
from ticketflow.usecases import access, dialog_access
from ticketflow.usecases.admin import list_records
from ticketflow.usecases.catalog_records import Queue
from ticketflow.usecases.principals import Principal
from ticketflow.usecases.records import TicketOrder, TicketQuery
from ticketflow.web.ui.attachment_pages import files_by_article
from ticketflow.web.ui.core import AgentSession, Ui
from ticketflow.web.ui.queue_filters import QueueFilters, parse_filters, searchable_fields
from ticketflow.web.ui.ticket_pages import attributes, dynamic_fields, history_lines, process_widget

# State types a dashboard counts as "still to do".
OPEN_STATE_TYPES = ("new", "open", "pending reminder", "pending auto")
PAGE_SIZE = 50


@dataclass(frozen=True, slots=True)
class SortLink:
    href: str
    mark: str


def router(ui: Ui) -> APIRouter:
    routes = ui.router("/agent")

    @routes.get("/", response_class=HTMLResponse)
    def dashboard(request: Request, session: AgentSession) -> HTMLResponse:
        principal = session.principal
        login = session.caller.login
        mine, _ = access.list_tickets(
            ui.application.reader,
            principal,
            TicketQuery(
                owner=login,
                state_types=OPEN_STATE_TYPES,
                order_by=TicketOrder.CHANGED_AT,
                descending=True,
                limit=20,
            ),
        )
        queues = []
        for queue in _readable_queues(ui, principal):
            query = TicketQuery(queues=(queue,), state_types=OPEN_STATE_TYPES, limit=0)
            _, count = access.list_tickets(ui.application.reader, principal, query)
            queues.append((queue, count))
        return ui.render(
            request,
            "agent/dashboard.html",
            title="Dashboard",
            mine=mine,
            queues=queues,
            actionable=_actionable(ui, principal),
        )

    @routes.get("/queue", response_class=HTMLResponse)
    def queue_view(
        request: Request,
        session: AgentSession,
        sort: TicketOrder = TicketOrder.CHANGED_AT,
        order: Annotated[str, Query(pattern="^(asc|desc)$")] = "desc",
        page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    ) -> HTMLResponse:
        """Tickets filtered by attributes and dynamic fields (queue_filters), sorted, a page at a time.
        An htmx request for the results (filters changed, a column sorted, a page turned) gets only
        them; without JavaScript the same URL is a whole page."""
        catalog = ui.catalog()
        filters = parse_filters(request.query_params, catalog)
        query = filters.query(sort, order == "desc", PAGE_SIZE, (page - 1) * PAGE_SIZE)
        tickets, total = access.list_tickets(ui.application.reader, session.principal, query)
        queue = filters.attributes["queue"]
        context: dict[str, Any] = {
            "title": f"Queue {queue}" if queue else "All tickets",
            "tickets": tickets,
            "total": total,
            "filters": filters,
            "sort_links": _sort_links(filters, sort, order),
            "page": page,
            "pages": max(1, -(-total // PAGE_SIZE)),
            "page_link": filters.link(sort=sort.value, order=order),
        }
        headers = request.headers
        # htmx restoring a page from history (cache miss) needs the whole page.
        if headers.get("HX-Target") == "queue-results" and "HX-History-Restore-Request" not in headers:
            part = ui.render(request, "agent/queue_results.html", partial=True, **context)
            # The address bar shows the view's own short link, not every empty field of the form.
            part.headers["HX-Push-Url"] = filters.link(sort=sort.value, order=order, page=str(page))
            return part
        return ui.render(
            request,
            "agent/queue.html",
            queues=_readable_queues(ui, session.principal),
            states=sorted(catalog.states),
            processes=sorted(catalog.processes),
            statuses=[s.value for s in PositionStatus],
            dynamic_fields=searchable_fields(catalog),
            **context,
        )

    @routes.get("/tickets/{ticket_id}", response_class=HTMLResponse)
    def zoom(request: Request, session: AgentSession, ticket_id: int) -> HTMLResponse:
        view = dialog_access.show_ticket(
            ui.application.reader, ui.application.runtime, session.principal, ticket_id
        )
        ticket = view.ticket
        return ui.render(
            request,
            "agent/zoom.html",
            title=f"Ticket {ticket.number}: {ticket.title}",
            view=view,
            ticket=ticket,
            attributes=attributes(ticket),
            fields=dynamic_fields(ticket, ui.catalog()),
            widget=process_widget(ui, ticket, view),
            steps=history_lines(list(view.recent_steps)),
            files=files_by_article(ui, session.principal, ticket_id),
        )

    @routes.get("/tickets/{ticket_id}/history", response_class=HTMLResponse)
    def history(request: Request, session: AgentSession, ticket_id: int) -> HTMLResponse:
        entries = access.ticket_history(ui.application.reader, session.principal, ticket_id)
        ticket = access.check_ticket(ui.application.reader, session.principal, ticket_id)
        return ui.render(
            request,
            "agent/history.html",
            title=f"History of ticket {ticket.number}",
            ticket=ticket,
            lines=history_lines(entries),
        )

    return routes


def _readable_queues(ui: Ui, principal: Principal) -> list[str]:
    """The queues whose tickets the agent may read (``ro`` on the queue's group)."""
    readable = principal.permissions.groups_with("ro")
    return sorted(
        q.name for q in list_records(ui.application.reader, Queue) if q.group in readable and q.valid
    )


def _actionable(ui: Ui, principal: Principal) -> list[tuple[Ticket, str]]:
    """Open process tickets the agent may see whose current activity offers a dialog the agent may
    submit now (its permission held, its required lock free or the agent's), with the activity's name.

    The 100 most recently changed active process tickets are the candidates; the page shows 25."""
    waiting, _ = access.list_tickets(
        ui.application.reader,
        principal,
        TicketQuery(
            process_status=PositionStatus.ACTIVE, order_by=TicketOrder.CHANGED_AT, descending=True, limit=100
        ),
    )
    application = ui.application
    found = []
    for ticket, _dialogs in dialog_access.actionable_tickets(
        application.reader, application.runtime, principal, waiting
    ):
        position = ticket.process
        assert position is not None  # only process tickets offer dialogs
        process = ui.deployed_process(position.process_key, position.version)
        activity = process.find_activity(position.activity_key)
        found.append((ticket, activity.name if activity else position.activity_key))
        if len(found) == 25:
            break
    return found


def _sort_links(filters: QueueFilters, current: TicketOrder, order: str) -> dict[str, SortLink]:
    """Column headers as links: the current column flips its order, another starts ascending."""
    links = {}
    for column in TicketOrder:
        flip = "asc" if column is current and order == "desc" else "desc" if column is current else "asc"
        mark = (" ▼" if order == "desc" else " ▲") if column is current else ""
        links[column.value] = SortLink(filters.link(sort=column.value, order=flip), mark)
    return links
