"""Saved Test Mode scenarios in SQL: one row per (process key, name), the document as JSON."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, delete, insert, select, update

from ticketflow.db.tables import processes, test_scenarios
from ticketflow.domain.errors import NotFoundError
from ticketflow.usecases.scenario_records import StoredScenario


class SqlScenarioRepository:
    """``ScenarioRepository`` on one connection (one transaction)."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def save(self, scenario: StoredScenario) -> None:
        key = scenario.process_key
        if self._connection.execute(select(processes.c.key).where(processes.c.key == key)).first() is None:
            raise NotFoundError(f"process '{key}' does not exist")
        values = {
            "document": dict(scenario.document),
            "saved_at": scenario.saved_at,
            "saved_by": scenario.saved_by,
        }
        where = (test_scenarios.c.process_key == key) & (test_scenarios.c.name == scenario.name)
        # Update first: replacing a scenario by name is the common case once a suite exists.
        if self._connection.execute(update(test_scenarios).where(where).values(values)).rowcount == 0:
            row = values | {"process_key": key, "name": scenario.name}
            self._connection.execute(insert(test_scenarios).values(row))

    def list(self, process_key: str) -> Sequence[StoredScenario]:
        statement = (
            select(test_scenarios)
            .where(test_scenarios.c.process_key == process_key)
            .order_by(test_scenarios.c.name)
        )
        return [
            StoredScenario(
                process_key=row["process_key"],
                name=row["name"],
                document=row["document"],
                saved_at=row["saved_at"],
                saved_by=row["saved_by"],
            )
            for row in self._connection.execute(statement).mappings()
        ]

    def delete(self, process_key: str, name: str) -> None:
        where = (test_scenarios.c.process_key == process_key) & (test_scenarios.c.name == name)
        if self._connection.execute(delete(test_scenarios).where(where)).rowcount == 0:
            raise NotFoundError(f"process '{process_key}' has no test scenario '{name}'")
