"""``ticketflow incidents list/show/retry/resolve`` on an incident the worker opened."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine
from typer.testing import CliRunner

from ticketflow.cli import app
from ticketflow.db.unit_of_work import SqlUnitOfWork
from ticketflow.domain.errors import JobError, PermanentError
from ticketflow.domain.retry import RetryPolicy
from ticketflow.usecases.records import Job, JobStatus
from ticketflow.worker import Worker, WorkerOptions


class Refused:
    kind = "refused"

    def run(self, job: Job, now: datetime) -> None:
        raise PermanentError("HTTP 422 order rejected", response='{"error": "unknown customer"}')

    def give_up(self, job: Job, error: JobError, now: datetime) -> bool:
        return False

    def resume(self, job: Job, now: datetime) -> None:
        self.run(job, now)


def run(database_url: str, *args: str, code: int = 0) -> str:
    result = CliRunner().invoke(app, ["--database-url", database_url, *args])
    assert result.exit_code == code, result.output
    return result.output


def test_incidents_can_be_listed_shown_retried_and_resolved(engine: Engine, database_url: str) -> None:
    with SqlUnitOfWork(engine) as uow:
        job_id = uow.jobs.enqueue("refused", {"activity": "A1"}, ticket_id=None, run_at=datetime.now(UTC))
        uow.commit()
    options = WorkerOptions(once=True, policy=RetryPolicy(), lease=timedelta(seconds=30))
    Worker(lambda: SqlUnitOfWork(engine), {"refused": Refused()}, options).run()

    [listed] = json.loads(run(database_url, "incidents", "list", "--json"))
    assert (listed["job_id"], listed["step"], listed["status"]) == (job_id, "activity:A1", "open")
    shown = json.loads(run(database_url, "incidents", "show", str(listed["id"]), "--json"))
    assert [a["outcome"] for a in shown["attempts"]] == ["failed"]
    assert shown["response"] == '{"error": "unknown customer"}'
    assert "HTTP 422 order rejected" in run(database_url, "incidents", "show", str(listed["id"]))

    assert "queued again" in run(
        database_url, "incidents", "retry", str(listed["id"]), "--note", "customer added"
    )
    with SqlUnitOfWork(engine) as uow:
        job = uow.jobs.find(job_id)
    assert job is not None
    assert (job.status, job.max_attempts) == (JobStatus.QUEUED, 2)
    assert run(database_url, "incidents", "retry", str(listed["id"]), code=1).count("not open") == 1

    Worker(lambda: SqlUnitOfWork(engine), {"refused": Refused()}, options).run()  # fails again
    second = json.loads(run(database_url, "incidents", "list", "--json"))[0]
    assert second["id"] != listed["id"]
    run(database_url, "incidents", "resolve", str(second["id"]), "--note", "order entered by hand")
    assert json.loads(run(database_url, "incidents", "list", "--json")) == []
    statuses = {
        i["status"] for i in json.loads(run(database_url, "incidents", "list", "--status", "all", "--json"))
    }
    assert statuses == {"retried", "resolved"}
    assert "incident 999 does not exist" in run(database_url, "incidents", "show", "999", code=1)
