"""Dialog and start-process pages for both interfaces: render an activity dialog as a form, submit it,
and on bad input render the same form again with each problem beside its field (status 422)."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from ticketflow.domain.definitions import ActivityDialog, Interface, ProcessState
from ticketflow.domain.dialogs import DialogInputError, apply_submission, available_dialogs
from ticketflow.domain.errors import NotFoundError, Problem
from ticketflow.domain.tickets import Ticket
from ticketflow.usecases import access, dialog_access
from ticketflow.usecases.processes import list_processes, load_process
from ticketflow.usecases.tickets import TicketInput
from ticketflow.web.ui.core import SignedInForm, Ui, redirect
from ticketflow.web.ui.forms import dialog_form, submitted_values
from ticketflow.web.ui.session import Session


@dataclass(frozen=True, slots=True)
class Startable:
    key: str
    name: str
    description: str
    dialog: ActivityDialog


def startable_processes(ui: Ui, interface: Interface) -> list[Startable]:
    """Active processes whose start dialog ``interface`` may fill, by name."""
    found = []
    for summary in list_processes(ui.application.reader):
        if summary.latest_version is None or summary.state != ProcessState.ACTIVE.value:
            continue
        process = load_process(ui.application.reader, summary.key, summary.latest_version)
        for dialog in available_dialogs(process, None, interface):
            found.append(Startable(process.key, process.name, process.description, dialog))
    return sorted(found, key=lambda s: s.name.lower())


def get_startable(ui: Ui, key: str, interface: Interface) -> Startable:
    for startable in startable_processes(ui, interface):
        if startable.key == key:
            return startable
    raise NotFoundError(f"no process '{key}' can be started here")


def start_page(ui: Ui, request: Request, key: str, interface: Interface, template: str) -> HTMLResponse:
    startable = get_startable(ui, key, interface)
    form = dialog_form(startable.dialog, ui.catalog())
    return ui.render(request, template, title=f"Start: {startable.name}", startable=startable, form=form)


def start_submit(
    ui: Ui, request: Request, posted: SignedInForm, key: str, template: str, zoom_prefix: str
) -> Response:
    startable = get_startable(ui, key, posted.session.caller.interface)
    catalog = ui.catalog()
    submitted = submitted_values(startable.dialog, posted.form, catalog)
    try:
        ticket = access.create_ticket(
            ui.application.uow,
            ui.application.runtime,
            posted.principal,
            TicketInput(),
            now=ui.now(),
            process_key=key,
            start_values=submitted,
        )
    except DialogInputError as error:
        form = dialog_form(startable.dialog, catalog, submitted=submitted, problems=error.problems)
        title = f"Start: {startable.name}"
        return ui.render(request, template, status=422, title=title, startable=startable, form=form)
    return redirect(f"{zoom_prefix}{ticket.id}")


def dialog_page(
    ui: Ui, request: Request, session: Session, ticket_id: int, dialog_key: str, template: str
) -> HTMLResponse:
    """The dialog's form; refused (403 naming the permission or the lock, 404 when not offered) like
    its submit, so that nobody fills in a form that cannot be sent. Opening a dialog with RequiredLock
    on an unlocked ticket locks it to the agent (``dialog_access.open_dialog``); the page says so."""
    opened = dialog_access.open_dialog(
        ui.application.uow,
        ui.application.runtime,
        session.principal,
        ticket_id,
        dialog_key,
        now=ui.now(),
        reader=ui.application.reader,
    )
    ticket, dialog = opened.ticket, opened.dialog
    form = dialog_form(dialog, ui.catalog(), ticket=ticket)
    title = f"{dialog.name} · {ticket.number}"
    page = ui.render(request, template, title=title, ticket=ticket, form=form, locked=opened.locked)
    if opened.locked and request.headers.get("HX-Request"):
        # The zoom's dialog panel takes only the form (hx-select); the lock notice goes along.
        page.headers["HX-Reselect"] = ".lock-notice, .dialog-form"
    return page


def dialog_submit(
    ui: Ui,
    request: Request,
    posted: SignedInForm,
    ticket_id: int,
    dialog_key: str,
    template: str,
    zoom_prefix: str,
) -> Response:
    ticket, dialog = dialog_access.permitted_dialog(
        ui.application.reader, ui.application.runtime, posted.principal, ticket_id, dialog_key
    )
    catalog = ui.catalog()
    submitted = submitted_values(dialog, posted.form, catalog)
    version = posted.text("version")
    try:
        dialog_access.submit_permitted_dialog(
            ui.application.uow,
            ui.application.runtime,
            posted.principal,
            ticket,
            dialog_key,
            submitted,
            now=ui.now(),
            # The version the form was rendered from: someone else's submit meanwhile is a conflict.
            expected_version=int(version) if version.isdigit() else None,
        )
    except DialogInputError as error:
        form = dialog_form(dialog, catalog, ticket=ticket, submitted=submitted, problems=error.problems)
        title = f"{dialog.name} · {ticket.number}"
        page = ui.render(request, template, status=422, title=title, ticket=ticket, form=form)
        if request.headers.get("HX-Target") == "process-widget":
            # Submitted from the zoom's dialog panel (htmx swaps only 2xx answers): the form with
            # its errors goes back into the panel instead of the widget the success would refresh.
            page.status_code = 200
            page.headers.update(
                {"HX-Retarget": "#dialog-panel", "HX-Reselect": ".dialog-form", "HX-Reswap": "innerHTML"}
            )
        return page
    return redirect(f"{zoom_prefix}{ticket_id}")


def ticket_field_check(
    ui: Ui, request: Request, posted: SignedInForm, ticket_id: int, dialog_key: str
) -> HTMLResponse:
    """One field of a ticket's dialog form checked as its submit would (after the same permission
    checks as the form); see ``_checked_field``."""
    ticket, dialog = dialog_access.permitted_dialog(
        ui.application.reader, ui.application.runtime, posted.principal, ticket_id, dialog_key
    )
    return _checked_field(ui, request, posted, dialog, ticket)


def start_field_check(ui: Ui, request: Request, posted: SignedInForm, key: str) -> HTMLResponse:
    """One field of a process's start form checked as the start would check it."""
    dialog = get_startable(ui, key, posted.session.caller.interface).dialog
    return _checked_field(ui, request, posted, dialog, None)


def _checked_field(
    ui: Ui, request: Request, posted: SignedInForm, dialog: ActivityDialog, ticket: Ticket | None
) -> HTMLResponse:
    """The field that triggered an htmx request (``HX-Trigger-Name``) rendered again, with the error
    the whole form's check finds for it or without one, for htmx to put in place of the old one.
    Reads only: nothing is stored until the form is submitted."""
    catalog = ui.catalog()
    submitted = submitted_values(dialog, posted.form, catalog)
    name = request.headers.get("HX-Trigger-Name", "")
    interface = posted.session.caller.interface
    try:
        apply_submission(dialog, submitted, catalog, interface, new_ticket=ticket is None)
        problems: tuple[Problem, ...] = ()
    except DialogInputError as error:
        problems = tuple(p for p in error.problems if p.field == name)
    form = dialog_form(dialog, catalog, ticket=ticket, submitted=submitted, problems=problems)
    field = next((f for f in form.fields if f.name == name), None)
    if field is None:
        raise NotFoundError(f"the dialog '{dialog.name}' has no field '{name}' to check")
    return ui.render(request, "dialog_field.html", field=field, check=request.url.path)
