"""What the process admin page tests share: an administrator's client and a small process document
that needs dynamic fields and a queue the demo lacks."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from ticketflow.domain.definitions import Interface
from ticketflow.usecases import admin
from ticketflow.usecases.auth import Auth

PASSWORD = "admin-password"


def csrf(html: str) -> str:
    return html.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]


def administrator_client(app: FastAPI) -> TestClient:
    """A client signed in as 'ada', who holds rw on the admin group."""
    uow = app.state.application.uow
    admin.add_role(uow, "Admins", {"admin": ["rw"], "users": ["rw"]})
    admin.add_agent(uow, "ada", "Ada", "Admin", "ada@example.com", roles=["Admins"])
    auth: Auth = app.state.auth
    auth.set_password(Interface.AGENT, "ada", PASSWORD)
    client = TestClient(app, follow_redirects=False)
    token = csrf(client.get("/sign-in").text)
    answer = client.post("/sign-in", data={"login": "ada", "password": PASSWORD, "csrf_token": token})
    assert answer.status_code == 303
    return client


def escalation_process(key: str = "escalation", role: str | None = None) -> dict[str, Any]:
    """Urgency is compared with 'high' and 'low' (a Dropdown), EscalationReason is free text by its
    name, the queue 'Escalations' is set by an action; ``role`` adds a reference to a role."""
    high_actions: list[dict[str, Any]] = [
        {
            "key": "to-escalations",
            "name": "To escalations",
            "module": "TicketQueueSet",
            "config": {"Queue": "Escalations"},
        }
    ]
    if role is not None:
        high_actions.append(
            {
                "key": "tell",
                "name": "Tell the role",
                "module": "TicketResponsibleSet",
                "config": {"Role": role},
            }
        )
    return {
        "format": "ticketflow.process/1",
        "key": key,
        "name": "Escalation",
        "start_activity": "triage",
        "activities": [
            {
                "key": "triage",
                "name": "Triage",
                "type": "user_task",
                "dialogs": [
                    {
                        "key": "rate",
                        "name": "Rate",
                        "fields": [
                            {"name": "DynamicField_Urgency", "display": "mandatory"},
                            {"name": "DynamicField_EscalationReason"},
                        ],
                    }
                ],
            },
            {"key": "escalate", "name": "Escalate", "type": "end"},
            {"key": "close", "name": "Close", "type": "end"},
        ],
        "transitions": [
            {
                "key": "high",
                "name": "High",
                "source": "triage",
                "target": "escalate",
                "condition": "DynamicField_Urgency = 'high'",
                "actions": high_actions,
            },
            {
                "key": "low",
                "name": "Low",
                "source": "triage",
                "target": "close",
                "condition": "DynamicField_Urgency = 'low'",
            },
        ],
        "layout": {
            "triage": {"x": 100, "y": 100},
            "escalate": {"x": 350, "y": 40},
            "close": {"x": 350, "y": 180},
        },
    }
