"""The Test Mode page (administrators): start from a sample ticket or a copy of a real one, step
through the dialogs, answer the ERP with a canned response, see the path lit and the would-be
effects — with nothing real changed — then save scenarios, run them all, and see a failing scenario
refuse the deploy on the process page and in the REST API."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from pages_support import NOW, Visitor, application_of, pages_and_api, start_purchase, visit
from testmode_pages_support import PAGE, administrator, every_row, hidden_run

from ticketflow.domain.formats.native_json import process_to_dict
from ticketflow.usecases import admin
from ticketflow.usecases.processes import list_versions, load_process, save_draft
from ticketflow.usecases.scenarios import list_scenarios

REQUEST_FORM = {
    "Title": "Two monitors",
    "DynamicField_PurchaseItems": "2 x 27-inch monitor",
    "DynamicField_PurchaseCategory": "hardware",
    "DynamicField_PurchaseAmount": "598.00",
    "DynamicField_PurchaseJustification": "The designers share one screen.",
    "DynamicField_PurchaseNeededBy": "2025-03-31",
    "Subject": "Monitors",
    "Body": "Please order two monitors.",
}


@pytest.fixture
def app(demo_url: str) -> Iterator[FastAPI]:
    built = pages_and_api(demo_url)
    yield built
    application_of(built).close()


@pytest.fixture
def ada(app: FastAPI) -> Visitor:
    return administrator(app)


def _start(ada: Visitor, **values: str) -> str:
    answer = ada.client.post(f"{PAGE}/start", data=ada.form({"version": "1", **values}))
    assert answer.status_code == 200, answer.text
    return answer.text


def _step(ada: Visitor, page: str, dialog: str, fields: dict[str, str], as_: str = "agent") -> str:
    data = {"version": "1", "run": hidden_run(page), "dialog": dialog, "as": as_, **fields}
    answer = ada.client.post(f"{PAGE}/step", data=ada.form(data))
    assert answer.status_code in (200, 422), answer.text
    return answer.text


def _at_delivery(ada: Visitor) -> str:
    """Alice's request, approved, the ERP answering with an order number: waiting for delivery."""
    page = _start(ada, Title="Sample", CustomerUserID="alice")
    page = _step(ada, page, "request-form", REQUEST_FORM, as_="customer")
    page = _step(ada, page, "decide", {"DynamicField_PurchaseApproval": "approved"})
    data = {
        "version": "1",
        "run": hidden_run(page),
        "activity": "order",
        "kind": "service",
        "outcome": "success",
        "values": "DynamicField_PurchaseOrderNumber=PO-4711",
    }
    return ada.client.post(f"{PAGE}/answer", data=ada.form(data)).text


def _answer(ada: Visitor, page: str, **fields: str) -> str:
    data = {"version": "1", "run": hidden_run(page), "activity": "order", "kind": "service", **fields}
    return ada.client.post(f"{PAGE}/answer", data=ada.form(data)).text


def _at_order(ada: Visitor) -> str:
    page = _start(ada, Title="Sample", CustomerUserID="alice")
    page = _step(ada, page, "request-form", REQUEST_FORM, as_="customer")
    return _step(ada, page, "decide", {"DynamicField_PurchaseApproval": "approved"})


def test_a_failing_canned_answer_takes_the_error_path(ada: Visitor) -> None:
    page = _answer(ada, _at_order(ada), outcome="failure", error_code="ERP_FAILED", message="503", values="")

    assert "Path: request → approval → prepare-order → order → manual-order" in page
    assert "Record manual order" in page
    assert json.loads(hidden_run(page))["service_results"] == {
        "order": {"error": "ERP_FAILED", "message": "503"}
    }


def test_a_malformed_canned_answer_is_named_and_the_run_kept(ada: Visitor) -> None:
    page = _at_order(ada)

    refused = _answer(ada, page, outcome="success", values="PO-4711")

    assert "Values: line 1 is not Name=value: &#39;PO-4711&#39;" in refused
    assert hidden_run(refused) == hidden_run(page)


def _save(ada: Visitor, page: str, name: str, *expect: str) -> str:
    data: dict[str, str | list[str]] = {
        "version": "1",
        "run": hidden_run(page),
        "name": name,
        "expect": list(expect),
        "csrf_token": ada.csrf,
    }
    return ada.client.post(f"{PAGE}/save", data=data).text


def test_the_page_offers_a_sample_ticket_and_a_copy_and_says_nothing_real_changes(ada: Visitor) -> None:
    page = ada.client.get(PAGE)

    assert page.status_code == 200
    assert "Nothing real changes here" in page.text
    assert 'name="DynamicField_PurchaseCategory"' in page.text  # a dynamic field the process uses
    assert 'name="ticket_number"' in page.text
    assert '<option value="1"' in page.text  # version 1 can be chosen besides the draft


@pytest.mark.parametrize(
    ("version", "status", "message"),
    [("7", 404, "has no version 7"), ("latest", 400, "version: is &#39;draft&#39; or a version number")],
)
def test_an_unknown_version_is_named(ada: Visitor, version: str, status: int, message: str) -> None:
    answer = ada.client.get(f"{PAGE}?version={version}")

    assert answer.status_code == status
    assert message in answer.text


def test_agents_who_are_no_administrators_are_refused(app: FastAPI) -> None:
    manager = visit(app, "manager")

    assert manager.client.get(PAGE).status_code == 403
    refused = manager.client.post(f"{PAGE}/start", data=manager.form({"version": "1"}))
    assert refused.status_code == 403


def test_stepping_lights_the_path_and_lists_the_would_be_effects(ada: Visitor) -> None:
    page = _start(ada, Title="Sample", CustomerUserID="alice")
    assert "Request purchase" in page or "request-form" in page

    page = _step(ada, page, "request-form", REQUEST_FORM, as_="customer")
    assert "now at 'approval' (active)" in page
    assert "would set Queue to &#39;Management&#39;" in page
    assert "template &#39;Approval needed&#39;" in page
    assert "Subject: Please decide on Two monitors" in page  # the e-mail rendered, not sent
    assert 'class="activity user-task current"' in page or "current" in page

    page = _step(ada, page, "decide", {"DynamicField_PurchaseApproval": "approved"})

    assert "Path: request → approval → prepare-order → order" in page
    assert "call web service ERP invoker CreateOrder" in page
    assert "never called in Test Mode" in page
    assert "/erp/orders" in page  # the request rendered as the worker would send it
    assert "Idempotency-Key: test-mode" in page
    assert "Answer the web service (canned)" in page
    assert 'data-key="approved"' in page
    assert 'class="transition visited" data-key="approved"' in page


def test_a_canned_answer_runs_on_and_nothing_real_changes(app: FastAPI, ada: Visitor) -> None:
    before = every_row(app)

    page = _at_delivery(ada)

    assert "Path: request → approval → prepare-order → order → delivery" in page
    assert "DynamicField_PurchaseOrderNumber" in page
    assert "Confirm delivery" in page or "confirm-delivery" in page
    assert every_row(app) == before


def test_a_bad_dialog_input_shows_the_problem_beside_the_field_and_keeps_the_run(ada: Visitor) -> None:
    page = _start(ada, Title="Sample", CustomerUserID="alice")
    page = _step(ada, page, "request-form", REQUEST_FORM, as_="customer")
    run_before = hidden_run(page)

    refused = _step(ada, page, "decide", {"DynamicField_PurchaseApproval": ""})

    assert "Please correct the marked fields." in refused
    assert 'aria-invalid="true"' in refused
    assert hidden_run(refused) == run_before


def test_a_copy_of_a_real_ticket_starts_where_its_data_leads(app: FastAPI, ada: Visitor) -> None:
    application = application_of(app)
    # An administrator who also reads the Management queue, where the request waits.
    admin.add_role(application.uow, "Management readers", {"management": ["ro"]})
    roles = ["Admins", "Management readers"]
    admin.add_agent(application.uow, "max", "Max", "Admin", "max@example.com", roles=roles)
    ada = visit(app, "max")
    ticket_id = start_purchase(application)
    with application.uow() as uow:
        number = uow.tickets.get(ticket_id).number
    before = every_row(app)

    page = _start(ada, ticket_number=number)

    run = json.loads(hidden_run(page))
    assert run["ticket"]["DynamicField_PurchaseItems"] == "2 x 27-inch monitor"
    assert "TicketNumber" not in run["ticket"]
    assert every_row(app) == before


def test_an_unknown_ticket_number_is_named(ada: Visitor) -> None:
    answer = ada.client.post(f"{PAGE}/start", data=ada.form({"version": "1", "ticket_number": "2099"}))

    assert answer.status_code == 400
    assert "no ticket with id or number &#39;2099&#39;" in answer.text


def test_a_ticket_the_administrator_may_not_read_is_not_copied(app: FastAPI, ada: Visitor) -> None:
    application = application_of(app)
    ticket_id = start_purchase(application)  # in Management, which ada's roles do not open
    with application.uow() as uow:
        number = uow.tickets.get(ticket_id).number

    answer = ada.client.post(f"{PAGE}/start", data=ada.form({"version": "1", "ticket_number": number}))

    assert answer.status_code == 404
    assert "2 x 27-inch monitor" not in answer.text


def test_a_tampered_run_is_refused_naming_it(ada: Visitor) -> None:
    data = {"version": "1", "run": "{not json", "dialog": "decide"}
    answer = ada.client.post(f"{PAGE}/step", data=ada.form(data))

    assert answer.status_code == 400
    assert "run: is not the run this page sent" in answer.text


def test_saved_scenarios_are_listed_and_run_all_shows_pass_and_fail(app: FastAPI, ada: Visitor) -> None:
    page = _at_delivery(ada)
    saved = _save(ada, page, "approved and ordered", "Queue", "DynamicField_PurchaseOrderNumber")
    assert "Saved scenario &#39;approved and ordered&#39;" in saved
    stalled = _step(ada, _start(ada, Title="x"), "request-form", REQUEST_FORM, as_="customer")
    _save(ada, stalled, "stalls at approval")
    # The second scenario expected 'approval'; make it stricter than the run so it fails.
    application = application_of(app)
    [_, stall] = list_scenarios(application.uow, "purchase-request")
    assert stall.expected.activity == "approval"

    answer = ada.client.post(f"{PAGE}/run-all", data=ada.form({"version": "1"}))

    assert "2 passed, 0 failed." in answer.text
    [first, _] = list_scenarios(application.uow, "purchase-request")
    assert first.expected.values == {"Queue": "Post office", "DynamicField_PurchaseOrderNumber": "PO-4711"}


def test_run_all_against_a_broken_draft_says_what_differed(app: FastAPI, ada: Visitor) -> None:
    _save(ada, _at_delivery(ada), "approved and ordered")
    _break_approval(app)

    answer = ada.client.post(f"{PAGE}/run-all", data=ada.form({"version": "draft"}))

    assert "0 passed, 1 failed." in answer.text
    assert "FAIL" in answer.text
    assert "ended at &#39;approval&#39;" in answer.text


def test_the_process_page_refuses_the_deploy_and_force_deploys_with_a_note(
    app: FastAPI, ada: Visitor
) -> None:
    _save(ada, _at_delivery(ada), "approved and ordered")
    _break_approval(app)
    deploy = "/agent/admin/processes/purchase-request/deploy"

    refused = ada.client.post(deploy, data=ada.form({"note": "tweak"}))
    forced = ada.client.post(deploy, data=ada.form({"note": "tweak", "force": "1"}))

    assert refused.status_code == 422
    assert "scenario:approved and ordered: ended at &#39;approval&#39;" in refused.text
    assert forced.status_code == 303
    newest = list_versions(application_of(app).uow, "purchase-request")[-1]
    assert newest.note == "tweak (deployed despite failing test scenarios: approved and ordered)"


def test_the_rest_api_refuses_the_deploy_as_a_problem_and_force_deploys(app: FastAPI, ada: Visitor) -> None:
    _save(ada, _at_delivery(ada), "approved and ordered")
    _break_approval(app)
    url = "/api/v1/processes/purchase-request/deploy"

    refused = ada.client.post(url, json={}, headers=ada.api_headers)
    forced = ada.client.post(url, json={"force": True}, headers=ada.api_headers)

    assert refused.status_code == 422
    problem = refused.json()
    assert problem["type"].endswith("/scenarios_failed")
    assert problem["errors"][0]["element"] == "scenario:approved and ordered"
    assert forced.status_code == 200
    assert forced.json()["version"] == 2


def test_scenarios_can_be_loaded_exported_and_deleted(ada: Visitor) -> None:
    _save(ada, _at_delivery(ada), "approved and ordered")

    loaded = ada.client.post(f"{PAGE}/load", data=ada.form({"version": "1", "name": "approved and ordered"}))
    exported = ada.client.get(f"{PAGE}/scenarios.json").json()
    deleted = ada.client.post(
        f"{PAGE}/delete", data=ada.form({"version": "1", "name": "approved and ordered"})
    )

    assert "Path: request → approval → prepare-order → order → delivery" in loaded.text
    assert [s["name"] for s in exported["scenarios"]] == ["approved and ordered"]
    assert "No scenarios yet" in deleted.text


def test_a_scenario_without_a_name_is_refused_and_nothing_saved(app: FastAPI, ada: Visitor) -> None:
    answer = _save(ada, _at_delivery(ada), "  ")

    assert "name: give the scenario a name" in answer
    assert list_scenarios(application_of(app).uow, "purchase-request") == []


def _break_approval(app: FastAPI) -> None:
    """A draft whose 'approved' transition only takes software: approving hardware stalls."""
    application = application_of(app)
    document = process_to_dict(load_process(application.uow, "purchase-request"))
    for transition in document["transitions"]:
        if transition["key"] == "approved":
            transition["condition"] = "DynamicField_PurchaseCategory = 'software'"
    save_draft(application.uow, document, saved_by="ada", expected_revision=None)


__all__ = ["NOW"]


def test_a_sub_process_is_answered_with_the_childs_values(ada: Visitor) -> None:
    onboarding = "/agent/admin/processes/employee-onboarding/test"
    started = ada.client.post(f"{onboarding}/start", data=ada.form({"version": "1", "Title": "Hire"}))
    hire: dict[str, str | list[str]] = {
        "version": "1",
        "run": hidden_run(started.text),
        "dialog": "new-hire",
        "as": "agent",
        "DynamicField_NewHireName": "Nina New",
        "DynamicField_NewHireStartDate": "2025-04-01",
        "DynamicField_NewHireDepartment": "engineering",
        "DynamicField_NewHireEquipment": ["laptop", "dock"],
        "csrf_token": ada.csrf,
    }
    waiting = ada.client.post(f"{onboarding}/step", data=hire).text
    assert "The sub-process's result (canned)" in waiting
    assert "start sub-process it-equipment in a child ticket" in waiting

    answer = {
        "version": "1",
        "run": hidden_run(waiting),
        "activity": "equipment",
        "kind": "sub-process",
        "values": "DynamicField_AssetTag=LT-0042",
    }
    page = ada.client.post(f"{onboarding}/answer", data=ada.form(answer)).text

    assert "Path: record-hire → plan → equipment → create-account" in page
    assert json.loads(hidden_run(page))["sub_process_results"] == {
        "equipment": {"DynamicField_AssetTag": "LT-0042"}
    }
    assert "Answer the web service (canned)" in page  # now waiting for the account's service task


def test_the_modelers_deploy_names_the_failing_scenario_and_can_force(app: FastAPI, ada: Visitor) -> None:
    _save(ada, _at_delivery(ada), "approved and ordered")
    _break_approval(app)
    deploy = "/agent/admin/modeler/purchase-request/deploy"

    refused = ada.client.post(deploy, data=ada.form({}))
    forced = ada.client.post(deploy, data=ada.form({"force": "1"}))

    assert refused.status_code == 422
    assert "scenario:approved and ordered" in {p["element"] for p in refused.json()["problems"]}
    assert forced.status_code == 200
    assert forced.json()["version"] == 2


def test_values_that_depend_on_the_clock_are_not_offered_as_expectations(ada: Visitor) -> None:
    page = _at_delivery(ada)

    assert 'value="DynamicField_PurchaseOrderNumber"' in page
    assert 'value="DynamicField_PurchaseOrderDue"' not in page  # compute_date: days from now
    assert "depend on the clock and would differ on a later run: DynamicField_PurchaseOrderDue" in page
