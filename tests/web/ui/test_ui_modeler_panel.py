"""The modeler's side panel in-process: every kind of element's form, its row buttons (which change
the form only), Apply saving a new draft revision, and every refusal shown inline with nothing saved."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from html import unescape

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from modeler_pages_support import administrator_client, csrf, form_values

from ticketflow.domain.definitions import FieldDisplay, Interface, Process
from ticketflow.domain.formats.native_json import process_to_dict
from ticketflow.usecases import processes

PAGE = "/agent/admin/modeler/purchase-request"
SignIn = Callable[..., TestClient]


@pytest.fixture
def administrator(app: FastAPI) -> TestClient:
    return administrator_client(app)


def _draft(app: FastAPI, key: str = "purchase-request") -> Process:
    return processes.load_process(app.state.application.uow, key)


def _revision(app: FastAPI, key: str = "purchase-request") -> int:
    with app.state.application.uow() as uow:
        draft = uow.processes.find_draft(key)
    assert draft is not None
    return draft.revision


def _form(client: TestClient, element: str, page: str = PAGE) -> dict[str, str]:
    answer = client.get(f"{page}/panel/{element}")
    assert answer.status_code == 200, answer.text
    return form_values(answer.text)


def _post(
    client: TestClient, element: str, values: dict[str, str], page: str = PAGE
) -> tuple[int, str, dict[str, str]]:
    """Post the form; (status, html, the form as the answer shows it)."""
    answer = client.post(f"{page}/panel/{element}", data=values)
    return answer.status_code, answer.text, form_values(answer.text)


def _error(html: str, input_name: str) -> str:
    """The message shown beside the input (or row) ``input_name``."""
    return unescape(html.split(f'data-error-for="{input_name}">', 1)[1].split("</p>", 1)[0])


def _apply(client: TestClient, element: str, values: dict[str, str], page: str = PAGE) -> dict[str, object]:
    answer = client.post(f"{page}/panel/{element}", data=values)
    assert answer.status_code == 200, answer.text
    applied: dict[str, object] = json.loads(answer.headers["X-Modeler-Apply"])
    return applied


# --- user tasks: dialogs and their fields -------------------------------------------------------


def test_a_user_task_shows_its_dialogs_with_their_fields(administrator: TestClient) -> None:
    values = _form(administrator, "request")
    assert values["dialog-0-key"] == "request-form"
    assert values["dialog-0-interface"] == "both"
    assert values["dialog-0-field-0-name"] == "Title"
    assert values["dialog-0-field-0-display"] == "mandatory"
    assert values["dialog-0-field-7-name"] == "Queue"
    assert values["dialog-0-field-7-default"] == "Purchasing"
    html = administrator.get(f"{PAGE}/panel/request").text
    assert 'value="DynamicField_PurchaseAmount"' in html  # offered to add, from the catalog


def test_row_buttons_change_the_form_only(administrator: TestClient, app: FastAPI) -> None:
    before = _revision(app)
    values = _form(administrator, "approval")
    status, html, shown = _post(administrator, "approval", values | {"op": "add:dialog"})
    assert status == 200
    assert shown["dialog-1-key"] == "dialog-2"
    assert "press Apply" in html
    values = shown | {"dialog-0-field-new": "DynamicField_PurchaseAmount", "op": "add:dialog-0-field"}
    _, _, shown = _post(administrator, "approval", values)
    assert shown["dialog-0-field-2-name"] == "DynamicField_PurchaseAmount"
    _, _, shown = _post(administrator, "approval", shown | {"op": "up:dialog-0-field-2"})
    assert shown["dialog-0-field-1-name"] == "DynamicField_PurchaseAmount"
    assert shown["dialog-0-field-2-name"] == "Article"
    _, _, shown = _post(administrator, "approval", shown | {"op": "remove:dialog-1"})
    assert "dialog-1-key" not in shown
    assert _revision(app) == before
    assert len(_draft(app).find_activity("approval").dialogs) == 1  # type: ignore[union-attr]


def test_apply_saves_dialogs_fields_and_their_order(administrator: TestClient, app: FastAPI) -> None:
    before = _revision(app)
    values = _form(administrator, "approval")
    _, _, values = _post(administrator, "approval", values | {"op": "add:dialog"})
    values |= {
        "dialog-1-name": "Ask the requester",
        "dialog-1-interface": "customer",
        "dialog-1-submit_button_text": "Send",
        "dialog-1-field-new": "DynamicField_PurchaseJustification",
        "op": "add:dialog-1-field",
    }
    _, _, values = _post(administrator, "approval", values)
    values |= {"dialog-1-field-0-display": "mandatory", "dialog-1-field-0-description_short": "Why?"}
    values |= {"dialog-0-required_lock": "", "dialog-0-permission": "note"}
    _, _, values = _post(administrator, "approval", values | {"op": "up:dialog-1"})
    values.pop("op", None)
    applied = _apply(administrator, "approval", values)
    assert applied["revision"] == before + 1
    approval = _draft(app).find_activity("approval")
    assert approval is not None
    assert [d.key for d in approval.dialogs] == ["dialog-2", "decide"]
    asked = approval.dialogs[0]
    assert asked.interface is Interface.CUSTOMER
    assert asked.submit_button_text == "Send"
    assert asked.fields[0].name == "DynamicField_PurchaseJustification"
    assert asked.fields[0].display is FieldDisplay.MANDATORY
    assert asked.fields[0].description_short == "Why?"
    decide = approval.dialogs[1]
    assert decide.permission == "note"
    assert decide.required_lock is False
    # The Article's settings survived the round trip through the form.
    assert decide.fields[1].config["communication_channel"] == "Internal"


@pytest.mark.parametrize(
    ("change", "input_name", "message"),
    [
        ({"dialog-0-key": ""}, "dialog-0-key", "is required"),
        ({"dialog-0-key": "has blank"}, "dialog-0-key", "blanks"),
        ({"dialog-0-name": " "}, "dialog-0-name", "is required"),
        ({"dialog-0-interface": "robots"}, "dialog-0-interface", "is one of"),
        ({"dialog-0-permission": "everything"}, "dialog-0-permission", "is one of"),
        ({"dialog-0-field-0-display": "shouting"}, "dialog-0-field-0", "is one of"),
        ({"dialog-0-field-0-name": "Article"}, "dialog-0-field-1", "in this dialog already"),
        ({"dialog-0-field-0-name": "DynamicField_Nope"}, "dialog-0-field-0", "does not exist"),
        ({"dialog-0-field-0-name": "Shoesize"}, "dialog-0-field-0", "is not a dialog field"),
        ({"name": ""}, "name", "is required"),
    ],
)
def test_a_wrong_dialog_is_shown_inline_and_nothing_is_saved(
    administrator: TestClient, app: FastAPI, change: dict[str, str], input_name: str, message: str
) -> None:
    before = _revision(app)
    values = _form(administrator, "approval") | change
    status, html, shown = _post(administrator, "approval", values)
    assert status == 422
    assert f'data-error-for="{input_name}"' in html
    assert message in _error(html, input_name)
    assert 'aria-invalid="true"' in html
    assert _revision(app) == before
    assert shown.get("dialog-0-key") == values["dialog-0-key"]  # shown again as typed


# --- script, service and sub-process tasks -------------------------------------------------------


def test_a_script_task_offers_the_registered_scripts_with_their_parameters(
    administrator: TestClient, app: FastAPI
) -> None:
    html = administrator.get(f"{PAGE}/panel/prepare-order").text
    assert 'value="compute_date" selected' in html
    assert "<code>Offset</code> <strong>required</strong>" in html  # the declared parameters and help
    values = form_values(html)
    assert values["parameter-1-key"] == "Offset"
    # Choose another script: its required parameters get rows.
    _, _, shown = _post(administrator, "prepare-order", values | {"script": "map_value", "op": "refresh"})
    keys = {v for k, v in shown.items() if k.startswith("parameter-") and k.endswith("-key")}
    assert {"Source", "Target", "Map"} <= keys
    # Remove a row, then apply the script's parameters.
    values |= {"parameter-1-value": "+5d", "error_code": "DATE_FAILED"}
    _, _, values = _post(administrator, "prepare-order", values | {"op": "remove:parameter-3"})
    _apply(administrator, "prepare-order", values)
    prepare = _draft(app).find_activity("prepare-order")
    assert prepare is not None
    assert prepare.script is not None
    assert prepare.script.parameters["Offset"] == "+5d"
    assert "TimeZone" not in prepare.script.parameters
    assert prepare.error_code == "DATE_FAILED"


@pytest.mark.parametrize(
    ("change", "input_name", "message"),
    [
        ({"script": "rm_rf"}, "script", "is not a registered script"),
        ({"script": ""}, "script", "choose a registered script"),
        ({"parameter-1-key": ""}, "parameter-1", "needs a name"),
        ({"parameter-1-key": "Field"}, "parameter-1", "given twice"),
        ({"parameter-0-key": "Feld"}, "parameters", "required parameter 'Field' is missing"),
        ({"error_code": "two words"}, "error_code", "letters, digits"),
    ],
)
def test_a_wrong_script_task_is_refused(
    administrator: TestClient, app: FastAPI, change: dict[str, str], input_name: str, message: str
) -> None:
    before = _revision(app)
    status, html, _ = _post(administrator, "prepare-order", _form(administrator, "prepare-order") | change)
    assert status == 422
    assert message in _error(html, input_name)
    assert _revision(app) == before


def test_a_service_task_chooses_a_web_service_and_its_invoker(
    administrator: TestClient, app: FastAPI
) -> None:
    values = _form(administrator, "order")
    assert values["web_service"] == "ERP"
    assert values["invoker"] == "CreateOrder"
    assert values["timeout"] == "20"
    _, _, values = _post(administrator, "order", values | {"op": "add:parameter"})
    values |= {"parameter-5-key": "Currency", "parameter-5-value": "EUR", "timeout": "45"}
    _apply(administrator, "order", values)
    order = _draft(app).find_activity("order")
    assert order is not None
    assert order.service is not None
    assert order.service.parameters["Currency"] == "EUR"
    assert order.service.timeout.total_seconds() == 45


@pytest.mark.parametrize(
    ("change", "input_name", "message"),
    [
        ({"web_service": "Skynet"}, "web_service", "is not a web service"),
        ({"invoker": "DeleteEverything"}, "invoker", "choose an invoker of web service 'ERP'"),
        ({"timeout": "soon"}, "timeout", "whole number"),
        ({"timeout": "100000"}, "timeout", "whole number"),
    ],
)
def test_a_wrong_service_task_is_refused(
    administrator: TestClient, app: FastAPI, change: dict[str, str], input_name: str, message: str
) -> None:
    before = _revision(app)
    status, html, _ = _post(administrator, "order", _form(administrator, "order") | change)
    assert status == 422
    assert message in _error(html, input_name)
    assert _revision(app) == before


def test_a_sub_process_names_its_process_and_field_mappings(administrator: TestClient, app: FastAPI) -> None:
    page = "/agent/admin/modeler/employee-onboarding"
    values = _form(administrator, "equipment", page)
    assert values["process_key"] == "it-equipment"
    assert values["in-0-key"] == "DynamicField_EquipmentFor"
    assert values["out-0-value"] == "DynamicField_AssetTag"
    before = _revision(app, "employee-onboarding")
    status, html, _ = _post(administrator, "equipment", values | {"process_key": "no-such-process"}, page)
    assert status == 422
    assert 'data-error-for="process_key"' in html
    status, html, _ = _post(administrator, "equipment", values | {"version": "0"}, page)
    assert status == 422
    assert 'data-error-for="version"' in html
    assert _revision(app, "employee-onboarding") == before
    _, _, values = _post(administrator, "equipment", values | {"op": "remove:in-2"}, page)
    _apply(administrator, "equipment", values | {"version": ""}, page)
    equipment = _draft(app, "employee-onboarding").find_activity("equipment")
    assert equipment is not None
    assert equipment.sub_process is not None
    assert list(equipment.sub_process.fields_in) == [
        "DynamicField_EquipmentFor",
        "DynamicField_EquipmentList",
    ]


# --- transitions: condition and actions --------------------------------------------------------------


def test_a_transition_shows_its_condition_fields_and_actions(administrator: TestClient) -> None:
    html = administrator.get(f"{PAGE}/panel/approved").text
    values = form_values(html)
    assert values["condition"] == "DynamicField_PurchaseApproval = 'approved'"
    assert values["action-0-module"] == "TicketQueueSet"
    assert values["action-0-parameter-0-key"] == "Queue"
    assert values["action-3-key"] == "tell-requester"
    assert 'data-insert="DynamicField_PurchaseAmount"' in html  # the fields usable in conditions
    assert 'data-check-url="/agent/admin/modeler/purchase-request/condition"' in html


def test_actions_are_added_reordered_removed_and_applied(administrator: TestClient, app: FastAPI) -> None:
    values = _form(administrator, "approved")
    _, _, values = _post(
        administrator, "approved", values | {"action-new": "TicketStateSet", "op": "add:action"}
    )
    assert values["action-4-module"] == "TicketStateSet"
    assert values["action-4-parameter-0-key"] == "State"  # its required parameter, to fill in
    values |= {"action-4-parameter-0-value": "open", "action-4-name": "Reopen"}
    _, _, values = _post(administrator, "approved", values | {"op": "up:action-4"})
    _, _, values = _post(administrator, "approved", values | {"op": "remove:action-2"})
    _, _, values = _post(administrator, "approved", values | {"op": "add:action-0-parameter"})
    values |= {"action-0-parameter-1-key": "UserID", "action-0-parameter-1-value": "1"}
    applied = _apply(
        administrator, "approved", values | {"condition": "DynamicField_PurchaseApproval != 'rejected'"}
    )
    assert applied["condition"] == "DynamicField_PurchaseApproval != 'rejected'"
    approved = next(t for t in _draft(app).transitions if t.key == "approved")
    assert [a.key for a in approved.actions] == [
        "to-purchasing",
        "assign-buyer",
        "ticketstateset-5",
        "tell-requester",
    ]
    assert approved.actions[2].config == {"State": "open"}
    assert approved.actions[0].config["UserID"] == "1"


@pytest.mark.parametrize(
    ("change", "input_name", "message"),
    [
        ({"condition": "Priority >"}, "condition", ""),
        ({"action-0-module": "FormatHardDisk"}, "action-0-module", "is not a transition action"),
        ({"action-0-key": ""}, "action-0-key", "is required"),
        ({"action-1-key": "to-purchasing"}, "action-1-key", "has the key 'to-purchasing'"),
        ({"action-0-parameter-0-value": "Nowhere"}, "action-0-parameter-0", "queue 'Nowhere' does not exist"),
        ({"action-0-parameter-0-key": "Queueue"}, "action-0", "required parameter 'Queue' is missing"),
        ({"action-2-parameter-0-value": "wobbly"}, "action-2-parameter-0", "is not lock, unlock or tmp_lock"),
        ({"error_code": "not ok"}, "error_code", "letters, digits"),
    ],
)
def test_a_wrong_transition_is_refused_inline(
    administrator: TestClient, app: FastAPI, change: dict[str, str], input_name: str, message: str
) -> None:
    before = _revision(app)
    status, html, _ = _post(administrator, "approved", _form(administrator, "approved") | change)
    assert status == 422, html
    assert message in _error(html, input_name)
    assert _revision(app) == before


def test_the_condition_is_checked_while_it_is_typed(administrator: TestClient) -> None:
    url = f"{PAGE}/condition"
    broken = administrator.get(url, params={"text": "Priority >"})
    assert broken.status_code == 200
    assert 'data-error-for="condition"' in broken.text
    good = administrator.get(url, params={"text": "DynamicField_PurchaseApproval = 'approved'"})
    assert 'data-condition="ok"' in good.text
    assert "Warning" not in good.text
    unknown = administrator.get(url, params={"text": "DynamicField_Nope = 'x'"})
    assert 'data-condition="ok"' in unknown.text
    assert "Warning" in unknown.text


# --- refusals common to every form -------------------------------------------------------------------


def test_apply_on_an_old_revision_is_a_conflict(administrator: TestClient, app: FastAPI) -> None:
    values = _form(administrator, "approval")
    _apply(administrator, "approval", values)
    answer = administrator.post(f"{PAGE}/panel/approval", data=values | {"name": "Late"})
    assert answer.status_code == 409
    assert "reload" in answer.text
    assert _draft(app).find_activity("approval").name == "Manager approval"  # type: ignore[union-attr]


def test_an_unknown_button_is_refused(administrator: TestClient) -> None:
    values = _form(administrator, "approval")
    answer = administrator.post(f"{PAGE}/panel/approval", data=values | {"op": "explode:dialog"})
    assert answer.status_code == 400
    assert "op" in answer.text


def test_the_panel_is_for_administrators_only(
    sign_in: SignIn, administrator: TestClient, app: FastAPI
) -> None:
    values = _form(administrator, "approval")
    manager = sign_in("manager")
    assert manager.get(f"{PAGE}/panel/approval").status_code == 403
    assert manager.get(f"{PAGE}/condition", params={"text": "Priority > 1"}).status_code == 403
    own_token = csrf(manager.get("/agent/").text)
    answer = manager.post(f"{PAGE}/panel/approval", data=values | {"csrf_token": own_token, "name": "x"})
    assert answer.status_code == 403
    assert _draft(app).find_activity("approval").name == "Manager approval"  # type: ignore[union-attr]


def test_without_csrf_nothing_is_saved(administrator: TestClient, app: FastAPI) -> None:
    values = _form(administrator, "approval")
    values.pop("csrf_token")
    assert administrator.post(f"{PAGE}/panel/approval", data=values | {"name": "x"}).status_code == 403
    assert _draft(app).find_activity("approval").name == "Manager approval"  # type: ignore[union-attr]


def test_an_action_in_otobos_long_form_is_offered_as_it_is(administrator: TestClient, app: FastAPI) -> None:
    uow = app.state.application.uow
    draft = _draft(app)
    long_name = "Kernel::System::ProcessManagement::TransitionAction::TicketQueueSet"
    approved = next(t for t in draft.transitions if t.key == "approved")
    action = replace(approved.actions[0], module=long_name)
    edited = replace(approved, actions=(action, *approved.actions[1:]))
    changed = replace(draft, transitions=tuple(edited if t is approved else t for t in draft.transitions))
    with uow() as unit:
        unit.processes.save_draft(
            "purchase-request", process_to_dict(changed), saved_by="ada", expected_revision=_revision(app)
        )
        unit.commit()
    html = administrator.get(f"{PAGE}/panel/approved").text
    assert f'<option value="{long_name}" selected>{long_name}</option>' in html
    assert "(unknown)" not in html
    assert "<code>Queue</code> <strong>required</strong>" in html  # its help, found by the short name
    _apply(administrator, "approved", form_values(html))
    assert next(t for t in _draft(app).transitions if t.key == "approved").actions[0].module == long_name
