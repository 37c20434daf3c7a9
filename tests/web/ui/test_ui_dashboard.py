"""The agent dashboard's "Waiting in activities I can act on": a process ticket is listed only to
agents who may submit one of its current activity's dialogs now — the dialog's permission held and
its required lock free or theirs (people: pages_support)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from pages_support import Visitor, application_of, lock_for, pages_and_api, start_purchase, visit

from ticketflow.bootstrap import Application


@pytest.fixture
def app(demo_url: str) -> Iterator[FastAPI]:
    built = pages_and_api(demo_url)
    yield built
    application_of(built).close()


@pytest.fixture
def application(app: FastAPI) -> Application:
    return application_of(app)


def waiting_for(agent: Visitor) -> str:
    """The dashboard's section of tickets waiting for the agent."""
    page = agent.client.get("/agent/")
    assert page.status_code == 200
    return page.text.split('id="actionable-heading"', 1)[1].split("</section>", 1)[0]


def test_a_ticket_waits_for_the_agents_who_may_submit_its_dialog(
    app: FastAPI, application: Application
) -> None:
    ticket_id = start_purchase(application)
    link = f'href="/agent/tickets/{ticket_id}"'

    mine = waiting_for(visit(app, "manager"))

    assert link in mine
    assert "Manager approval" in mine
    assert link in waiting_for(visit(app, "second"))


def test_an_agent_without_the_dialogs_permission_is_not_waited_for(
    app: FastAPI, application: Application
) -> None:
    ticket_id = start_purchase(application)
    deputy = visit(app, "deputy")

    section = waiting_for(deputy)

    assert f'href="/agent/tickets/{ticket_id}"' not in section
    assert "Nothing waits for a dialog." in section
    # The deputy still reads the queue: the ticket is counted there.
    assert (
        'href="/agent/queue?queue=Management">Management</a></td><td>1</td>'
        in deputy.client.get("/agent/").text
    )


def test_a_ticket_locked_by_someone_else_waits_only_for_the_lock_holder(
    app: FastAPI, application: Application
) -> None:
    ticket_id = start_purchase(application)
    lock_for(application, ticket_id, "manager")
    link = f'href="/agent/tickets/{ticket_id}"'

    assert link in waiting_for(visit(app, "manager"))
    assert link not in waiting_for(visit(app, "second"))


def test_an_agent_outside_the_queue_is_not_waited_for(app: FastAPI, application: Application) -> None:
    ticket_id = start_purchase(application)

    assert f'href="/agent/tickets/{ticket_id}"' not in waiting_for(visit(app, "mailroom"))


def test_after_the_decision_the_ticket_no_longer_waits_for_the_manager(
    app: FastAPI, application: Application
) -> None:
    ticket_id = start_purchase(application)
    manager = visit(app, "manager")
    decided = manager.client.post(
        f"/agent/tickets/{ticket_id}/dialogs/decide",
        data=manager.form({"DynamicField_PurchaseApproval": "rejected", "Subject": "", "Body": ""}),
    )
    assert decided.status_code == 303

    assert f'href="/agent/tickets/{ticket_id}"' not in waiting_for(manager)
