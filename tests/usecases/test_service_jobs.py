"""The ``web_service`` job handler through the real store with a fake ``WebServiceClient``: the
failure without an error transition (FAILED *and* an incident), resuming it, stale jobs, bad configs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from usecase_support import NOW, read_process

from ticketflow.domain.errors import PermanentError
from ticketflow.domain.positions import PositionStatus
from ticketflow.domain.webservice_mapping import ServiceRequest, ServiceResponse
from ticketflow.usecases.callers import Caller
from ticketflow.usecases.catalog_records import WebService
from ticketflow.usecases.dialogs import submit_dialog
from ticketflow.usecases.job_records import Claim
from ticketflow.usecases.jobs import AttemptFinish
from ticketflow.usecases.ports import UnitOfWork
from ticketflow.usecases.processes import deploy_process, import_process
from ticketflow.usecases.records import Job, JobStatus
from ticketflow.usecases.runtime import ProcessRuntime
from ticketflow.usecases.service_jobs import ServiceTaskJobs
from ticketflow.usecases.tickets import TicketInput, create_ticket

AGENT = Caller("root@localhost")
Store = Callable[[], UnitOfWork]


class FakeClient:
    def __init__(self, response: ServiceResponse) -> None:
        self.response = response
        self.requests: list[ServiceRequest] = []

    def call(self, request: ServiceRequest) -> ServiceResponse:
        self.requests.append(request)
        return self.response


def _erp_config(target: str = "DynamicField_Amount") -> dict[str, Any]:
    return {
        "Requester": {
            "Transport": {
                "Type": "HTTP::REST",
                "Config": {
                    "Host": "https://erp.example.com",
                    "InvokerControllerMapping": {"CreateOrder": {"Command": "POST", "Controller": "/orders"}},
                },
            },
            "Invoker": {"CreateOrder": {"MappingInbound": {"Config": {target: "$.total"}}}},
        }
    }


def _waiting_job(store: Store, runtime: ProcessRuntime, *, fallback: bool, service: str = "ERP2") -> Job:
    """A ticket of a purchase process waiting at its service task ``order``, and its job."""
    document = read_process("purchase_request.json")
    for activity in document["activities"]:
        if activity["key"] == "order":
            activity["service"]["web_service"] = service
    if not fallback:
        document["transitions"] = [t for t in document["transitions"] if not t.get("error_code")]
    with store() as uow:
        uow.catalog.add(WebService("ERP2", _erp_config()))
        uow.catalog.add(WebService("Broken", _erp_config("DynamicField_Nope")))
        uow.commit()
    import_process(store, runtime, document, imported_by="admin", now=NOW)
    deploy_process(store, runtime, "purchase-request", deployed_by="admin", now=NOW)
    ticket = create_ticket(
        store,
        runtime,
        request=TicketInput(),
        caller=AGENT,
        now=NOW,
        process_key="purchase-request",
        start_values={"Title": "Two monitors", "DynamicField_Amount": "480"},
    )
    submit_dialog(
        store, runtime, ticket.id, "decide", {"DynamicField_Status": "approved"}, caller=AGENT, now=NOW
    )
    with store() as uow:
        [job] = uow.jobs.list_jobs(ticket_id=ticket.id)
    return job


def _position(store: Store, ticket_id: int | None) -> tuple[str, PositionStatus]:
    assert ticket_id is not None
    with store() as uow:
        position = uow.tickets.get(ticket_id).process
    assert position is not None
    return position.activity_key, position.status


def test_without_an_error_transition_the_ticket_fails_and_an_incident_is_asked_for(
    store: Store, runtime: ProcessRuntime
) -> None:
    job = _waiting_job(store, runtime, fallback=False)
    client = FakeClient(ServiceResponse(201, '{"total": "470"}'))
    handler = ServiceTaskJobs(store, runtime, client)

    assert handler.give_up(job, PermanentError("HTTP 400"), NOW) is False
    assert _position(store, job.ticket_id) == ("order", PositionStatus.FAILED)
    assert handler.give_up(job, PermanentError("again"), NOW) is False  # still failed: still an incident

    handler.resume(job, NOW)  # a person retried the incident: the same call, then onwards

    assert _position(store, job.ticket_id) == ("done", PositionStatus.COMPLETED)
    assert [r.headers["Idempotency-Key"] for r in client.requests] == [f"job-{job.id}"]
    with store() as uow:
        assert uow.tickets.get(job.ticket_id or 0).dynamic_fields["Amount"] == "470"


def test_with_an_error_transition_give_up_takes_it(store: Store, runtime: ProcessRuntime) -> None:
    job = _waiting_job(store, runtime, fallback=True)
    handler = ServiceTaskJobs(store, runtime, FakeClient(ServiceResponse(500, "")))

    assert handler.give_up(job, PermanentError("HTTP 400"), NOW) is True
    # erp-failed leads back to the approval, which still holds: the order is placed again, as a new job
    assert _position(store, job.ticket_id) == ("order", PositionStatus.WAITING)
    with store() as uow:
        jobs = uow.jobs.list_jobs(ticket_id=job.ticket_id)
    assert [j.id for j in jobs] == [job.id, job.id + 1]
    assert handler.give_up(job, PermanentError("late"), NOW) is True  # superseded: the new wait stays
    assert _position(store, job.ticket_id) == ("order", PositionStatus.WAITING)
    with store() as uow:  # the one-row staleness query agrees with the job list
        assert uow.jobs.find_newest_job(job.ticket_id, "web_service", "order") == job.id + 1
        assert uow.jobs.find_newest_job(job.ticket_id, "web_service", "elsewhere") is None
        assert uow.jobs.find_newest_job(job.ticket_id, "email", "order") is None


def test_a_stale_job_calls_nothing(store: Store, runtime: ProcessRuntime) -> None:
    job = _waiting_job(store, runtime, fallback=True)
    client = FakeClient(ServiceResponse(201, '{"total": "1"}'))
    handler = ServiceTaskJobs(store, runtime, client)
    handler.run(job, NOW)
    handler.run(job, NOW)
    assert len(client.requests) == 1
    assert _position(store, job.ticket_id) == ("done", PositionStatus.COMPLETED)


@pytest.mark.parametrize(
    ("service", "message"),
    [
        ("ERP", "Requester.Transport.Config.Host"),
        ("Broken", "unknown dynamic field"),
    ],
)
def test_unusable_web_services_fail_for_good_before_any_call(
    store: Store, runtime: ProcessRuntime, service: str, message: str
) -> None:
    job = _waiting_job(store, runtime, fallback=True, service=service)
    client = FakeClient(ServiceResponse(201, "{}"))
    with pytest.raises(PermanentError, match=message):
        ServiceTaskJobs(store, runtime, client).run(job, NOW)
    assert client.requests == []


def _claimed(store: Store, job: Job) -> Claim:
    with store() as uow:
        [claim] = uow.jobs.claim(["web_service"], worker="w1", now=NOW, lease=timedelta(minutes=1), limit=5)
        uow.commit()
    assert claim.job.id == job.id
    return claim


def _version(store: Store, ticket_id: int | None) -> int:
    with store() as uow:
        return uow.tickets.get(ticket_id or 0).version


def test_a_claim_reads_the_tickets_version_and_the_newest_call_of_the_activity(
    store: Store, runtime: ProcessRuntime
) -> None:
    job = _waiting_job(store, runtime, fallback=True)

    claim = _claimed(store, job)

    assert (claim.ticket_version, claim.newest_sibling) == (_version(store, job.ticket_id), job.id)


def test_a_job_the_claim_saw_superseded_calls_nothing(store: Store, runtime: ProcessRuntime) -> None:
    job = _waiting_job(store, runtime, fallback=True)
    claim = _claimed(store, job)
    # As the claim would have read it had a newer call of ``order`` been queued before it: the
    # ticket unchanged since, so the handler trusts the claim and asks the store nothing more.
    superseded = replace(claim, newest_sibling=job.id + 1)
    client = FakeClient(ServiceResponse(201, '{"total": "1"}'))

    ServiceTaskJobs(store, runtime, client).run_finishing(
        job, NOW, resume=False, finish=AttemptFinish(superseded, "w1", lambda: NOW)
    )

    assert client.requests == []
    assert _position(store, job.ticket_id) == ("order", PositionStatus.WAITING)


def test_a_ticket_changed_since_the_claim_is_asked_again_for_the_newest_call(
    store: Store, runtime: ProcessRuntime
) -> None:
    job = _waiting_job(store, runtime, fallback=True)
    claim = _claimed(store, job)
    handler = ServiceTaskJobs(store, runtime, FakeClient(ServiceResponse(500, "")))
    # After the claim the ticket leaves ``order`` by its error transition and enters it again: a
    # newer job waits there now, which the claim could not see.
    assert handler.give_up(job, PermanentError("HTTP 400"), NOW) is True
    assert _position(store, job.ticket_id) == ("order", PositionStatus.WAITING)
    assert claim.ticket_version != _version(store, job.ticket_id)
    client = FakeClient(ServiceResponse(201, '{"total": "1"}'))

    ServiceTaskJobs(store, runtime, client).run_finishing(
        job, NOW, resume=False, finish=AttemptFinish(claim, "w1", lambda: NOW)
    )

    assert client.requests == []  # the old job must not answer the new wait
    assert _position(store, job.ticket_id) == ("order", PositionStatus.WAITING)


def test_a_claimed_job_finishes_in_the_transaction_that_stores_the_answer(
    store: Store, runtime: ProcessRuntime
) -> None:
    job = _waiting_job(store, runtime, fallback=True)
    claim = _claimed(store, job)
    client = FakeClient(ServiceResponse(201, '{"total": "470"}'))
    finish = AttemptFinish(claim, "w1", lambda: NOW)

    ServiceTaskJobs(store, runtime, client).run_finishing(claim.job, NOW, resume=False, finish=finish)

    assert finish.kept is True
    assert len(client.requests) == 1
    assert _position(store, job.ticket_id) == ("done", PositionStatus.COMPLETED)
    with store() as uow:
        assert uow.jobs.find(job.id).status is JobStatus.DONE  # type: ignore[union-attr]


class CountingStore:
    """The store, counting the units of work opened through it."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self.opened = 0

    def __call__(self) -> UnitOfWork:
        self.opened += 1
        return self._store()


def test_a_job_prepared_in_its_claims_transaction_runs_with_one_transaction(
    store: Store, runtime: ProcessRuntime
) -> None:
    job = _waiting_job(store, runtime, fallback=True)
    counting = CountingStore(store)
    client = FakeClient(ServiceResponse(201, '{"total": "470"}'))
    handler = ServiceTaskJobs(counting, runtime, client)
    with store() as uow:
        [claim] = uow.jobs.claim(["web_service"], worker="w1", now=NOW, lease=timedelta(minutes=1))
        handler.prepare_claimed(uow, [claim], NOW)
        uow.commit()

    finish = AttemptFinish(claim, "w1", lambda: NOW)
    handler.run_finishing(claim.job, NOW, resume=False, finish=finish)

    assert counting.opened == 1  # the answer's transaction only: the request was built at the claim
    assert finish.kept is True
    assert [r.headers["Idempotency-Key"] for r in client.requests] == [f"job-{job.id}"]
    assert _position(store, job.ticket_id) == ("done", PositionStatus.COMPLETED)


def test_a_job_found_stale_at_its_claim_calls_nothing(store: Store, runtime: ProcessRuntime) -> None:
    job = _waiting_job(store, runtime, fallback=True)
    client = FakeClient(ServiceResponse(201, '{"total": "1"}'))
    handler = ServiceTaskJobs(store, runtime, client)
    handler.run(job, NOW)  # the ticket moves on: the claimed job below is a duplicate delivery
    with store() as uow:
        uow.jobs.requeue(job.id, run_at=NOW, extra_attempts=1)
        [claim] = uow.jobs.claim(["web_service"], worker="w1", now=NOW, lease=timedelta(minutes=1))
        handler.prepare_claimed(uow, [claim], NOW)
        uow.commit()

    handler.run_finishing(claim.job, NOW, resume=False, finish=AttemptFinish(claim, "w1", lambda: NOW))

    assert len(client.requests) == 1
    assert _position(store, job.ticket_id) == ("done", PositionStatus.COMPLETED)
