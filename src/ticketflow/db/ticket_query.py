"""Translate a ``TicketQuery`` into SQL conditions and an order."""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, exists, select, true
from sqlalchemy.sql.elements import UnaryExpression

from ticketflow.db.tables import states, ticket_field_values, tickets
from ticketflow.usecases.records import TicketOrder, TicketQuery

_ORDER_COLUMNS = {
    TicketOrder.ID: tickets.c.id,
    TicketOrder.NUMBER: tickets.c.number,
    TicketOrder.TITLE: tickets.c.title,
    TicketOrder.CREATED_AT: tickets.c.created_at,
    TicketOrder.CHANGED_AT: tickets.c.changed_at,
    TicketOrder.PRIORITY: tickets.c.priority,
    TicketOrder.QUEUE: tickets.c.queue,
    TicketOrder.STATE: tickets.c.state,
}


def where_clause(query: TicketQuery) -> ColumnElement[bool]:
    """Every filter of ``query`` ANDed; ``true()`` when there is none."""
    conditions = [*_list_conditions(query), *_equal_conditions(query), *_field_conditions(query)]
    if query.title_contains:
        pattern = "%" + _escape_like(query.title_contains) + "%"
        conditions.append(tickets.c.title.ilike(pattern, escape="\\"))
    if query.pending_due_at is not None:
        # Implies ``pending_until IS NOT NULL``: the partial index ix_tickets_pending_until serves it.
        conditions.append(tickets.c.pending_until <= query.pending_due_at)
    return and_(true(), *conditions)


def _list_conditions(query: TicketQuery) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if query.ids:
        conditions.append(tickets.c.id.in_(query.ids))
    if query.queues:
        conditions.append(tickets.c.queue.in_(query.queues))
    if query.states:
        conditions.append(tickets.c.state.in_(query.states))
    if query.state_types:
        typed = select(states.c.name).where(states.c.type.in_(query.state_types))
        conditions.append(tickets.c.state.in_(typed))
    return conditions


def _equal_conditions(query: TicketQuery) -> list[ColumnElement[bool]]:
    wanted = {
        tickets.c.owner: query.owner,
        tickets.c.customer_user_id: query.customer_user_id,
        tickets.c.customer_id: query.customer_id,
        tickets.c.process_key: query.process_key,
        tickets.c.process_version: query.process_version,
        tickets.c.activity_key: query.activity_key,
        tickets.c.process_status: query.process_status.value if query.process_status else None,
        tickets.c.parent_ticket_id: query.parent_ticket_id,
    }
    return [column == value for column, value in wanted.items() if value is not None]


def _field_conditions(query: TicketQuery) -> list[ColumnElement[bool]]:
    values = ticket_field_values.c
    return [
        exists().where(
            values.ticket_id == tickets.c.id, values.field_name == name, values.value_text == value
        )
        for name, value in query.dynamic_field_equals.items()
    ]


def order_by(query: TicketQuery) -> list[UnaryExpression[object]]:
    """The requested order with the id as tie-breaker, so pages are stable."""
    column = _ORDER_COLUMNS[query.order_by]
    direction = column.desc() if query.descending else column.asc()
    tie = tickets.c.id.desc() if query.descending else tickets.c.id.asc()
    return [direction] if column is tickets.c.id else [direction, tie]


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
