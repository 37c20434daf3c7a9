"""The catalog in SQL: generic list/find/get/add over the kinds of ``catalog_rows``, and the domain
``Catalog`` built in one query per table."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Any, cast

from sqlalchemy import Connection, delete, insert, select, update

from ticketflow.db.catalog_rows import KINDS, Kind
from ticketflow.db.tables import (
    agent_roles,
    agents,
    customer_users,
    dynamic_fields,
    notification_templates,
    priorities,
    process_versions,
    queues,
    role_permissions,
    roles,
    services,
    slas,
    states,
    ticket_types,
    web_services,
)
from ticketflow.domain.catalog import Catalog, DynamicFieldDefinition, DynamicFieldType
from ticketflow.domain.errors import InvalidInputError, NotFoundError
from ticketflow.usecases.catalog_records import (
    PERMISSION_KEYS,
    STATE_TYPES,
    Agent,
    CatalogRecord,
    DynamicField,
    Group,
    Queue,
    Role,
    State,
    WebService,
    record_key,
)
from ticketflow.usecases.ports import R

# OTOBO: letters and digits, optionally behind one namespace prefix (``Namespace-Name``).
_FIELD_NAME = re.compile(r"[A-Za-z0-9]+(-[A-Za-z0-9]+)?")


class SqlCatalogRepository:
    """``CatalogRepository`` on one connection (one transaction)."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def list(self, kind: type[R]) -> Sequence[R]:
        spec = KINDS[kind]
        key = spec.table.c[spec.key_column]
        rows = self._connection.execute(select(spec.table).order_by(key)).mappings()
        records = [spec.from_row(row) for row in rows]
        return cast("Sequence[R]", self._with_links(records))

    def find(self, kind: type[R], key: str) -> R | None:
        spec = KINDS[kind]
        statement = select(spec.table).where(spec.table.c[spec.key_column] == key)
        row = self._connection.execute(statement).mappings().first()
        if row is None:
            return None
        return cast("R", self._with_links([spec.from_row(row)])[0])

    def get(self, kind: type[R], key: str) -> R:
        found = self.find(kind, key)
        if found is None:
            raise NotFoundError(f"{KINDS[kind].label} '{key}' does not exist")
        return found

    def add(self, record: CatalogRecord) -> None:
        """Insert a record after checking its key is new and its references exist."""
        spec = KINDS[type(record)]
        key = record_key(record)
        if self._exists(spec, key):
            raise InvalidInputError(f"{spec.label} '{key}' already exists", field=record.key_field)
        self._check_references(record)
        self._connection.execute(insert(spec.table).values(spec.to_row(record)))
        self._insert_links(record)

    def replace(self, record: CatalogRecord) -> None:
        """Overwrite the record with the same key: its row, and its links deleted and inserted anew."""
        spec = KINDS[type(record)]
        key = record_key(record)
        if not self._exists(spec, key):
            raise NotFoundError(f"{spec.label} '{key}' does not exist")
        self._check_references(record)
        key_column = spec.table.c[spec.key_column]
        self._connection.execute(update(spec.table).where(key_column == key).values(spec.to_row(record)))
        if isinstance(record, Role):
            self._connection.execute(delete(role_permissions).where(role_permissions.c.role_name == key))
        elif isinstance(record, Agent):
            self._connection.execute(delete(agent_roles).where(agent_roles.c.agent_login == key))
        self._insert_links(record)

    def catalog(self) -> Catalog:
        """The valid names of every kind plus deployed process versions; one query per table."""
        processes: defaultdict[str, list[int]] = defaultdict(list)
        rows = select(process_versions.c.process_key, process_versions.c.version).order_by(
            process_versions.c.process_key, process_versions.c.version
        )
        for key, version in self._connection.execute(rows):
            processes[key].append(version)
        return Catalog(
            queues=self._valid_names(queues.c.name),
            states=dict(self._valid_rows(states.c.name, states.c.type)),
            priorities=self._valid_names(priorities.c.name),
            types=self._valid_names(ticket_types.c.name),
            services=self._valid_names(services.c.name),
            slas=self._valid_names(slas.c.name),
            users=self._valid_names(agents.c.login),
            customer_users=self._valid_names(customer_users.c.login),
            roles=self._valid_names(roles.c.name),
            dynamic_fields=self._field_definitions(),
            web_services=self._web_service_invokers(),
            notification_templates=self._valid_names(notification_templates.c.name),
            processes={key: tuple(versions) for key, versions in processes.items()},
        )

    def _valid_names(self, column: Any) -> frozenset[str]:
        statement = select(column).where(column.table.c.valid.is_(True))
        return frozenset(self._connection.execute(statement).scalars())

    def _valid_rows(self, *columns: Any) -> Sequence[tuple[Any, ...]]:
        statement = select(*columns).where(columns[0].table.c.valid.is_(True))
        return [tuple(row) for row in self._connection.execute(statement)]

    def _field_definitions(self) -> dict[str, DynamicFieldDefinition]:
        columns = (dynamic_fields.c.name, dynamic_fields.c.label, dynamic_fields.c.field_type)
        definitions = {}
        for name, label, field_type, config in self._valid_rows(*columns, dynamic_fields.c.config):
            record = DynamicField(name, label, DynamicFieldType(field_type), config)
            definitions[name] = DynamicFieldDefinition(name, label, record.type, record.possible_values)
        return definitions

    def _web_service_invokers(self) -> dict[str, frozenset[str]]:
        rows = self._valid_rows(web_services.c.name, web_services.c.config)
        return {name: WebService(name, config).invokers for name, config in rows}

    def _exists(self, spec: Kind, key: str) -> bool:
        column = spec.table.c[spec.key_column]
        return self._connection.execute(select(column).where(column == key)).first() is not None

    def _missing(self, kind: type[Any], keys: Iterable[str]) -> Sequence[str]:
        spec = KINDS[kind]
        return sorted(key for key in set(keys) if not self._exists(spec, key))

    def _check_references(self, record: CatalogRecord) -> None:
        """InvalidInputError naming the field whose reference does not exist or is malformed."""
        problem: tuple[str, str] | None = None
        if isinstance(record, Queue) and self._missing(Group, [record.group]):
            problem = ("group", f"group '{record.group}' does not exist")
        elif isinstance(record, State) and record.type not in STATE_TYPES:
            problem = ("type", f"'{record.type}' is not a state type ({', '.join(STATE_TYPES)})")
        elif isinstance(record, Role):
            problem = self._role_problem(record)
        elif isinstance(record, Agent) and (missing := self._missing(Role, record.roles)):
            problem = ("roles", f"role(s) {', '.join(missing)} do not exist")
        elif isinstance(record, DynamicField) and not _FIELD_NAME.fullmatch(record.name):
            problem = ("name", f"'{record.name}' may hold only letters and digits")
        if problem is not None:
            raise InvalidInputError(problem[1], field=problem[0])

    def _role_problem(self, role: Role) -> tuple[str, str] | None:
        unknown_keys = sorted(
            {key for keys in role.permissions.values() for key in keys} - set(PERMISSION_KEYS)
        )
        if unknown_keys:
            return ("permissions", f"unknown permission(s) {', '.join(unknown_keys)}")
        if missing := self._missing(Group, role.permissions):
            return ("permissions", f"group(s) {', '.join(missing)} do not exist")
        return None

    def _insert_links(self, record: CatalogRecord) -> None:
        rows: list[dict[str, str]] = []
        if isinstance(record, Role):
            rows = [
                {"role_name": record.name, "group_name": group, "permission": key}
                for group, keys in record.permissions.items()
                for key in sorted(keys)
            ]
            table = role_permissions
        elif isinstance(record, Agent):
            rows = [{"agent_login": record.login, "role_name": role} for role in record.roles]
            table = agent_roles
        if rows:
            self._connection.execute(insert(table), rows)

    def _with_links(self, records: Sequence[CatalogRecord]) -> Sequence[CatalogRecord]:
        """Fill roles' permissions and agents' roles from their link tables (one query per kind)."""
        if records and isinstance(records[0], Role):
            return self._role_permissions(records)
        if records and isinstance(records[0], Agent):
            return self._agent_roles(records)
        return records

    def _role_permissions(self, records: Sequence[CatalogRecord]) -> Sequence[CatalogRecord]:
        names = [record_key(record) for record in records]
        granted: defaultdict[str, defaultdict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
        statement = select(role_permissions).where(role_permissions.c.role_name.in_(names))
        for row in self._connection.execute(statement).mappings():
            granted[row["role_name"]][row["group_name"]].add(row["permission"])
        return [
            replace(record, permissions={g: frozenset(k) for g, k in granted[record.name].items()})
            for record in records
            if isinstance(record, Role)
        ]

    def _agent_roles(self, records: Sequence[CatalogRecord]) -> Sequence[CatalogRecord]:
        logins = [record_key(record) for record in records]
        held: defaultdict[str, list[str]] = defaultdict(list)
        statement = (
            select(agent_roles).where(agent_roles.c.agent_login.in_(logins)).order_by(agent_roles.c.role_name)
        )
        for row in self._connection.execute(statement).mappings():
            held[row["agent_login"]].append(row["role_name"])
        return [
            replace(record, roles=tuple(held[record.login]))
            for record in records
            if isinstance(record, Agent)
        ]
