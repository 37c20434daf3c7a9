"""What the agent and customer ticket pages share: a ticket's zoom data (attributes, dynamic fields with
their labels, the process widget) and the history in readable words."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from ticketflow.domain.catalog import Catalog, DynamicFieldType
from ticketflow.domain.definitions import Process
from ticketflow.domain.tickets import Ticket, Value
from ticketflow.usecases.monitoring_path import ticket_path
from ticketflow.usecases.records import HistoryEntry
from ticketflow.usecases.tickets import TicketView
from ticketflow.web.ui.core import Ui
from ticketflow.web.ui.diagram import Diagram, process_diagram


@dataclass(frozen=True, slots=True)
class LabelledValue:
    label: str
    value: str


@dataclass(frozen=True, slots=True)
class ProcessWidget:
    name: str
    key: str
    version: int
    activity: str
    status: str
    failure: str | None
    diagram: Diagram


@dataclass(frozen=True, slots=True)
class HistoryLine:
    """One history entry for people: what happened, and the engine's sentences on why."""

    created_at: str
    created_by: str
    kind: str
    summary: str
    reasons: tuple[str, ...]


def attributes(ticket: Ticket, *, for_customer: bool = False) -> list[LabelledValue]:
    rows = [
        ("State", ticket.state),
        ("Priority", ticket.priority),
        ("Queue", ticket.queue),
        ("Type", ticket.type),
        ("Created", ticket.created_at.strftime("%Y-%m-%d %H:%M")),
        ("Changed", ticket.changed_at.strftime("%Y-%m-%d %H:%M")),
    ]
    if not for_customer:
        rows += [
            ("Owner", ticket.owner),
            ("Lock", ticket.lock),
            ("Responsible", ticket.responsible),
            ("Customer user", ticket.customer_user_id),
            ("Customer", ticket.customer_id),
        ]
    return [LabelledValue(label, value) for label, value in rows if value]


def dynamic_fields(ticket: Ticket, catalog: Catalog) -> list[LabelledValue]:
    """The ticket's non-empty dynamic fields by their labels, in the catalog's order, values shown the
    way people read them (option labels, Yes/No, dates without a midnight time)."""
    result = []
    for name, definition in catalog.dynamic_fields.items():
        stored = ticket.dynamic_fields.get(name)
        if stored in (None, "", ()):
            continue
        assert stored is not None
        result.append(
            LabelledValue(definition.label, _readable(stored, definition.type, definition.possible_values))
        )
    return result


def _readable(stored: Value, kind: DynamicFieldType, labels: Mapping[str, str]) -> str:
    if kind is DynamicFieldType.CHECKBOX:
        return "Yes" if stored == "1" else "No"
    if kind is DynamicFieldType.DATE and isinstance(stored, str):
        return stored.removesuffix(" 00:00:00")
    values = stored if isinstance(stored, tuple) else (stored,)
    return ", ".join(labels.get(v, v) for v in values)


def process_widget(ui: Ui, ticket: Ticket, view: TicketView | None = None) -> ProcessWidget | None:
    position = ticket.process
    if position is None:
        return None
    process: Process = ui.deployed_process(position.process_key, position.version)
    activity = process.find_activity(position.activity_key)
    return ProcessWidget(
        name=view.process_name if view and view.process_name else process.name,
        key=process.key,
        version=position.version,
        activity=activity.name if activity else position.activity_key,
        status=position.status.value,
        failure=position.failure,
        diagram=process_diagram(process, position.activity_key, marks=_path_marks(ui, ticket)),
    )


def _path_marks(ui: Ui, ticket: Ticket) -> dict[str, list[str]]:
    """The activities and transitions the ticket went through, marked ``visited`` on its diagram; the
    current activity keeps its own highlight."""
    path = ticket_path(ui.application.uow, ticket.id)
    current = ticket.process.activity_key if ticket.process else None
    return {key: ["visited"] for key in (path.activities - {current}) | path.transitions}


def history_lines(entries: list[HistoryEntry]) -> list[HistoryLine]:
    return [
        HistoryLine(
            e.created_at.strftime("%Y-%m-%d %H:%M:%S"),
            e.created_by,
            e.history_type,
            _summary(e),
            tuple(_reasons(e)),
        )
        for e in entries
    ]


def _summary(entry: HistoryEntry) -> str:
    """OTOBO's ``%%``-joined machine text as words: the non-empty parts joined by arrows/commas."""
    parts = [p for p in entry.name.split("%%") if p]
    return " · ".join(parts)


def _reasons(entry: HistoryEntry) -> Iterator[str]:
    for record in entry.trace:
        text = record.get("text")
        if isinstance(text, str) and text:
            yield text
