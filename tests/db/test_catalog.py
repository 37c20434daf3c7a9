"""Catalog repository: records of every kind, duplicate and reference errors, the domain Catalog."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from ticketflow.db.seed import DEFAULTS, seed_defaults
from ticketflow.db.unit_of_work import SqlUnitOfWork
from ticketflow.domain.catalog import DynamicFieldDefinition, DynamicFieldType
from ticketflow.domain.errors import InvalidInputError, NotFoundError
from ticketflow.usecases.catalog_records import (
    Agent,
    CustomerCompany,
    CustomerUser,
    DynamicField,
    NotificationTemplate,
    Queue,
    Role,
    Service,
    Sla,
    State,
    WebService,
)

Factory = Callable[[], SqlUnitOfWork]

RECORDS = (
    Queue("Support", group="admin", comment="first level"),
    State("waiting", "pending reminder"),
    Service("Email"),
    Sla("Gold", comment="4h"),
    Role("Support", permissions={"users": frozenset({"ro", "note"}), "admin": frozenset({"rw"})}),
    Agent("anna", "Anna", "Agent", "anna@example.com", "hash", roles=("Support",)),
    CustomerCompany("ACME", "Acme Inc."),
    CustomerUser("max@example.com", "max@example.com", "Max", "Muster", "ACME"),
    DynamicField("Tags", "Tags", DynamicFieldType.MULTISELECT, {"PossibleValues": {"a": "A"}}, order=2),
    WebService("CRM", {"Requester": {"Invoker": {"CreateLead": {"Type": "Ticket::Generic"}}}}),
    NotificationTemplate("Welcome", "Hello <OTOBO_CUSTOMER_REALNAME>", "Body", "text/html"),
)


def test_every_kind_round_trips(uow_factory: Factory) -> None:
    with uow_factory() as uow:
        for record in RECORDS:
            uow.catalog.add(record)
        uow.commit()
    with uow_factory() as uow:
        for record in RECORDS:
            assert uow.catalog.get(type(record), getattr(record, record.key_field)) == record
        assert [q.name for q in uow.catalog.list(Queue)] == ["Junk", "Misc", "Postmaster", "Raw", "Support"]
        assert uow.catalog.list(Agent)[0] == RECORDS[5]


def test_duplicates_name_the_field(uow_factory: Factory) -> None:
    with uow_factory() as uow:
        with pytest.raises(InvalidInputError, match=r"^name: queue 'Raw' already exists$") as caught:
            uow.catalog.add(Queue("Raw"))
        assert caught.value.field == "name"
        with pytest.raises(InvalidInputError, match=r"^login: agent 'root@localhost' already exists$"):
            uow.catalog.add(Agent("root@localhost"))


@pytest.mark.parametrize(
    ("record", "field"),
    [
        (Queue("Q", group="nobody"), "group"),
        (State("s", "sleepy"), "type"),
        (Role("R", permissions={"users": frozenset({"fly"})}), "permissions"),
        (Role("R", permissions={"ghosts": frozenset({"ro"})}), "permissions"),
        (Agent("a", roles=("Ghost",)), "roles"),
        (DynamicField("Bad Name", "x", DynamicFieldType.TEXT), "name"),
    ],
)
def test_broken_references_name_the_field(uow_factory: Factory, record: object, field: str) -> None:
    with uow_factory() as uow, pytest.raises(InvalidInputError) as caught:
        uow.catalog.add(record)  # type: ignore[arg-type]
    assert caught.value.field == field


def test_get_of_a_missing_record_names_it(uow_factory: Factory) -> None:
    with uow_factory() as uow, pytest.raises(NotFoundError, match="queue 'Nope'"):
        uow.catalog.get(Queue, "Nope")
    with uow_factory() as uow:
        assert uow.catalog.find(Queue, "Nope") is None


def test_catalog_holds_valid_names_fields_invokers_and_versions(uow_factory: Factory) -> None:
    with uow_factory() as uow:
        for record in RECORDS:
            uow.catalog.add(record)
        uow.catalog.add(Queue("Old", valid=False))
        at = datetime(2024, 1, 1, tzinfo=UTC)
        for version in (1, 2):
            uow.processes.add_version("incident", version, {"name": "Incident"}, "h", "root@localhost", at)
        catalog = uow.catalog.catalog()
    assert catalog.queues == {"Junk", "Misc", "Postmaster", "Raw", "Support"}
    assert catalog.states["waiting"] == "pending reminder"
    assert catalog.states["closed successful"] == "closed"
    assert "3 normal" in catalog.priorities
    assert catalog.types == {"Unclassified"}
    assert (catalog.services, catalog.slas) == ({"Email"}, {"Gold"})
    assert catalog.users == {"root@localhost", "anna"}
    assert catalog.customer_users == {"max@example.com"}
    assert catalog.roles == {"Admin", "Support"}
    assert catalog.dynamic_fields == {
        "Tags": DynamicFieldDefinition("Tags", "Tags", DynamicFieldType.MULTISELECT, {"a": "A"})
    }
    assert catalog.web_services == {"CRM": frozenset({"CreateLead"})}
    assert catalog.notification_templates == {"Welcome"}
    assert catalog.processes == {"incident": (1, 2)}


def test_seeding_again_adds_nothing(uow_factory: Factory) -> None:
    with uow_factory() as uow:
        assert seed_defaults(uow) == 0
        assert len(uow.catalog.list(State)) == 9
        root = uow.catalog.get(Agent, "root@localhost")
        admin = uow.catalog.get(Role, "Admin")
    assert root.roles == ("Admin",)
    assert admin.permissions == {g: frozenset({"rw"}) for g in ("users", "admin", "stats")}
    assert len(DEFAULTS) == 3 + 9 + 5 + 1 + 4 + 2
