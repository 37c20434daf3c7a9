"""The job queue in SQL: jobs are rows written in the caller's transaction; workers claim them.

Claiming is one ``UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED LIMIT n) RETURNING …``: on
PostgreSQL several workers claim concurrently and a row locked by one is skipped by the others, never
waited for nor taken twice; on SQLite the ``FOR UPDATE`` clause is dropped and the unit of work's
``BEGIN IMMEDIATE`` makes the claim the only writer (one worker process per SQLite database).

A claim is a lease (``locked_by``, ``locked_until``): a job whose worker died is claimed again once
its lease has expired. Every write after the claim is fenced by ``locked_by`` and the attempt
number, so a worker that lost its lease cannot overwrite the new owner's work.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

import psycopg
from sqlalchemy import (
    Connection,
    Dialect,
    Engine,
    Integer,
    String,
    and_,
    any_,
    bindparam,
    func,
    insert,
    literal_column,
    null,
    or_,
    select,
    union_all,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY

from ticketflow.db.prepared import Prepared, PreparedInsert, flush_writes, notify_at_commit, write_with_batch
from ticketflow.db.tables import incidents, job_attempts, jobs, tickets
from ticketflow.usecases.job_records import AttemptOutcome, Claim, IncidentStatus, JobAttempt
from ticketflow.usecases.records import Job, JobStatus

DEFAULT_MAX_ATTEMPTS = 10  # OTOBO's scheduler tries a GenericInterface task 10 times
# Workers LISTEN here. A statement inserting jobs NOTIFYs by itself (the table's trigger, migration
# 0013); a requeue, an UPDATE, asks for it (notify_at_commit).
NOTIFY_CHANNEL = "ticketflow_jobs"

_INSERT_JOB = Prepared(insert(jobs).returning(jobs.c.id))
# The step's hot path enqueues, nobody reads the id: inline, so that PostgreSQL does not return it.
_INSERT_JOB_AT_COMMIT = Prepared(insert(jobs).inline())


def _claim_facts(*, inline_key: bool = False) -> tuple[Any, Any]:
    """The columns a claim returns besides the job's (see ``Claim``): its ticket's version and the
    newest job of the same ticket, kind and activity — subqueries of the claiming UPDATE, so the
    web-service handler's staleness check needs no statement of its own. ``inline_key``: the JSON
    key written into the SQL (PostgreSQL's ``->>``) instead of bound, for a statement run with
    named parameters only (``Prepared``)."""
    sibling = jobs.alias("sibling")

    def activity(payload: Any) -> Any:
        if inline_key:
            return payload.op("->>")(literal_column("'activity'"))
        return payload["activity"].as_string()

    newest = (
        select(func.max(sibling.c.id))
        .where(
            sibling.c.ticket_id == jobs.c.ticket_id,
            sibling.c.kind == jobs.c.kind,
            activity(sibling.c.payload) == activity(jobs.c.payload),
        )
        .correlate(jobs)
        .scalar_subquery()
        .label("newest_sibling")
    )
    version = (
        select(tickets.c.version)
        .where(tickets.c.id == jobs.c.ticket_id)
        .correlate(jobs)
        .scalar_subquery()
        .label("ticket_version")
    )
    return newest, version


_NEWEST_SIBLING, _TICKET_VERSION = _claim_facts()


def _claim_statement() -> tuple[Prepared, tuple[Any, ...]]:
    """PostgreSQL's claim (see ``SqlJobQueue.claim``), built once with every value a parameter
    (prefixed, so that none is taken for a column to SET): built, compiled and run through
    ``Connection.execute`` per claim, a claim of 16 jobs cost about 2.4 ms of worker CPU, mostly
    SQLAlchemy's statement building, cache key and result set-up (measured)."""
    newest, version = _claim_facts(inline_key=True)
    now = bindparam("c_now", type_=jobs.c.run_at.type)
    status = jobs.c.status.type
    limit = bindparam("c_limit", type_=Integer)
    kinds = bindparam("c_kinds", type_=ARRAY(String))

    def first_due(*condition: Any) -> Any:
        """The first ``limit`` due jobs meeting ``condition`` by ``run_at``, locked, locked ones skipped."""
        due = jobs.alias("due")
        return (
            select(due.c.id, due.c.run_at)
            .where(due.c.kind == any_(kinds), *(term(due) for term in condition))
            .order_by(due.c.run_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
            .subquery()
        )

    # Queued jobs and jobs whose lease expired, each read in ``ix_jobs_status_run_at``'s order up to
    # the limit; the earliest of both claimed. One condition with OR made PostgreSQL fetch and sort
    # every due job per claim (a bitmap scan: 0.2 ms with 600 queued, growing with the queue and the
    # index entries of rows updated since); the extra rows of the other branch stay locked only
    # until the claim commits.
    queued = first_due(
        lambda due: due.c.status == bindparam("c_queued", type_=status), lambda due: due.c.run_at <= now
    )
    expired = first_due(
        lambda due: due.c.status == bindparam("c_running", type_=status), lambda due: due.c.locked_until < now
    )
    candidates = union_all(
        select(queued.c.id, queued.c.run_at), select(expired.c.id, expired.c.run_at)
    ).subquery()
    picked = select(candidates.c.id).order_by(candidates.c.run_at).limit(limit)
    claiming = (
        update(jobs)
        .where(jobs.c.id.in_(picked.scalar_subquery()))
        .values(
            status=bindparam("c_running", type_=status),
            attempts=jobs.c.attempts + literal_column("1", Integer),
            locked_by=bindparam("c_worker", type_=jobs.c.locked_by.type),
            locked_until=bindparam("c_locked_until", type_=jobs.c.locked_until.type),
        )
    )
    returned = (*jobs.c, newest, version)
    return Prepared(claiming.returning(*returned)), returned


# PostgreSQL's claim and its result columns in order, with ``execute``'s conversions per dialect.
_CLAIM, _CLAIMED_COLUMNS = _claim_statement()
_CLAIM_CONVERSIONS: dict[str, tuple[tuple[str, Callable[[Any], Any] | None], ...]] = {}
_INSERT_ATTEMPTS = PreparedInsert(job_attempts)  # a claim's attempts in one multi-row INSERT


def _claimed_rows(dialect: Dialect, rows: Sequence[Sequence[Any]]) -> list[dict[str, Any]]:
    """The claim's driver rows as ``Connection.execute`` would map them (aware UTC datetimes)."""
    conversions = _CLAIM_CONVERSIONS.get(dialect.name)
    if conversions is None:
        conversions = _CLAIM_CONVERSIONS[dialect.name] = tuple(
            (column.key, column.type.dialect_impl(dialect).result_processor(dialect, None))
            for column in _CLAIMED_COLUMNS
        )
    return [
        {
            name: value if convert is None else convert(value)
            for (name, convert), value in zip(conversions, row, strict=True)
        }
        for row in rows
    ]


# Parameter names of the finishing statements: prefixed, so that none is taken for a column to SET.
_FENCE_KEYS = ("f_job_id", "f_worker", "f_attempt", "f_running", "f_status", "f_job_time")
_CLOSE_KEYS = ("f_job_id", "f_attempt", "f_attempt_time", "f_outcome", "f_error", "f_response")


@functools.cache
def _finish_statements(queued: bool, sets_error: bool) -> tuple[Prepared, Prepared, Prepared]:
    """The fenced job update, the attempt's closing update, and both in one statement (PostgreSQL,
    a CTE) — prepared once per variant: the job goes back to the queue (``run_at``) or ends
    (``finished_at``), with or without ``last_error``. Built and compiled per call, finishing an
    attempt cost about 1 ms of CPU (measured), a fifth of a service job in the worker."""
    values: dict[str, Any] = {
        "status": bindparam("f_status", type_=jobs.c.status.type),
        "locked_by": null(),
        "locked_until": null(),
        ("run_at" if queued else "finished_at"): bindparam("f_job_time", type_=jobs.c.run_at.type),
    }
    if sets_error:
        values["last_error"] = bindparam("f_last_error", type_=jobs.c.last_error.type)
    attempt = bindparam("f_attempt", type_=job_attempts.c.attempt.type)
    fenced = (
        update(jobs)
        .where(
            jobs.c.id == bindparam("f_job_id", type_=jobs.c.id.type),
            jobs.c.locked_by == bindparam("f_worker", type_=jobs.c.locked_by.type),
            jobs.c.attempts == attempt,
            jobs.c.status == bindparam("f_running", type_=jobs.c.status.type),
        )
        .values(values)
    )
    closing = update(job_attempts).values(
        finished_at=bindparam("f_attempt_time", type_=job_attempts.c.finished_at.type),
        outcome=bindparam("f_outcome", type_=job_attempts.c.outcome.type),
        error=bindparam("f_error", type_=job_attempts.c.error.type),
        response=bindparam("f_response", type_=job_attempts.c.response.type),
    )
    finished = fenced.returning(jobs.c.id).cte("finished")
    both = closing.add_cte(finished).where(
        job_attempts.c.job_id.in_(select(finished.c.id)), job_attempts.c.attempt == attempt
    )
    alone = closing.where(
        job_attempts.c.job_id == bindparam("f_job_id", type_=job_attempts.c.job_id.type),
        job_attempts.c.attempt == attempt,
    )
    return Prepared(fenced), Prepared(alone), Prepared(both)


def _only(values: dict[str, Any], keys: tuple[str, ...], sets_error: bool) -> dict[str, Any]:
    chosen = {key: values[key] for key in keys}
    if sets_error:
        chosen["f_last_error"] = values["f_last_error"]
    return chosen


class SqlJobQueue:
    """``JobQueue`` on one connection (one transaction)."""

    def __init__(self, connection: Connection, clock: Callable[[], datetime]) -> None:
        self._connection = connection
        self._clock = clock

    def enqueue(
        self,
        kind: str,
        payload: Mapping[str, Any],
        *,
        ticket_id: int | None,
        run_at: datetime,
        idempotency_key: str | None = None,
    ) -> int:
        """Queue a job; see ``JobQueue.enqueue``. On PostgreSQL idle workers are woken at commit (the
        table's trigger NOTIFYs, migration 0013)."""
        if idempotency_key is not None:
            existing = select(jobs.c.id).where(jobs.c.idempotency_key == idempotency_key)
            found = self._connection.execute(existing).scalar_one_or_none()
            if found is not None:
                return int(found)
        row = self._new_job_row(kind, payload, ticket_id, run_at, idempotency_key)
        flush_writes(self._connection)  # jobs queued at commit come first
        returned = _INSERT_JOB.execute(self._connection, row).fetchone()
        assert returned is not None  # INSERT … RETURNING gives the row
        return int(returned[0])

    def enqueue_at_commit(
        self, kind: str, payload: Mapping[str, Any], *, ticket_id: int | None, run_at: datetime
    ) -> None:
        """Queue a job whose id nobody needs; see ``JobQueue.enqueue_at_commit``. On PostgreSQL its
        INSERT goes with the COMMIT's pipeline; this queue's reads send it first."""
        row = self._new_job_row(kind, payload, ticket_id, run_at, None)
        write_with_batch(
            self._connection, functools.partial(_INSERT_JOB_AT_COMMIT.execute, self._connection, row)
        )

    def _new_job_row(
        self,
        kind: str,
        payload: Mapping[str, Any],
        ticket_id: int | None,
        run_at: datetime,
        idempotency_key: str | None,
    ) -> dict[str, Any]:
        return {
            "kind": kind,
            "payload": dict(payload),
            "ticket_id": ticket_id,
            "status": JobStatus.QUEUED.value,
            "attempts": 0,
            "max_attempts": DEFAULT_MAX_ATTEMPTS,
            "run_at": run_at,
            "created_at": self._clock(),
            "idempotency_key": idempotency_key,
        }

    def list_jobs(self, ticket_id: int | None = None, status: JobStatus | None = None) -> Sequence[Job]:
        flush_writes(self._connection)
        statement = select(jobs).order_by(jobs.c.id)
        if ticket_id is not None:
            statement = statement.where(jobs.c.ticket_id == ticket_id)
        if status is not None:
            statement = statement.where(jobs.c.status == status.value)
        return [job_from_row(row) for row in self._connection.execute(statement).mappings()]

    def find(self, job_id: int) -> Job | None:
        flush_writes(self._connection)
        row = self._connection.execute(select(jobs).where(jobs.c.id == job_id)).mappings().first()
        return None if row is None else job_from_row(row)

    def find_newest_job(self, ticket_id: int | None, kind: str, activity: str) -> int | None:
        """See ``JobQueue.find_newest_job``. One row instead of all the ticket's jobs: the service
        job's staleness check loaded every job (payloads included) on each completion."""
        flush_writes(self._connection)
        statement = select(func.max(jobs.c.id)).where(
            jobs.c.kind == kind, jobs.c.payload["activity"].as_string() == activity
        )
        if ticket_id is not None:  # as ``list_jobs``: no ticket means every ticket's jobs
            statement = statement.where(jobs.c.ticket_id == ticket_id)
        found = self._connection.execute(statement).scalar_one_or_none()
        return None if found is None else int(found)

    def claim(
        self, kinds: Sequence[str], *, worker: str, now: datetime, lease: timedelta, limit: int = 1
    ) -> Sequence[Claim]:
        """See ``JobQueue.claim``."""
        flush_writes(self._connection)
        if not kinds or limit < 1:
            return []
        if self._connection.dialect.name == "postgresql":
            rows = self._claim_on_postgres(kinds, worker, now, now + lease, limit)
        else:
            rows = self._claim_on_sqlite(kinds, worker, now, now + lease, limit)
        if not rows:
            return []
        claimed = sorted((job_from_row(row) for row in rows), key=lambda job: job.run_at)
        again = [job for job in claimed if job.attempts > 1]
        if again:
            # A taken-over job left its attempt open: its worker died or hung past the lease.
            self._connection.execute(
                update(job_attempts)
                .where(job_attempts.c.job_id.in_([job.id for job in again]), job_attempts.c.outcome.is_(None))
                .values(outcome=AttemptOutcome.LEASE_EXPIRED.value, finished_at=now)
            )
        _INSERT_ATTEMPTS.insert(
            self._connection,
            [
                {"job_id": job.id, "attempt": job.attempts, "worker": worker, "started_at": now}
                for job in claimed
            ],
        )
        resumed = self._resumed(again)
        facts = {row["id"]: (row["ticket_version"], row["newest_sibling"]) for row in rows}
        return [
            Claim(
                job,
                resume=(job.id, job.attempts) in resumed,
                ticket_version=facts[job.id][0],
                newest_sibling=facts[job.id][1],
            )
            for job in claimed
        ]

    def _claim_on_postgres(
        self, kinds: Sequence[str], worker: str, now: datetime, until: datetime, limit: int
    ) -> list[dict[str, Any]]:
        """The claimed rows with their ticket's version and newest sibling, in one statement."""
        values = {
            "c_now": now,
            "c_queued": JobStatus.QUEUED.value,
            "c_running": JobStatus.RUNNING.value,
            "c_kinds": list(kinds),
            "c_limit": limit,
            "c_worker": worker,
            "c_locked_until": until,
        }
        fetched = _CLAIM.execute(self._connection, values).fetchall()
        return _claimed_rows(self._connection.dialect, fetched)

    def _claim_on_sqlite(
        self, kinds: Sequence[str], worker: str, now: datetime, until: datetime, limit: int
    ) -> list[dict[str, Any]]:
        """As on PostgreSQL; SQLite's UPDATE … RETURNING drops the qualifiers the subqueries need,
        so the ticket's version and the newest sibling come from a SELECT after it."""
        due = or_(
            and_(jobs.c.status == JobStatus.QUEUED.value, jobs.c.run_at <= now),
            and_(jobs.c.status == JobStatus.RUNNING.value, jobs.c.locked_until < now),
        )
        picked = (
            select(jobs.c.id)
            .where(jobs.c.kind.in_(kinds), due)
            .order_by(jobs.c.run_at)
            .limit(limit)
            .with_for_update(skip_locked=True)  # dropped by SQLite's compiler
        )
        statement = (
            update(jobs)
            .where(jobs.c.id.in_(picked.scalar_subquery()))
            .values(
                status=JobStatus.RUNNING.value,
                attempts=jobs.c.attempts + 1,
                locked_by=worker,
                locked_until=until,
            )
            .returning(*jobs.c)
        )
        rows = [dict(row) for row in self._connection.execute(statement).mappings()]
        if not rows:
            return []
        facts = select(jobs.c.id, _TICKET_VERSION, _NEWEST_SIBLING).where(
            jobs.c.id.in_([row["id"] for row in rows])
        )
        found = {job_id: (version, newest) for job_id, version, newest in self._connection.execute(facts)}
        for row in rows:
            row["ticket_version"], row["newest_sibling"] = found[row["id"]]
        return rows

    def _resumed(self, jobs_again: Sequence[Job]) -> set[tuple[int, int]]:
        """(job id, attempt) of the claimed attempts that follow a person's incident retry."""
        if not jobs_again:
            return set()
        rows = self._connection.execute(
            select(incidents.c.job_id, incidents.c.retried_after_attempt).where(
                incidents.c.job_id.in_([job.id for job in jobs_again]),
                incidents.c.status == IncidentStatus.RETRIED.value,
            )
        )
        return {(job_id, after + 1) for job_id, after in rows if after is not None}

    def renew_leases(self, job_ids: Sequence[int], *, worker: str, until: datetime) -> int:
        flush_writes(self._connection)
        if not job_ids:
            return 0
        result = self._connection.execute(
            update(jobs)
            .where(
                jobs.c.id.in_(job_ids),
                jobs.c.locked_by == worker,
                jobs.c.status == JobStatus.RUNNING.value,
            )
            .values(locked_until=until)
        )
        return int(result.rowcount)

    def finish_attempt(
        self,
        claim: Claim,
        *,
        worker: str,
        now: datetime,
        outcome: AttemptOutcome,
        status: JobStatus,
        run_at: datetime | None = None,
        error: str | None = None,
        response: str | None = None,
    ) -> bool:
        """See ``JobQueue.finish_attempt``."""
        flush_writes(self._connection)
        queued = status is JobStatus.QUEUED
        sets_error = error is not None or outcome is AttemptOutcome.SUCCEEDED
        values = {
            "f_job_id": claim.job.id,
            "f_worker": worker,
            "f_attempt": claim.attempt,
            "f_running": JobStatus.RUNNING.value,
            "f_status": status.value,
            "f_job_time": (run_at if run_at is not None else now) if queued else now,
            "f_attempt_time": now,
            "f_outcome": outcome.value,
            "f_error": error,
            "f_response": response,
        }
        if sets_error:
            values["f_last_error"] = error
        fenced, closing, both = _finish_statements(queued, sets_error)
        if self._connection.dialect.name == "postgresql":
            # One round trip instead of two: the attempt row is closed only if the fenced job
            # update matched (the attempt row exists from the claim, so one row means kept).
            return int(both.execute(self._connection, values).rowcount) == 1
        if fenced.execute(self._connection, _only(values, _FENCE_KEYS, sets_error)).rowcount != 1:
            return False
        closing.execute(self._connection, _only(values, _CLOSE_KEYS, False))
        return True

    def list_attempts(self, job_id: int) -> Sequence[JobAttempt]:
        flush_writes(self._connection)
        rows = self._connection.execute(
            select(job_attempts).where(job_attempts.c.job_id == job_id).order_by(job_attempts.c.attempt)
        ).mappings()
        return [
            JobAttempt(
                job_id=row["job_id"],
                attempt=row["attempt"],
                worker=row["worker"],
                started_at=row["started_at"],
                finished_at=row["finished_at"],
                outcome=None if row["outcome"] is None else AttemptOutcome(row["outcome"]),
                error=row["error"],
                response=row["response"],
            )
            for row in rows
        ]

    def requeue(self, job_id: int, *, run_at: datetime, extra_attempts: int) -> None:
        flush_writes(self._connection)
        self._connection.execute(
            update(jobs)
            .where(jobs.c.id == job_id)
            .values(
                status=JobStatus.QUEUED.value,
                run_at=run_at,
                max_attempts=jobs.c.attempts + extra_attempts,
                locked_by=None,
                locked_until=None,
                finished_at=None,
            )
        )
        notify_at_commit(self._connection, NOTIFY_CHANNEL)

    def count_due(self, now: datetime) -> int:
        flush_writes(self._connection)
        statement = select(func.count()).where(jobs.c.status == JobStatus.QUEUED.value, jobs.c.run_at <= now)
        return int(self._connection.execute(statement).scalar_one())


def job_from_row(row: Mapping[Any, Any]) -> Job:
    return Job(
        id=row["id"],
        kind=row["kind"],
        payload=row["payload"],
        ticket_id=row["ticket_id"],
        status=JobStatus(row["status"]),
        attempts=row["attempts"],
        max_attempts=row["max_attempts"],
        run_at=row["run_at"],
        created_at=row["created_at"],
        locked_until=row["locked_until"],
        locked_by=row["locked_by"],
        last_error=row["last_error"],
        finished_at=row["finished_at"],
        idempotency_key=row["idempotency_key"],
    )


def listen_for_jobs(
    engine: Engine, wake: Callable[[], None], stop: threading.Event, poll: float = 1.0
) -> None:
    """Call ``wake`` whenever a transaction that queued a job commits, until ``stop`` is set.

    PostgreSQL only (LISTEN/NOTIFY on a connection of its own, outside the pool); on other databases
    it returns at once and the worker relies on polling. A connection failure ends it with the
    driver's error; the worker polls meanwhile and opens it again (``Worker._listen_safely``).
    """
    if engine.dialect.name != "postgresql":
        return
    dsn = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn, autocommit=True) as connection:
        connection.execute(f"LISTEN {NOTIFY_CHANNEL}")
        while not stop.is_set():
            for _notify in connection.notifies(timeout=poll, stop_after=1):
                wake()
