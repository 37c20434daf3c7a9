"""The change request: risk sets the priority, the CAB decides, a failed deployment leads to the rollback,
from which IT tries again or abandons. Through the real use cases, and once in Test Mode."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from demo_support import NOW, answer_service, fail_service, mail_jobs, service_jobs

from ticketflow.bootstrap import Application
from ticketflow.domain.positions import PositionStatus
from ticketflow.domain.tickets import Ticket
from ticketflow.usecases.callers import Caller
from ticketflow.usecases.dialogs import submit_dialog
from ticketflow.usecases.records import TicketQuery
from ticketflow.usecases.testmode import ProcessSource, parse_test_input, run_test_mode
from ticketflow.usecases.tickets import TicketInput, create_ticket

ITOPS = Caller("itops")
MANAGER = Caller("manager")

CHANGE = {
    "Title": "Upgrade the mail server",
    "DynamicField_ChangeDescription": "Move the mail server to the supported release.",
    "DynamicField_ChangeSystems": ["mail", "directory"],
    "DynamicField_ChangePlannedAt": "2025-03-08 22:00",
}
ASSESSMENT = {"DynamicField_ChangeRisk": "high", "DynamicField_ChangeBackoutPlan": "Restore the snapshot."}


def _submit(
    app: Application, ticket: Ticket, dialog: str, fields: Mapping[str, str | Sequence[str]], caller: Caller
) -> Ticket:
    return submit_dialog(app.uow, app.runtime, ticket.id, dialog, fields, caller=caller, now=NOW)


def _at(ticket: Ticket) -> tuple[str, PositionStatus]:
    assert ticket.process is not None
    return ticket.process.activity_key, ticket.process.status


def _approved_change(app: Application) -> Ticket:
    ticket = create_ticket(
        app.uow,
        app.runtime,
        TicketInput(),
        caller=ITOPS,
        now=NOW,
        process_key="change-request",
        start_values=CHANGE,
    )
    ticket = _submit(app, ticket, "assess", ASSESSMENT, ITOPS)
    return _submit(app, ticket, "cab-decide", {"DynamicField_CABDecision": "approved"}, MANAGER)


def test_assessed_risk_sets_the_priority_before_the_cab(demo_app: Application) -> None:
    ticket = create_ticket(
        demo_app.uow,
        demo_app.runtime,
        TicketInput(),
        caller=ITOPS,
        now=NOW,
        process_key="change-request",
        start_values=CHANGE,
    )
    assert _at(ticket) == ("assessment", PositionStatus.ACTIVE)
    assert (ticket.queue, ticket.type, ticket.owner) == ("Change Management", "Change", "itops")

    assessed = _submit(demo_app, ticket, "assess", ASSESSMENT, ITOPS)

    assert _at(assessed) == ("cab-approval", PositionStatus.ACTIVE)
    assert (assessed.priority, assessed.owner) == ("4 high", "manager")
    assert mail_jobs(demo_app, ticket.id)[-1].payload["recipients"] == ["role:Change Advisory Board"]


def test_approved_change_waits_for_the_deployment(demo_app: Application) -> None:
    ticket = _approved_change(demo_app)

    assert _at(ticket) == ("implementation", PositionStatus.WAITING)
    [job] = service_jobs(demo_app, ticket.id)
    assert (job.payload["web_service"], job.payload["invoker"]) == ("Deploy", "RunDeployment")
    assert (job.payload["timeout_seconds"], job.payload["error_code"]) == (300, "DEPLOY_FAILED")
    assert job.payload["parameters"]["Systems"] == "mail, directory"


def test_failed_deployment_rolls_back_then_a_retry_deploys_again(demo_app: Application) -> None:
    ticket = _approved_change(demo_app)

    failed = fail_service(demo_app, ticket.id, "DEPLOY_FAILED")
    assert _at(failed) == ("rollback", PositionStatus.ACTIVE)
    assert failed.priority == "5 very high"
    assert mail_jobs(demo_app, ticket.id)[-1].payload["recipients"] == ["owner", "role:IT Operations"]

    rollback = {"DynamicField_RollbackDecision": "retry", "Subject": "Rolled back", "Body": "Disk was full."}
    retried = _submit(demo_app, failed, "rollback-done", rollback, ITOPS)
    assert _at(retried) == ("implementation", PositionStatus.WAITING)
    assert len(service_jobs(demo_app, ticket.id)) == 2

    # A second failure must ask again: the earlier "retry" may not carry the ticket straight back.
    again = fail_service(demo_app, ticket.id, "DEPLOY_FAILED")
    assert _at(again) == ("rollback", PositionStatus.ACTIVE)
    assert again.dynamic_fields.get("RollbackDecision", "") == ""


def test_abandoned_change_ends_closed_failed(demo_app: Application) -> None:
    failed = fail_service(demo_app, _approved_change(demo_app).id, "DEPLOY_FAILED")

    rollback = {"DynamicField_RollbackDecision": "abandon", "Subject": "Rolled back", "Body": "Vendor bug."}
    ended = _submit(demo_app, failed, "rollback-done", rollback, ITOPS)

    assert _at(ended) == ("closed-failed", PositionStatus.COMPLETED)
    assert ended.state == "closed unsuccessful"


def test_deployed_change_is_reviewed_and_closed(demo_app: Application) -> None:
    deployed = answer_service(demo_app, _approved_change(demo_app).id, {"DynamicField_DeploymentId": "D-77"})
    assert _at(deployed) == ("review", PositionStatus.ACTIVE)
    assert deployed.owner == "manager"

    closed = _submit(demo_app, deployed, "post-review", {"DynamicField_ReviewResult": "issues"}, MANAGER)

    assert _at(closed) == ("closed", PositionStatus.COMPLETED)
    assert closed.state == "closed successful"


def test_cab_rejection_closes_the_change(demo_app: Application) -> None:
    ticket = create_ticket(
        demo_app.uow,
        demo_app.runtime,
        TicketInput(),
        caller=ITOPS,
        now=NOW,
        process_key="change-request",
        start_values=CHANGE,
    )
    ticket = _submit(demo_app, ticket, "assess", {**ASSESSMENT, "DynamicField_ChangeRisk": "low"}, ITOPS)
    assert ticket.priority == "2 low"

    rejected = _submit(demo_app, ticket, "cab-decide", {"DynamicField_CABDecision": "rejected"}, MANAGER)

    assert _at(rejected) == ("closed-failed", PositionStatus.COMPLETED)
    assert rejected.state == "closed unsuccessful"


def test_test_mode_plays_the_deploy_failed_path_without_writing(demo_app: Application) -> None:
    scenario = parse_test_input(
        {
            "ticket": {"Title": "Upgrade the mail server", "Queue": "Change Management"},
            "submissions": [
                {"dialog": "describe-change", "fields": CHANGE},
                {"dialog": "assess", "fields": ASSESSMENT},
                {"dialog": "cab-decide", "fields": {"DynamicField_CABDecision": "approved"}},
                {
                    "dialog": "rollback-done",
                    "fields": {
                        "DynamicField_RollbackDecision": "abandon",
                        "Subject": "Rolled back",
                        "Body": "No.",
                    },
                },
            ],
            "service_results": {"implementation": {"error": "DEPLOY_FAILED", "message": "exit code 2"}},
        }
    )

    report = run_test_mode(
        demo_app.uow, demo_app.runtime, ProcessSource(key="change-request"), scenario, now=NOW
    )

    assert report.path == (
        "request",
        "assessment",
        "set-priority",
        "cab-approval",
        "implementation",
        "rollback",
        "closed-failed",
    )
    assert report.final_data["State"] == "closed unsuccessful"
    assert report.final_data["Priority"] == "5 very high"
    with demo_app.uow() as uow:
        assert uow.tickets.count(TicketQuery()) == 0
