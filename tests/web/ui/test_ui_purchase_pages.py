"""The purchase request through the pages: a customer starts it, the manager decides in the ticket
zoom's dialog, errors show beside their fields, and forbidden requests are refused without a change."""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi.testclient import TestClient

SignIn = Callable[..., TestClient]

REQUEST = {
    "Title": "Two monitors for the design team",
    "DynamicField_PurchaseItems": "2 x 27-inch monitor",
    "DynamicField_PurchaseCategory": "hardware",
    "DynamicField_PurchaseAmount": "598.00",
    "DynamicField_PurchaseJustification": "The designers share one screen.",
    "DynamicField_PurchaseNeededBy": "2025-03-31",
    "Subject": "",
    "Body": "",
}


def _csrf(html: str) -> str:
    return html.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]


def _start_purchase(alice: TestClient, **changes: str) -> int:
    form = alice.get("/customer/processes/purchase-request/start")
    answer = alice.post(
        "/customer/processes/purchase-request/start",
        data={**REQUEST, **changes, "csrf_token": _csrf(form.text)},
    )
    assert answer.status_code == 303, answer.text
    return int(answer.headers["location"].rsplit("/", 1)[1])


def _field_error(html: str, name: str) -> str:
    found = re.search(rf'id="f-{name}-error" class="field-error">([^<]*)<', html)
    assert found, f"no error beside {name}"
    return found.group(1)


def test_the_customer_start_form_marks_mandatory_fields_and_hides_hidden_ones(sign_in: SignIn) -> None:
    alice = sign_in("alice", "customer")

    page = alice.get("/customer/processes/purchase-request/start")

    assert page.status_code == 200
    assert "<title>Start: Purchase request · ticketflow</title>" in page.text
    assert '<label for="f-DynamicField_PurchaseItems">Items <span class="mandatory"' in page.text
    assert '<label for="f-DynamicField_PurchaseNeededBy">Needed by</label>' in page.text
    assert 'type="date" id="f-DynamicField_PurchaseNeededBy"' in page.text
    assert '<option value="hardware" >Hardware</option>' in page.text
    # Hidden fields (Queue, Type, PurchaseStep) are applied by the use case, never rendered.
    assert "f-Queue" not in page.text
    assert "PurchaseStep" not in page.text


def test_missing_and_bad_values_are_shown_beside_their_fields(sign_in: SignIn) -> None:
    alice = sign_in("alice", "customer")
    form = alice.get("/customer/processes/purchase-request/start")

    answer = alice.post(
        "/customer/processes/purchase-request/start",
        data={
            **REQUEST,
            "DynamicField_PurchaseItems": "",
            "DynamicField_PurchaseNeededBy": "next week",
            "csrf_token": _csrf(form.text),
        },
    )

    assert answer.status_code == 422
    assert _field_error(answer.text, "DynamicField_PurchaseItems") == "Items: is mandatory"
    assert "is not a date" in _field_error(answer.text, "DynamicField_PurchaseNeededBy")
    # What was typed stays in the form.
    assert 'value="Two monitors for the design team"' in answer.text
    assert alice.get("/customer/").text.count("/customer/tickets/") == 0


def test_a_started_request_is_listed_and_shows_its_step(sign_in: SignIn) -> None:
    alice = sign_in("alice", "customer")

    ticket_id = _start_purchase(alice)

    assert f'href="/customer/tickets/{ticket_id}"' in alice.get("/customer/").text
    zoom = alice.get(f"/customer/tickets/{ticket_id}")
    assert zoom.status_code == 200
    assert "Manager approval" in zoom.text
    assert "Owner" not in zoom.text  # agents' attributes are not shown to customers


def test_a_customer_of_another_company_cannot_open_the_ticket(sign_in: SignIn) -> None:
    ticket_id = _start_purchase(sign_in("alice", "customer"))
    lena = sign_in("lena", "customer")  # Example Labs; alice and carlos are Example Corp

    answer = lena.get(f"/customer/tickets/{ticket_id}")

    assert answer.status_code == 404
    assert "Two monitors" not in answer.text
    assert "Two monitors" not in lena.get("/customer/").text


def test_the_agent_zoom_shows_the_process_widget_with_the_current_activity(sign_in: SignIn) -> None:
    ticket_id = _start_purchase(sign_in("alice", "customer"))
    manager = sign_in("manager")

    zoom = manager.get(f"/agent/tickets/{ticket_id}")

    assert zoom.status_code == 200
    assert '<strong>Purchase request</strong> <span class="muted">version 1</span>' in zoom.text
    assert re.search(r'<g class="activity user-task current" data-key="[^"]+">\s*<rect', zoom.text)
    assert "Manager approval (user task) — current activity" in zoom.text
    assert f'href="/agent/tickets/{ticket_id}/dialogs/decide"' in zoom.text
    assert ">Approve or reject</a>" in zoom.text
    assert "2 x 27-inch monitor" in zoom.text  # dynamic fields
    assert "<dd>Hardware</dd>" in zoom.text  # a dropdown shows its label


def test_the_manager_decides_through_the_dialog_form(sign_in: SignIn) -> None:
    ticket_id = _start_purchase(sign_in("alice", "customer"))
    manager = sign_in("manager")
    path = f"/agent/tickets/{ticket_id}/dialogs/decide"
    form = manager.get(path)
    assert form.status_code == 200
    version = re.search(r'name="version" value="(\d+)"', form.text)
    assert version

    refused = manager.post(path, data={"csrf_token": _csrf(form.text), "version": version.group(1)})
    assert refused.status_code == 422
    assert _field_error(refused.text, "DynamicField_PurchaseApproval") == "Manager decision: is mandatory"

    data = {
        "csrf_token": _csrf(form.text),
        "version": version.group(1),
        "DynamicField_PurchaseApproval": "approved",
        "Subject": "Approved",
        "Body": "Go ahead.",
    }
    answer = manager.post(path, data=data)
    assert answer.status_code == 303
    zoom = manager.get(f"/agent/tickets/{ticket_id}")
    assert "Order in the ERP" in zoom.text
    history = manager.get(f"/agent/tickets/{ticket_id}/history")
    assert "ActivityDialogSubmit" in history.text
    assert "Moved from &#39;" in history.text  # the process trace in words


def test_a_dialog_post_without_the_csrf_token_is_refused_and_changes_nothing(sign_in: SignIn) -> None:
    ticket_id = _start_purchase(sign_in("alice", "customer"))
    manager = sign_in("manager")

    answer = manager.post(
        f"/agent/tickets/{ticket_id}/dialogs/decide", data={"DynamicField_PurchaseApproval": "approved"}
    )

    assert answer.status_code == 403
    assert "Manager approval" in manager.get(f"/agent/tickets/{ticket_id}").text


def test_a_dialog_of_another_activity_is_not_offered(sign_in: SignIn) -> None:
    ticket_id = _start_purchase(sign_in("alice", "customer"))
    manager = sign_in("manager")

    answer = manager.get(f"/agent/tickets/{ticket_id}/dialogs/confirm-delivery")

    assert answer.status_code == 404
    assert "not offered" in answer.text


def test_an_agent_without_permission_on_the_queue_neither_sees_nor_submits(sign_in: SignIn) -> None:
    ticket_id = _start_purchase(sign_in("alice", "customer"))
    mailroom = sign_in("mailroom")  # Mail Room: rw on postoffice only; the ticket is in Management
    token = _csrf(mailroom.get("/agent/").text)

    zoom = mailroom.get(f"/agent/tickets/{ticket_id}")
    submit = mailroom.post(
        f"/agent/tickets/{ticket_id}/dialogs/decide",
        data={"csrf_token": token, "DynamicField_PurchaseApproval": "approved"},
    )

    assert zoom.status_code == 404
    assert submit.status_code == 404
    assert "Two monitors" not in mailroom.get("/agent/queue").text
    assert "Manager approval" in sign_in("manager").get(f"/agent/tickets/{ticket_id}").text


def test_the_dashboard_lists_tickets_waiting_for_a_dialog(sign_in: SignIn) -> None:
    ticket_id = _start_purchase(sign_in("alice", "customer"))
    manager = sign_in("manager")

    page = manager.get("/agent/")

    assert "<title>Dashboard · ticketflow</title>" in page.text
    assert f'href="/agent/tickets/{ticket_id}"' in page.text
    assert "Manager approval" in page.text
    assert 'href="/agent/queue?queue=Management"' in page.text


def test_the_queue_view_filters_sorts_and_searches(sign_in: SignIn) -> None:
    alice = sign_in("alice", "customer")
    _start_purchase(alice)
    _start_purchase(alice, Title="A chair")
    manager = sign_in("manager")

    page = manager.get("/agent/queue", params={"queue": "Management", "sort": "title", "order": "asc"})
    assert page.status_code == 200
    assert page.text.index("A chair") < page.text.index("Two monitors")
    assert "/agent/queue?queue=Management&amp;sort=title&amp;order=desc" in page.text

    found = manager.get("/agent/queue", params={"q": "chair"})
    assert "A chair" in found.text
    assert "Two monitors" not in found.text
    # The buyer may not read the Management queue: it is neither offered nor listed.
    buyer_page = sign_in("buyer").get("/agent/queue", params={"queue": "Management"})
    assert "Two monitors" not in buyer_page.text
    assert "<option selected>Management</option>" not in buyer_page.text


def test_an_agent_with_create_on_the_start_dialogs_queue_starts_a_process_ticket(sign_in: SignIn) -> None:
    buyer = sign_in("buyer")  # rw on purchasing: the queue the start dialog's hidden Queue sets
    form = buyer.get("/agent/processes/purchase-request/start")

    answer = buyer.post(
        "/agent/processes/purchase-request/start", data={**REQUEST, "csrf_token": _csrf(form.text)}
    )

    assert answer.status_code == 303
    assert "Manager approval" in sign_in("manager").get(answer.headers["location"]).text


def test_an_agent_without_create_permission_cannot_start_a_process_ticket(sign_in: SignIn) -> None:
    mailroom = sign_in("mailroom")  # rw on the post office only
    form = mailroom.get("/agent/processes/purchase-request/start")

    answer = mailroom.post(
        "/agent/processes/purchase-request/start", data={**REQUEST, "csrf_token": _csrf(form.text)}
    )

    assert answer.status_code == 403
    assert "may not create tickets in queue &#39;Purchasing&#39;" in answer.text
    assert sign_in("manager").get("/agent/queue").text.count("/agent/tickets/") == 0


def test_an_unknown_ticket_is_a_not_found_page(sign_in: SignIn) -> None:
    answer = sign_in("manager").get("/agent/tickets/999999")

    assert answer.status_code == 404
    assert "<title>Not found · ticketflow</title>" in answer.text
