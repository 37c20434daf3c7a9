"""Job handlers for the worker benchmark's ``ticketflow worker --handlers``: the real ones from
``ticketflow.bootstrap.job_handlers``, restricted to the one kind a scenario measures (so a service
scenario does not also send the e-mails the process queues on the way, and the reverse)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ticketflow.bootstrap import job_handlers
from ticketflow.usecases.jobs import JobHandler


def service_only(application: Any) -> Mapping[str, JobHandler]:
    return {"web_service": job_handlers(application)["web_service"]}


def email_only(application: Any) -> Mapping[str, JobHandler]:
    return {"email": job_handlers(application)["email"]}
