"""Use-case fixtures: a seeded store (SQLite, and PostgreSQL under the ``postgres`` marker), a runtime."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import Engine

from ticketflow.db.unit_of_work import SqlUnitOfWork
from ticketflow.domain.catalog import DynamicFieldType
from ticketflow.outbound.scripts import load_scripts, load_validators
from ticketflow.usecases.catalog_records import DynamicField, Queue, WebService
from ticketflow.usecases.ports import UnitOfWork
from ticketflow.usecases.runtime import ProcessRuntime


@pytest.fixture
def runtime() -> ProcessRuntime:
    return ProcessRuntime(scripts=load_scripts(), validators=load_validators())


@pytest.fixture
def store(engine: Engine) -> Callable[[], UnitOfWork]:
    """A seeded store with what the purchase-request sample needs."""

    def factory() -> UnitOfWork:
        return SqlUnitOfWork(engine)

    with factory() as uow:
        uow.catalog.add(Queue("Management"))
        uow.catalog.add(DynamicField("Amount", "Amount", DynamicFieldType.TEXT))
        uow.catalog.add(
            DynamicField(
                "Status",
                "Status",
                DynamicFieldType.DROPDOWN,
                {
                    "PossibleValues": {
                        "requested": "Requested",
                        "approved": "Approved",
                        "rejected": "Rejected",
                    }
                },
            )
        )
        uow.catalog.add(
            DynamicField(
                "Watchers",
                "Watchers",
                DynamicFieldType.MULTISELECT,
                {"PossibleValues": {"alice": "A", "bob": "B"}},
            )
        )
        uow.catalog.add(WebService("ERP", {"Requester": {"Invoker": {"CreateOrder": {}}}}))
        uow.commit()
    return factory
