"""Employee onboarding end to end: the IT-equipment sub-process runs in a linked child ticket while the
parent waits; the child's end hands the asset tag back and the parent goes on to the directory."""

from __future__ import annotations

from demo_support import NOW, answer_service, get_ticket, service_jobs

from ticketflow.bootstrap import Application
from ticketflow.domain.positions import PositionStatus
from ticketflow.domain.tickets import Ticket
from ticketflow.usecases.callers import Caller
from ticketflow.usecases.dialogs import submit_dialog
from ticketflow.usecases.tickets import TicketInput, create_ticket

HR = Caller("hr")
ITOPS = Caller("itops")

NEW_HIRE = {
    "DynamicField_NewHireName": "Jonas Doe",
    "DynamicField_NewHireStartDate": "2025-03-17",
    "DynamicField_NewHireDepartment": "engineering",
    "DynamicField_NewHireEquipment": ["laptop", "monitor"],
}


def _at(ticket: Ticket) -> tuple[str, str, PositionStatus]:
    assert ticket.process is not None
    return ticket.process.process_key, ticket.process.activity_key, ticket.process.status


def _start(app: Application) -> Ticket:
    return create_ticket(
        app.uow,
        app.runtime,
        TicketInput(),
        caller=HR,
        now=NOW,
        process_key="employee-onboarding",
        start_values=NEW_HIRE,
    )


def _child_of(app: Application, parent: Ticket) -> Ticket:
    with app.uow() as uow:
        links = uow.tickets.list_links(parent.id)
    [link] = [link for link in links if link.link_type == "ParentChild"]
    assert link.source_id == parent.id
    return get_ticket(app, link.target_id)


def test_recording_a_hire_starts_the_equipment_child_and_the_parent_waits(demo_app: Application) -> None:
    parent = get_ticket(demo_app, _start(demo_app).id)

    assert _at(parent) == ("employee-onboarding", "equipment", PositionStatus.WAITING)
    assert (parent.queue, parent.owner, parent.state) == ("HR", "hr", "open")
    # compute_date: two working days before Monday the 17th is Thursday, at its opening (08:00 Berlin).
    assert parent.dynamic_fields["AccountDeadline"] == "2025-03-13 07:00:00"
    child = _child_of(demo_app, parent)
    assert child.parent_ticket_id == parent.id
    assert _at(child) == ("it-equipment", "prepare", PositionStatus.ACTIVE)
    assert (child.queue, child.owner, child.state) == ("IT", "itops", "open")
    assert child.title == "Equipment for Jonas Doe"
    assert child.dynamic_fields["EquipmentFor"] == "Jonas Doe"
    assert child.dynamic_fields["EquipmentList"] == ("laptop", "monitor")
    assert child.dynamic_fields["EquipmentNeededBy"] == "2025-03-17 00:00:00"


def test_the_finished_child_resumes_the_parent_with_the_asset_tag(demo_app: Application) -> None:
    parent = _start(demo_app)
    child = _child_of(demo_app, parent)

    done = submit_dialog(
        demo_app.uow,
        demo_app.runtime,
        child.id,
        "equipment-ready",
        {"DynamicField_AssetTag": "EC-2025-0042", "DynamicField_EquipmentChecked": "1"},
        caller=ITOPS,
        now=NOW,
    )

    assert _at(done) == ("it-equipment", "end", PositionStatus.COMPLETED)
    assert done.state == "closed successful"
    resumed = get_ticket(demo_app, parent.id)
    assert _at(resumed) == ("employee-onboarding", "create-account", PositionStatus.WAITING)
    assert resumed.dynamic_fields["NewHireLaptopTag"] == "EC-2025-0042"
    [job] = service_jobs(demo_app, parent.id)
    assert (job.payload["web_service"], job.payload["invoker"]) == ("Directory", "CreateAccount")
    assert job.payload["parameters"]["Laptop"] == "EC-2025-0042"


def test_onboarding_ends_after_the_account_and_the_welcome(demo_app: Application) -> None:
    parent = _start(demo_app)
    child = _child_of(demo_app, parent)
    submit_dialog(
        demo_app.uow,
        demo_app.runtime,
        child.id,
        "equipment-ready",
        {"DynamicField_AssetTag": "EC-2025-0042", "DynamicField_EquipmentChecked": "1"},
        caller=ITOPS,
        now=NOW,
    )

    waiting = answer_service(demo_app, parent.id, {"DynamicField_NewHireAccount": "jdoe"})
    assert _at(waiting) == ("employee-onboarding", "welcome", PositionStatus.ACTIVE)
    assert waiting.state == "pending reminder"

    done = submit_dialog(
        demo_app.uow,
        demo_app.runtime,
        parent.id,
        "welcome-held",
        {"DynamicField_WelcomeDone": "1"},
        caller=HR,
        now=NOW,
    )

    assert _at(done) == ("employee-onboarding", "end", PositionStatus.COMPLETED)
    assert done.state == "closed successful"
    assert done.dynamic_fields["NewHireAccount"] == "jdoe"
