"""The modeler's side panel: one element's form, its row buttons and Apply, and the live check of a
condition while it is typed. The page's script loads the form into ``#panel`` and posts it back.

A successful Apply answers the form again with ``X-Modeler-Apply`` telling the canvas what to show
(name, condition) and the new draft revision; a refused one answers 422 with the errors beside their
inputs and saves nothing; a lost race answers 409 so the page offers to reload.
"""

from __future__ import annotations

import json
from html import escape
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from ticketflow.domain.errors import ConflictError, InvalidInputError
from ticketflow.usecases import modeler_panel
from ticketflow.usecases.modeler_build import PanelInputError
from ticketflow.usecases.modeler_inputs import ElementInput
from ticketflow.usecases.modeler_panel import PanelElement, PanelOptions
from ticketflow.usecases.principals import require_admin
from ticketflow.web.ui.core import AgentForm, AgentSession, Ui
from ticketflow.web.ui.modeler_form import apply_op, fill_declared, read_input


def add_panel_routes(ui: Ui, routes: APIRouter, prefix: str) -> None:
    @routes.get("/{key}/panel/{element_id}", response_class=HTMLResponse)
    def panel(request: Request, session: AgentSession, key: str, element_id: str) -> HTMLResponse:
        require_admin(session.principal)
        element = modeler_panel.open_element(ui.application.uow, key, element_id)
        return _render(ui, request, prefix, element, element.input(), _options(ui))

    @routes.post("/{key}/panel/{element_id}", response_class=HTMLResponse)
    def panel_post(request: Request, posted: AgentForm, key: str, element_id: str) -> Response:
        require_admin(posted.principal)
        options = _options(ui)
        edit = read_input(posted.form)
        element = modeler_panel.open_element(ui.application.uow, key, element_id)
        op = posted.text("op")
        if op:
            if op == "refresh":
                fill_declared(edit, options)
            elif not apply_op(edit, op, posted.form, options):
                raise InvalidInputError(f"'{op}' is not a button of this form", field="op")
            notice = "Changed here only: press Apply to save."
            return _render(ui, request, prefix, element, edit, options, notice=notice, pending=True)
        try:
            applied = modeler_panel.apply_element(
                ui.application.uow,
                ui.application.runtime,
                key,
                element_id,
                edit,
                options=options,
                expected_revision=_revision(posted.text("revision")),
                saved_by=posted.session.caller.login,
                now=ui.now(),
            )
        except PanelInputError as error:
            return _render(ui, request, prefix, element, edit, options, errors=error.errors, status=422)
        except InvalidInputError as error:
            errors = {error.field or "element": error.message.removeprefix(f"{error.field}: ")}
            return _render(ui, request, prefix, element, edit, options, errors=errors, status=422)
        except ConflictError as error:
            return HTMLResponse(f'<p class="form-error" role="alert">{escape(error.message)}</p>', 409)
        saved = applied.element
        response = _render(
            ui, request, prefix, saved, saved.input(), options, warnings=applied.warnings, notice="Saved."
        )
        response.headers["X-Modeler-Apply"] = json.dumps(_applied(saved))
        return response

    @routes.get("/{key}/condition", response_class=HTMLResponse)
    def condition(request: Request, session: AgentSession, key: str, text: str = "") -> HTMLResponse:
        require_admin(session.principal)
        check = modeler_panel.check_condition_text(ui.catalog(), ui.application.runtime, text)
        return ui.render(request, "modeler/condition_check.html", check=check)


def _options(ui: Ui) -> PanelOptions:
    return modeler_panel.panel_options(ui.application.uow, ui.application.runtime, ui.now())


def _render(
    ui: Ui,
    request: Request,
    prefix: str,
    element: PanelElement,
    edit: ElementInput,
    options: PanelOptions,
    *,
    errors: dict[str, str] | None = None,
    warnings: Any = None,
    notice: str = "",
    pending: bool = False,
    status: int = 200,
) -> HTMLResponse:
    kind = _kind(element)
    return ui.render(
        request,
        "modeler/panel.html",
        status=status,
        element=element,
        kind=kind,
        edit=edit,
        options=options,
        errors=errors or {},
        warnings=warnings or {},
        notice=notice,
        pending=pending,
        action=f"{prefix}/{element.key}/panel/{element.element_id}",
        condition_url=f"{prefix}/{element.key}/condition",
    )


def _kind(element: PanelElement) -> str:
    if element.activity is not None:
        return element.activity.type.value
    return "transition" if element.transition is not None else ""


def _applied(element: PanelElement) -> dict[str, Any]:
    """What the canvas must show after Apply: the element's name (and condition) and the revision."""
    edit = element.input()
    applied: dict[str, Any] = {"id": element.element_id, "name": edit.name, "revision": element.revision}
    if element.transition is not None:
        applied["condition"] = edit.condition
    return applied


def _revision(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise InvalidInputError("is not a draft revision", field="revision") from None
