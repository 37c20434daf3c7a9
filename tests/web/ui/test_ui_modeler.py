"""The modeler's routes in-process: the page and its diagram, Save (merge, conflict, a new process),
Save & Deploy refused with problems and then done, and the side panel with inline validation."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from ticketflow.domain.definitions import Interface
from ticketflow.domain.formats.bpmn_xml import process_from_bpmn
from ticketflow.usecases import admin, processes
from ticketflow.usecases.auth import Auth

SignIn = Callable[..., TestClient]
PASSWORD = "admin-password"
PAGE = "/agent/admin/modeler/purchase-request"


def _csrf(html: str) -> str:
    return html.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]


@pytest.fixture
def administrator(app: FastAPI) -> TestClient:
    uow = app.state.application.uow
    admin.add_role(uow, "Admins", {"admin": ["rw"], "users": ["rw"]})
    admin.add_agent(uow, "ada", "Ada", "Admin", "ada@example.com", roles=["Admins"])
    auth: Auth = app.state.auth
    auth.set_password(Interface.AGENT, "ada", PASSWORD)
    client = TestClient(app, follow_redirects=False)
    token = _csrf(client.get("/sign-in").text)
    answer = client.post("/sign-in", data={"login": "ada", "password": PASSWORD, "csrf_token": token})
    assert answer.status_code == 303
    return client


def _diagram(client: TestClient) -> tuple[str, int, str]:
    """(csrf token, revision, xml) as the page's script would have them."""
    token = _csrf(client.get(PAGE).text)
    data = client.get(f"{PAGE}/diagram").json()
    return token, data["revision"], data["xml"]


def test_only_administrators_open_the_modeler(sign_in: SignIn) -> None:
    manager = sign_in("manager")
    assert manager.get(PAGE).status_code == 403
    assert manager.get(f"{PAGE}/diagram").status_code == 403


def test_the_page_names_its_urls_and_the_diagram_is_the_draft_as_bpmn(administrator: TestClient) -> None:
    page = administrator.get(PAGE)
    assert page.status_code == 200
    assert 'data-save-url="/agent/admin/modeler/purchase-request/save"' in page.text
    token, revision, xml = _diagram(administrator)
    assert token
    assert revision >= 1
    process = process_from_bpmn(xml).process
    assert process.key == "purchase-request"
    assert process.find_activity("approval") is not None


def test_save_merges_the_canvas_into_the_draft(administrator: TestClient, app: FastAPI) -> None:
    token, revision, xml = _diagram(administrator)
    renamed = xml.replace('name="Manager approval"', 'name="Approval by the manager"')
    answer = administrator.post(
        f"{PAGE}/save", data={"csrf_token": token, "xml": renamed, "revision": revision}
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["revision"] == revision + 1
    draft = processes.load_process(app.state.application.uow, "purchase-request")
    approval = draft.find_activity("approval")
    assert approval is not None
    assert approval.name == "Approval by the manager"
    assert approval.dialogs  # kept from the draft


def test_a_save_on_an_old_revision_is_a_conflict_with_a_way_to_reload(administrator: TestClient) -> None:
    token, revision, xml = _diagram(administrator)
    first = administrator.post(f"{PAGE}/save", data={"csrf_token": token, "xml": xml, "revision": revision})
    assert first.status_code == 200
    second = administrator.post(f"{PAGE}/save", data={"csrf_token": token, "xml": xml, "revision": revision})
    assert second.status_code == 409
    assert second.json()["conflict"] is True
    assert "reload" in second.json()["message"]


def test_a_save_without_csrf_is_refused(administrator: TestClient) -> None:
    _, revision, xml = _diagram(administrator)
    assert administrator.post(f"{PAGE}/save", data={"xml": xml, "revision": revision}).status_code == 403


def test_deploy_is_refused_with_problems_naming_the_elements(administrator: TestClient) -> None:
    token, revision, xml = _diagram(administrator)
    # A new script task from the palette: saved with a placeholder script that validation names.
    drawn = xml.replace("</bpmn:process>", '<bpmn:scriptTask id="Activity_new" name="New"/></bpmn:process>')
    saved = administrator.post(f"{PAGE}/save", data={"csrf_token": token, "xml": drawn, "revision": revision})
    assert saved.status_code == 200, saved.text
    refused = administrator.post(f"{PAGE}/deploy", data={"csrf_token": token})
    assert refused.status_code == 422
    elements = {p["element"] for p in refused.json()["problems"]}
    assert "activity:Activity_new" in elements


def test_deploy_of_a_clean_draft(administrator: TestClient) -> None:
    token, revision, xml = _diagram(administrator)
    renamed = xml.replace('name="Manager approval"', 'name="Approval by the manager"')
    administrator.post(f"{PAGE}/save", data={"csrf_token": token, "xml": renamed, "revision": revision})
    deployed = administrator.post(f"{PAGE}/deploy", data={"csrf_token": token})
    assert deployed.status_code == 200, deployed.text
    assert deployed.json()["unchanged"] is False
    assert deployed.json()["version"] >= 2


def test_a_diagram_that_cannot_run_is_not_saved(administrator: TestClient) -> None:
    token, revision, xml = _diagram(administrator)
    broken = xml.replace('sourceRef="StartEvent"', 'sourceRef="nowhere"')
    answer = administrator.post(
        f"{PAGE}/save", data={"csrf_token": token, "xml": broken, "revision": revision}
    )
    assert answer.status_code == 422
    assert answer.json()["problems"][0]["element"] == "element:StartEvent"


def test_add_process_from_an_empty_canvas(administrator: TestClient, app: FastAPI) -> None:
    page = administrator.get("/agent/admin/modeler")
    assert page.status_code == 200
    assert 'id="new-key"' in page.text
    token = _csrf(page.text)
    _, _, xml = _diagram(administrator)
    answer = administrator.post(
        "/agent/admin/modeler", data={"csrf_token": token, "xml": xml, "key": "laptops", "name": "Laptops"}
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["url"] == "/agent/admin/modeler/laptops"
    assert processes.load_process(app.state.application.uow, "laptops").name == "Laptops"
    again = administrator.post(
        "/agent/admin/modeler", data={"csrf_token": token, "xml": xml, "key": "laptops", "name": "Laptops"}
    )
    assert again.status_code == 409
    bad = administrator.post(
        "/agent/admin/modeler", data={"csrf_token": token, "xml": xml, "key": "Bad Key", "name": "x"}
    )
    assert bad.status_code == 422
    assert bad.json()["problems"][0]["element"] == "field:key"


def test_the_side_panel_renames_and_tells_the_canvas(administrator: TestClient, app: FastAPI) -> None:
    token, revision, _ = _diagram(administrator)
    form = administrator.get(f"{PAGE}/panel/approval")
    assert form.status_code == 200
    assert 'name="name" value="Manager approval"' in form.text
    answer = administrator.post(
        f"{PAGE}/panel/approval",
        data={"csrf_token": token, "revision": revision, "name": "Manager says", "description": "d"},
    )
    assert answer.status_code == 200
    applied = json.loads(answer.headers["X-Modeler-Apply"])
    assert applied == {"id": "approval", "name": "Manager says", "revision": revision + 1}
    approval = processes.load_process(app.state.application.uow, "purchase-request").find_activity("approval")
    assert approval is not None
    assert approval.name == "Manager says"


def test_a_bad_condition_is_shown_inline_and_not_saved(administrator: TestClient, app: FastAPI) -> None:
    token, revision, _ = _diagram(administrator)
    draft = processes.load_process(app.state.application.uow, "purchase-request")
    transition = next(t for t in draft.transitions if t.condition is not None)
    form = administrator.get(f"{PAGE}/panel/{transition.key}")
    assert 'name="condition"' in form.text
    data = {
        "csrf_token": token,
        "revision": revision,
        "name": "x",
        "description": "",
        "condition": "Priority >",
    }
    answer = administrator.post(f"{PAGE}/panel/{transition.key}", data=data)
    assert answer.status_code == 422
    assert "X-Modeler-Apply" not in answer.headers
    assert 'class="field-error"' in answer.text
    assert 'aria-invalid="true"' in answer.text
    data["condition"] = "Priority > 3"
    good = administrator.post(f"{PAGE}/panel/{transition.key}", data=data)
    assert json.loads(good.headers["X-Modeler-Apply"])["condition"] == "Priority > 3"


def test_the_start_event_panel_explains_the_start(administrator: TestClient) -> None:
    answer = administrator.get(f"{PAGE}/panel/StartEvent")
    assert answer.status_code == 200
    assert "start at" in answer.text
