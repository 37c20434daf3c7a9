"""Importing a process from the admin page: the file is checked first (a checklist of what the
process needs here, what a BPMN diagram holds that our engine cannot run, the warnings), then the
missing dynamic fields and queues are created and the process imported in one transaction. Every
refusal names why and changes nothing."""

from __future__ import annotations

import json
import re
from html import unescape
from typing import Any

import pytest
import yaml
from fastapi import FastAPI
from fastapi.testclient import TestClient
from process_pages_support import administrator_client, csrf, escalation_process

from ticketflow.domain.catalog import DynamicFieldType
from ticketflow.usecases import admin, processes
from ticketflow.usecases.catalog_records import DynamicField, Queue


@pytest.fixture
def ada(app: FastAPI) -> TestClient:
    return administrator_client(app)


def _upload(client: TestClient, name: str, body: str) -> Any:
    token = csrf(client.get("/agent/admin/processes").text)
    return client.post(
        "/agent/admin/processes/import",
        data={"csrf_token": token},
        files={"document": (name, body.encode(), "text/plain")},
    )


def _confirm_form(page: str) -> dict[str, str]:
    """What the browser would send: every input, select and textarea of the confirm form as shown."""
    form = page.split('action="/agent/admin/processes/import/confirm"', 1)[1].split("</form>", 1)[0]
    data: dict[str, str] = {}
    for tag in re.findall(r"<input[^>]*>", form):
        name = re.search(r'name="([^"]*)"', tag)
        value = re.search(r'value="([^"]*)"', tag, re.S)
        if name is None or ('type="checkbox"' in tag and "checked" not in tag):
            continue
        data[name.group(1)] = unescape(value.group(1)) if value else ""
    for name, options in re.findall(r'<select[^>]*name="([^"]*)"[^>]*>(.*?)</select>', form, re.S):
        chosen = re.search(r'<option(?: value="([^"]*)")? selected>([^<]*)', options)
        if chosen:
            data[name] = unescape(chosen.group(1) or chosen.group(2))
    for name, text in re.findall(r'<textarea[^>]*name="([^"]*)"[^>]*>(.*?)</textarea>', form, re.S):
        data[name] = unescape(text)
    return data


def _flat(html: str) -> str:
    """The page with every run of white space made one space (what a reader sees)."""
    return " ".join(html.split())


def _names(app: FastAPI, kind: type[Any]) -> set[str]:
    return {r.name for r in admin.list_records(app.state.application.uow, kind)}


def _process_keys(app: FastAPI) -> set[str]:
    return {p.key for p in processes.list_processes(app.state.application.uow)}


def test_the_checklist_names_what_is_present_and_what_is_missing(ada: TestClient) -> None:
    page = _upload(ada, "escalation.json", json.dumps(escalation_process()))

    assert page.status_code == 200, page.text[-2000:]
    checklist = _flat(page.text.split('id="checklist"', 1)[1].split("</ul>", 1)[0])
    assert "Missing:</strong> dynamic field <strong>Urgency</strong>" in checklist
    assert "queue <strong>Escalations</strong>" in checklist
    assert "can be created below" in checklist
    form = _confirm_form(page.text)
    assert (form["field-0-type"], form["field-0-values"]) == ("Dropdown", "high=high\nlow=low")
    assert (form["field-1-label"], form["field-1-type"]) == ("Escalation reason", "TextArea")
    assert form["queue-0-group"] == "users"
    assert "Nothing has been written yet" in page.text


def test_confirming_creates_the_fields_and_the_queue_and_imports_in_one_go(
    app: FastAPI, ada: TestClient
) -> None:
    page = _upload(ada, "escalation.json", json.dumps(escalation_process()))
    form = _confirm_form(page.text)
    form["field-0-values"] = "high=High\nlow=Low\nmedium=Medium"

    answer = ada.post("/agent/admin/processes/import/confirm", data=form)

    assert answer.status_code == 303, answer.text[-2000:]
    assert answer.headers["location"].startswith("/agent/admin/processes/escalation?notice=Imported")
    fields = {f.name: f for f in admin.list_records(app.state.application.uow, DynamicField)}
    assert fields["Urgency"].type is DynamicFieldType.DROPDOWN
    assert fields["Urgency"].possible_values == {"high": "High", "low": "Low", "medium": "Medium"}
    assert fields["EscalationReason"].type is DynamicFieldType.TEXT_AREA
    assert "Escalations" in _names(app, Queue)
    assert "escalation" in _process_keys(app)
    assert "created Urgency, EscalationReason, Escalations" in ada.get(answer.headers["location"]).text


def test_an_unticked_missing_field_refuses_the_whole_import(app: FastAPI, ada: TestClient) -> None:
    form = _confirm_form(_upload(ada, "escalation.json", json.dumps(escalation_process())).text)
    del form["field-1-create"]

    answer = ada.post("/agent/admin/processes/import/confirm", data=form)

    assert answer.status_code == 422
    assert "dynamic field &#39;EscalationReason&#39; does not exist" in answer.text
    assert "Urgency" not in _names(app, DynamicField)
    assert "Escalations" not in _names(app, Queue)
    assert "escalation" not in _process_keys(app)


def test_an_invalid_creation_is_named_beside_its_field_and_nothing_is_written(
    app: FastAPI, ada: TestClient
) -> None:
    form = _confirm_form(_upload(ada, "escalation.json", json.dumps(escalation_process())).text)
    form["field-0-label"] = "  "
    form["field-1-type"] = "Dropdown"  # with no possible values

    answer = ada.post("/agent/admin/processes/import/confirm", data=form)

    assert answer.status_code == 422
    assert 'id="field-0-errors"' in answer.text
    assert "dynamic field Urgency, label: must not be empty" in answer.text
    assert "label: must not be empty" in answer.text
    assert "possible_values: a Dropdown field needs at least one possible value" in answer.text
    assert 'value="  "' in answer.text  # the admin's input is kept
    assert not {"Urgency", "EscalationReason"} & _names(app, DynamicField)
    assert "escalation" not in _process_keys(app)


def test_a_missing_role_blocks_the_import_and_is_linked_not_created(app: FastAPI, ada: TestClient) -> None:
    page = _upload(ada, "escalation.json", json.dumps(escalation_process(role="Night Shift")))

    assert "role <strong>Night Shift</strong>" in page.text
    assert '<a href="/agent/admin/roles">its admin page</a>' in page.text
    assert 'id="blocked"' in page.text
    assert "Create the ticked fields and queues and import" not in page.text
    forced = ada.post("/agent/admin/processes/import/confirm", data=_confirm_form(page.text))
    assert forced.status_code == 422
    assert "role &#39;Night Shift&#39; does not exist" in forced.text
    assert "Urgency" not in _names(app, DynamicField)
    assert "escalation" not in _process_keys(app)


def test_check_again_sees_a_role_added_meanwhile(app: FastAPI, ada: TestClient) -> None:
    page = _upload(ada, "escalation.json", json.dumps(escalation_process(role="Night Shift")))
    admin.add_role(app.state.application.uow, "Night Shift", {}, cache=app.state.application.runtime)

    again = ada.post("/agent/admin/processes/import/check", data=_confirm_form(page.text))

    assert again.status_code == 200
    assert 'id="blocked"' not in again.text
    assert "Present:</span> role <strong>Night Shift</strong>" in _flat(again.text)


def test_a_taken_key_needs_another_key_or_replacing_the_draft(app: FastAPI, ada: TestClient) -> None:
    document = escalation_process(key="purchase-request")
    page = _upload(ada, "escalation.json", json.dumps(document))
    assert "exists already" in page.text
    form = _confirm_form(page.text)
    before = processes.load_process(app.state.application.uow, "purchase-request")

    refused = ada.post("/agent/admin/processes/import/confirm", data=form)

    assert refused.status_code == 422
    assert "a process with key &#39;purchase-request&#39; exists" in refused.text
    assert processes.load_process(app.state.application.uow, "purchase-request") == before
    assert "Urgency" not in _names(app, DynamicField)
    renamed = ada.post("/agent/admin/processes/import/confirm", data=form | {"key": "escalation-two"})
    assert renamed.status_code == 303
    assert processes.load_process(app.state.application.uow, "escalation-two").name == "Escalation"
    assert processes.load_process(app.state.application.uow, "purchase-request") == before


def test_replacing_the_draft_of_a_taken_key(app: FastAPI, ada: TestClient) -> None:
    exported = ada.get("/agent/admin/processes/purchase-request/export", params={"format": "otobo"})
    page = _upload(ada, "purchase.yml", exported.text)
    assert page.status_code == 200
    form = _confirm_form(page.text) | {"replace_draft": "yes"}

    answer = ada.post("/agent/admin/processes/import/confirm", data=form)

    assert answer.status_code == 303, answer.text[-1500:]


@pytest.mark.parametrize(
    ("name", "body", "says"),
    [
        ("broken.json", '{"format": ', "is not valid JSON"),
        ("diagram.bpmn", "not xml at all", "is named .bpmn but does not hold XML"),
        ("diagram.bpmn", "<definitions><unclosed></definitions>", "is not well-formed XML"),
        ("list.yml", "- 1\n- 2\n", "expected a JSON object or YAML mapping"),
        ("other.json", '{"hello": 1}', "neither a ticketflow process"),
        ("empty.json", "   ", "choose a file or paste a definition"),
    ],
)
def test_an_unreadable_file_is_named_and_changes_nothing(
    app: FastAPI, ada: TestClient, name: str, body: str, says: str
) -> None:
    before = _process_keys(app)

    answer = _upload(ada, name, body)

    assert answer.status_code == 422
    assert "The process was not imported" in answer.text
    assert says in answer.text.replace("&#39;", "'")
    assert _process_keys(app) == before


def test_a_confirm_with_a_tampered_file_is_refused(app: FastAPI, ada: TestClient) -> None:
    form = _confirm_form(_upload(ada, "escalation.json", json.dumps(escalation_process())).text)

    answer = ada.post("/agent/admin/processes/import/confirm", data=form | {"text": "{"})

    assert answer.status_code == 422
    assert "escalation" not in _process_keys(app)


BPMN_FROM_ANOTHER_TOOL = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="defs" targetNamespace="x">
  <bpmn:process id="Leave_request" name="Leave request" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:userTask id="ask" name="Ask for leave" />
    <bpmn:exclusiveGateway id="decide" name="Granted?" />
    <bpmn:endEvent id="done" name="Done" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="ask" />
    <bpmn:sequenceFlow id="f2" sourceRef="ask" targetRef="decide" />
    <bpmn:sequenceFlow id="f3" sourceRef="decide" targetRef="done" />
    <bpmn:sequenceFlow id="f4" sourceRef="ask" targetRef="done" />
  </bpmn:process>
</bpmn:definitions>
"""


def test_a_bpmn_diagram_from_another_tool_lists_what_our_engine_cannot_run(
    app: FastAPI, ada: TestClient
) -> None:
    page = _upload(ada, "leave.bpmn", BPMN_FROM_ANOTHER_TOOL)

    assert page.status_code == 200, page.text[-1500:]
    gaps = page.text.split('id="engine-gaps"', 1)[1].split("</ul>", 1)[0]
    assert "decide" in gaps
    assert "not run by our engine" in gaps
    answer = ada.post("/agent/admin/processes/import/confirm", data=_confirm_form(page.text))
    assert answer.status_code == 303, answer.text[-1500:]
    imported = processes.load_process(
        app.state.application.uow, answer.headers["location"].split("/")[4].split("?")[0]
    )
    assert [a.key for a in imported.activities] == ["ask", "done"]


def test_an_otobo_yaml_export_comes_back_under_a_new_key(app: FastAPI, ada: TestClient) -> None:
    exported = ada.get(
        "/agent/admin/processes/purchase-request/export", params={"format": "otobo", "version": "1"}
    )
    assert "Process" in yaml.safe_load(exported.text)
    form = _confirm_form(_upload(ada, "purchase.yml", exported.text).text) | {"key": "purchase-again"}

    answer = ada.post("/agent/admin/processes/import/confirm", data=form)

    assert answer.status_code == 303, answer.text[-1500:]
    assert "purchase-again" in _process_keys(app)


def test_an_agent_who_is_no_administrator_cannot_import(app: FastAPI, sign_in: Any) -> None:
    manager = sign_in("manager")
    token = csrf(manager.get("/agent/").text)
    form = {"csrf_token": token, "text": json.dumps(escalation_process())}

    assert manager.post("/agent/admin/processes/import", data=form).status_code == 403
    assert (
        manager.post(
            "/agent/admin/processes/import/confirm", data=form | {"field-0-create": "yes"}
        ).status_code
        == 403
    )
    assert "escalation" not in _process_keys(app)
