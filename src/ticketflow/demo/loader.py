"""Load the demo: add the Example Corp catalog records and deploy the demo processes, idempotently.

``make run`` calls this after every migration, so running it again must change nothing and fail on
nothing: a record whose key exists is skipped (even when an admin changed it since), and a process is
deployed only when its latest version is not already the demo's content. A process whose latest
version was deployed by someone else is left alone, so the demo never overwrites an admin's work.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from importlib import resources
from typing import Any, Final, Protocol

from ticketflow.demo.catalog import AGENTS, CUSTOMER_USERS, DEMO_PASSWORDS, DEMO_RECORDS
from ticketflow.domain.definitions import Interface
from ticketflow.domain.formats.native_json import content_hash, process_from_dict
from ticketflow.usecases.catalog_records import record_key
from ticketflow.usecases.ports import UnitOfWork, UnitOfWorkFactory
from ticketflow.usecases.processes import deploy_process, import_process
from ticketflow.usecases.runtime import ProcessRuntime

# Who the demo's drafts and versions are recorded as; also how a later load recognises its own versions.
DEMO_ACTOR: Final = "demo"

# Deploy order matters: a process can only be deployed once the processes it calls as sub-processes are.
DEMO_PROCESSES: Final = ("it-equipment", "purchase-request", "employee-onboarding", "change-request")


class DemoApplication(Protocol):
    """What ``load_demo`` needs of ``bootstrap.Application``."""

    @property
    def runtime(self) -> ProcessRuntime: ...

    def uow(self) -> UnitOfWork: ...


@dataclass(frozen=True, slots=True)
class RecordName:
    """A catalog record by kind and key, e.g. ``Queue 'IT'``."""

    kind: str
    key: str

    def __str__(self) -> str:
        return f"{self.kind} '{self.key}'"


class ProcessOutcome(StrEnum):
    DEPLOYED = "deployed"  # a new version was deployed now
    UNCHANGED = "unchanged"  # the latest version already is the demo's content
    KEPT = "kept"  # someone else deployed a later version: theirs stays


@dataclass(frozen=True, slots=True)
class DemoProcess:
    key: str
    version: int
    outcome: ProcessOutcome


@dataclass(frozen=True, slots=True)
class DemoLogin:
    """A demo user to print: ``interface`` tells the agent from the customer login page."""

    login: str
    name: str
    interface: Interface
    note: str
    password: str = ""


@dataclass(frozen=True, slots=True)
class DemoSummary:
    created: tuple[RecordName, ...]
    skipped: tuple[RecordName, ...]
    processes: tuple[DemoProcess, ...]
    logins: tuple[DemoLogin, ...]

    @property
    def changed_anything(self) -> bool:
        return bool(self.created) or any(p.outcome is ProcessOutcome.DEPLOYED for p in self.processes)


def load_demo(application: DemoApplication, now: datetime) -> DemoSummary:
    """Add the missing demo records, then import and deploy each demo process that needs it.

    Records are added in one transaction (all or none). Each process is imported and deployed in its
    own use-case calls, sub-processes first. Raises what those use cases raise (ImportRefusedError,
    DefinitionError) when a demo process does not fit the store — a bug in the demo, not a state to
    tolerate."""
    created, skipped = _add_records(application.uow)
    application.runtime.forget_catalog()
    processes = tuple(_deploy(application, key, now) for key in DEMO_PROCESSES)
    return DemoSummary(created, skipped, processes, demo_logins())


def _add_records(uow_factory: UnitOfWorkFactory) -> tuple[tuple[RecordName, ...], tuple[RecordName, ...]]:
    created: list[RecordName] = []
    skipped: list[RecordName] = []
    with uow_factory() as uow:
        for record in DEMO_RECORDS:
            name = RecordName(type(record).__name__, record_key(record))
            if uow.catalog.find(type(record), name.key) is None:
                uow.catalog.add(record)
                created.append(name)
            else:
                skipped.append(name)
        uow.commit()
    return tuple(created), tuple(skipped)


def _deploy(application: DemoApplication, key: str, now: datetime) -> DemoProcess:
    document = demo_document(key)
    with application.uow() as uow:
        latest = uow.processes.find_latest_version(key)
    if latest is not None:
        if latest.content_hash == content_hash(process_from_dict(document)):
            return DemoProcess(key, latest.version, ProcessOutcome.UNCHANGED)
        if latest.deployed_by != DEMO_ACTOR:
            return DemoProcess(key, latest.version, ProcessOutcome.KEPT)
    runtime = application.runtime
    import_process(application.uow, runtime, document, imported_by=DEMO_ACTOR, now=now)
    result = deploy_process(application.uow, runtime, key, deployed_by=DEMO_ACTOR, now=now, note="demo data")
    return DemoProcess(key, result.version, ProcessOutcome.DEPLOYED)


class PasswordSetter(Protocol):
    """What ``set_demo_passwords`` needs of ``usecases.auth.Auth``."""

    def set_password(self, interface: Interface, login: str, password: str) -> None: ...


def set_demo_passwords(auth: PasswordSetter, summary: DemoSummary) -> int:
    """Give the demo people this load created their demo passwords; how many were set. People that
    existed before keep theirs (an admin may have changed them), as the loader keeps their records."""
    created = {(name.kind, name.key) for name in summary.created}
    count = 0
    for person in summary.logins:
        kind = "Agent" if person.interface is Interface.AGENT else "CustomerUser"
        if (kind, person.login) in created:
            auth.set_password(person.interface, person.login, person.password)
            count += 1
    return count


def demo_document(key: str) -> Mapping[str, Any]:
    """The ``ticketflow.process/1`` document of demo process ``key``, read from the package."""
    resource = resources.files("ticketflow.demo").joinpath("processes", f"{key}.json")
    document: Mapping[str, Any] = json.loads(resource.read_text(encoding="utf-8"))
    return document


def demo_logins() -> tuple[DemoLogin, ...]:
    """Every demo agent and customer user, agents first."""
    return tuple(_logins())


def _logins() -> Iterator[DemoLogin]:
    for agent in AGENTS:
        name = f"{agent.first_name} {agent.last_name}"
        yield DemoLogin(
            agent.login, name, Interface.AGENT, ", ".join(agent.roles), DEMO_PASSWORDS[agent.login]
        )
    for user in CUSTOMER_USERS:
        name = f"{user.first_name} {user.last_name}"
        yield DemoLogin(user.login, name, Interface.CUSTOMER, user.customer_id, DEMO_PASSWORDS[user.login])
