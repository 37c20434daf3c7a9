"""The ``web_service`` job: a service task's call, its answer stored on the ticket, the process moved on.

``run`` reads the ticket and the web service (one short transaction — or none: the worker has
``prepare_claimed`` do it in the transaction that claimed the job), makes the call outside any
transaction (a slow service must not hold database locks), then in one transaction records a summary
of request and answer in the ticket history (``ServiceTask``) and lets the engine continue with
``ServiceTaskCompleted`` — which stores the mapped values and takes the next transition.

The call carries an ``Idempotency-Key`` stable for the job across retries and crashes (the job's own
idempotency key, else ``job-<id>``), so a receiver can tell a repeated call from a new one.

A job is stale when the ticket no longer waits at the job's activity (an admin moved it on, or a
duplicate delivery already completed it): then nothing is called or written.

``give_up`` hands a final failure to the engine as ``ServiceTaskFailed``: when the activity models
an error transition for the error code, the ticket takes it and the failure is handled (True).
Without one the engine marks the position FAILED — the ticket shows the failure — and ``give_up``
returns False so that the worker opens an incident as well. ``resume`` (an incident retried) calls
again with the same key and continues from that FAILED position as if it had been waiting.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

import structlog

from ticketflow.domain.engine import ServiceTaskCompleted, ServiceTaskFailed
from ticketflow.domain.errors import (
    ConflictError,
    InvalidInputError,
    JobError,
    PermanentError,
    RetryableError,
    TicketflowError,
)
from ticketflow.domain.positions import PositionStatus
from ticketflow.domain.tickets import Ticket, TicketSnapshot, Value
from ticketflow.domain.webservice_mapping import (
    ServiceRequest,
    ServiceResponse,
    build_request,
    map_response,
    summarize_request,
    summarize_response,
)
from ticketflow.domain.webservices import Invoker, WebServiceConfig, parse_web_service
from ticketflow.usecases.catalog_cache import CatalogReads
from ticketflow.usecases.catalog_records import CustomerUser, WebService
from ticketflow.usecases.job_records import Claim
from ticketflow.usecases.jobs import AttemptFinish
from ticketflow.usecases.ports import UnitOfWork, UnitOfWorkFactory, WebServiceClient
from ticketflow.usecases.records import HistoryEntry, Job
from ticketflow.usecases.runtime import ProcessRuntime
from ticketflow.usecases.steps import Actor, run_engine

KIND = "web_service"
WORKER = Actor("worker")
# Another writer may change the ticket between our read and our write; the call is made once, the
# write is retried on a fresh read (the engine re-checks that the ticket still waits).
WRITE_ATTEMPTS = 3

_PREFETCH_LIMIT = 10_000  # prepared requests kept at most (each is taken by its job's run)

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class ServicePayload:
    """The job payload written by ``ticketflow.usecases.steps`` for a ``CallWebService`` effect."""

    ticket_id: int
    activity: str
    web_service: str
    invoker: str
    parameters: Mapping[str, str]
    timeout: timedelta | None
    error_code: str | None

    @classmethod
    def of(cls, job: Job) -> ServicePayload:
        data = job.payload
        try:
            seconds = float(data.get("timeout_seconds") or 0)
            return cls(
                ticket_id=int(data.get("ticket_id") or job.ticket_id or 0),
                activity=str(data["activity"]),
                web_service=str(data["web_service"]),
                invoker=str(data["invoker"]),
                parameters={str(k): str(v) for k, v in dict(data.get("parameters") or {}).items()},
                timeout=timedelta(seconds=seconds) if seconds > 0 else None,
                error_code=str(data["error_code"]) if data.get("error_code") else None,
            )
        except (KeyError, TypeError, ValueError) as error:
            raise PermanentError(f"job {job.id} has a malformed web_service payload: {error}") from None


# A prepared call: the request and the invoker that maps its answer; None for a stale job.
_Prepared = tuple[ServiceRequest, Invoker] | None
_NOT_PREPARED: Any = object()


def idempotency_key(job: Job) -> str:
    """The key a receiver deduplicates by: the same for every attempt of the job."""
    return job.idempotency_key or f"job-{job.id}"


class ServiceTaskJobs:
    """The ``JobHandler`` for ``web_service`` jobs (see the module docstring)."""

    kind = KIND

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        runtime: ProcessRuntime,
        client: WebServiceClient,
        actor: Actor = WORKER,
        *,
        records: CatalogReads | None = None,
    ) -> None:
        self._uow = uow
        self._runtime = runtime
        self._client = client
        self._actor = actor
        # The web service and the customer user, read once per ``catalog_ttl`` instead of per job.
        self._records = records or CatalogReads(runtime.catalog_ttl)
        # Requests prepared in the claim's transaction (``prepare_claimed``), by (job id, attempt).
        self._prefetched: dict[tuple[int, int], _Prepared] = {}

    def run(self, job: Job, now: datetime) -> None:
        self._call(job, now, accept_failed=False)

    def resume(self, job: Job, now: datetime) -> None:
        self._call(job, now, accept_failed=True)

    def run_finishing(self, job: Job, now: datetime, *, resume: bool, finish: AttemptFinish) -> None:
        """``run``/``resume`` with the job marked done in the transaction that stores the answer."""
        self._call(job, now, accept_failed=resume, finish=finish)

    def give_up(self, job: Job, error: JobError, now: datetime) -> bool:
        payload = ServicePayload.of(job)
        with self._uow() as uow:
            ticket = uow.tickets.get(payload.ticket_id)
            if not _current(uow, job, payload.activity):
                log.info("service job superseded on give up", job_id=job.id, ticket_id=ticket.id)
                return True
            if _waits(ticket, payload.activity, accept_failed=True) and not _waits(
                ticket, payload.activity, accept_failed=False
            ):
                return False  # FAILED here already (a retried incident failed again): keep an incident
            if not _waits(ticket, payload.activity, accept_failed=False):
                log.info("service job stale on give up", job_id=job.id, ticket_id=ticket.id)
                return True  # the process is elsewhere already: nothing to fail, nothing to keep open
            failed = ServiceTaskFailed(error.message, payload.error_code)
            moved = run_engine(uow, self._runtime, ticket, failed, self._actor, now)
            uow.commit()
        handled = moved.process is None or moved.process.status is not PositionStatus.FAILED
        log.info("service task failed", job_id=job.id, ticket_id=moved.id, error_transition=handled)
        return handled

    def prepare_claimed(self, uow: UnitOfWork, claims: Sequence[Claim], now: datetime) -> None:
        """Read what the calls of freshly claimed jobs need in the claim's own transaction (the
        optional ``JobHandler`` hook): the read then costs no transaction of its own — BEGIN,
        ROLLBACK and a pool checkout less per job. The request is built from the ticket as it was at
        the claim, a moment after the job was queued, as before; the answer is stored only if the
        ticket still waits (``_complete`` reads it again). A job that cannot be prepared here is
        prepared again when it runs, which raises what it must."""
        if len(self._prefetched) > _PREFETCH_LIMIT:  # claims never run (a lost lease): start afresh
            self._prefetched.clear()
        for claim in claims:
            job = claim.job
            try:
                payload = ServicePayload.of(job)
                prepared = self._prepare_in(uow, job, payload, now, accept_failed=claim.resume, claim=claim)
            except TicketflowError:  # e.g. the ticket is gone: the run meets it and says so
                continue
            self._prefetched[(job.id, job.attempts)] = prepared

    def _call(
        self, job: Job, now: datetime, *, accept_failed: bool, finish: AttemptFinish | None = None
    ) -> None:
        payload = ServicePayload.of(job)
        claim = finish.claim if finish is not None else None
        prefetched = self._prefetched.pop((job.id, job.attempts), _NOT_PREPARED)
        if prefetched is _NOT_PREPARED:
            with self._uow() as uow:
                prepared = self._prepare_in(uow, job, payload, now, accept_failed=accept_failed, claim=claim)
        else:
            prepared = prefetched
        if prepared is None:
            return
        request, invoker = prepared
        with finish.outside() if finish is not None else nullcontext():
            response = self._client.call(request)
        values = map_response(invoker, response, now)
        self._complete(
            job, payload, request, response, values, now, accept_failed=accept_failed, finish=finish
        )

    def _prepare_in(
        self,
        uow: UnitOfWork,
        job: Job,
        payload: ServicePayload,
        now: datetime,
        *,
        accept_failed: bool,
        claim: Claim | None = None,
    ) -> _Prepared:
        """The request of ``job`` and the invoker that judges its answer, or None when the job is
        stale; PermanentError when the web service cannot be used."""
        ticket = uow.tickets.get(payload.ticket_id)
        # Checked before the call too (free while the claim's reading holds): a job superseded by
        # a newer wait of the same activity must not place the order a second time.
        if not _waits(ticket, payload.activity, accept_failed=accept_failed) or (
            claim is not None and not _current(uow, job, payload.activity, ticket, claim)
        ):
            log.info("service job stale: the ticket does not wait for it", job_id=job.id, ticket_id=ticket.id)
            return None
        record = self._records.find(uow, WebService, payload.web_service)
        if record is None or not record.valid:
            raise PermanentError(f"web service '{payload.web_service}' is not registered (or invalid)")
        catalog = self._runtime.catalog(uow, now)
        labels = self._runtime.engine_context(catalog, now).dynamic_field_labels
        snapshot = ticket_snapshot(uow, ticket, self._records)
        try:
            service = self._parsed(record)
            request = build_request(
                service,
                payload.invoker,
                payload.parameters,
                snapshot,
                timeout=payload.timeout,
                idempotency_key=idempotency_key(job),
                labels=labels,
            )
            invoker = service.get_invoker(payload.invoker)
            _check_targets(invoker.response, frozenset(catalog.dynamic_fields))
        except InvalidInputError as error:
            raise PermanentError(f"{payload.web_service}/{payload.invoker}: {error.message}") from None
        return request, invoker

    def _parsed(self, record: WebService) -> WebServiceConfig:
        """The record's config parsed, once per record read (InvalidInputError if unusable)."""
        parsed: WebServiceConfig = self._records.derived(
            "parsed", record, record.name, lambda: parse_web_service(record.name, record.config)
        )
        return parsed

    def _complete(
        self,
        job: Job,
        payload: ServicePayload,
        request: ServiceRequest,
        response: ServiceResponse,
        values: Mapping[str, Value],
        now: datetime,
        *,
        accept_failed: bool,
        finish: AttemptFinish | None = None,
    ) -> None:
        summary = _summary(job, request, response, values)
        for _ in range(WRITE_ATTEMPTS):
            try:
                with self._uow() as uow:
                    ticket = uow.tickets.get(payload.ticket_id)
                    claim = finish.claim if finish is not None else None
                    if not _waits(ticket, payload.activity, accept_failed=accept_failed) or not _current(
                        uow, job, payload.activity, ticket, claim
                    ):
                        log.info(
                            "service answer stale: the ticket moved on", job_id=job.id, ticket_id=ticket.id
                        )
                        return
                    name = (
                        f"%%{payload.web_service}%%{payload.invoker}%%{response.status}%%{payload.activity}"
                    )
                    entry = HistoryEntry(ticket.id, "ServiceTask", name, now, self._actor.login, [summary])
                    uow.tickets.add_history(entry)
                    changed = _waiting_again(ticket)
                    event = ServiceTaskCompleted(values)
                    run_engine(uow, self._runtime, ticket, event, self._actor, now, changed=changed)
                    if finish is not None:
                        finish.commit(uow)
                    else:
                        uow.commit()
                    log.info(
                        "service task completed", job_id=job.id, ticket_id=ticket.id, status=response.status
                    )
                    return
            except ConflictError:
                continue
            except InvalidInputError as error:
                # A mapped value the ticket cannot take (e.g. not a possible value of a dropdown).
                raise PermanentError(f"the answer cannot be stored: {error.message}") from None
        raise RetryableError(f"ticket {payload.ticket_id} kept changing while storing the answer")


def _current(
    uow: UnitOfWork, job: Job, activity: str, ticket: Ticket | None = None, claim: Claim | None = None
) -> bool:
    """Whether ``job`` is the newest call of ``activity`` for its ticket: an activity entered again
    (an error transition leading back to it) has a job of its own, and an old job must not answer
    or fail the new wait.

    The claim read the newest such job together with the ticket's version; while ``ticket`` (read
    in this transaction) still has that version, no step has queued a newer one since — a step that
    queues a job writes its ticket — so the claim's answer holds and the store is not asked again.
    """
    if (
        claim is not None
        and ticket is not None
        and claim.job.id == job.id
        and claim.ticket_version == ticket.version
    ):
        newest = claim.newest_sibling
    else:
        newest = uow.jobs.find_newest_job(job.ticket_id, KIND, activity)
    return newest is None or newest <= job.id


def _waits(ticket: Ticket, activity: str, *, accept_failed: bool) -> bool:
    position = ticket.process
    if position is None or position.activity_key != activity:
        return False
    allowed = (PositionStatus.WAITING, PositionStatus.FAILED) if accept_failed else (PositionStatus.WAITING,)
    return position.status in allowed


def _waiting_again(ticket: Ticket) -> Ticket | None:
    """A retried incident: the FAILED position waits for the answer again, written with the step."""
    position = ticket.process
    if position is None or position.status is not PositionStatus.FAILED:
        return None
    return replace(ticket, process=replace(position, status=PositionStatus.WAITING, failure=None))


def _check_targets(response_mapping: Mapping[str, str], known_fields: frozenset[str]) -> None:
    for target in response_mapping:
        if target.startswith("DynamicField_") and target[len("DynamicField_") :] not in known_fields:
            raise InvalidInputError(
                f"the response mapping names an unknown dynamic field '{target}'", "MappingInbound"
            )


def _summary(
    job: Job, request: ServiceRequest, response: ServiceResponse, values: Mapping[str, Value]
) -> dict[str, object]:
    return {
        "job_id": job.id,
        "attempt": job.attempts,
        "request": summarize_request(request),
        "response": {"status": response.status, "body": summarize_response(response)},
        "elapsed_ms": round(response.elapsed.total_seconds() * 1000),
        "values": {key: list(value) if isinstance(value, tuple) else value for key, value in values.items()},
        "text": f"{request.method} {request.url} → HTTP {response.status}",
    }


def ticket_snapshot(uow: UnitOfWork, ticket: Ticket, records: CatalogReads | None = None) -> TicketSnapshot:
    """The ticket with its customer user's data, for ``<OTOBO_CUSTOMER_DATA_…>`` in templates (read
    through ``records`` when given)."""
    login = ticket.customer_user_id
    if not login:
        return ticket.snapshot()
    user = records.find(uow, CustomerUser, login) if records else uow.catalog.find(CustomerUser, login)
    if user is None:
        return ticket.snapshot()
    customer = {
        "UserLogin": user.login,
        "UserEmail": user.email,
        "UserFirstname": user.first_name,
        "UserLastname": user.last_name,
        "UserCustomerID": user.customer_id,
    }
    return ticket.snapshot(customer=customer)
