"""OTOBO's DateChecksum ticket numbers (reference §1.2): ``YYYYMMDD`` + SystemID + 5-digit daily
counter + check digit, with the counter allocated race-free by one upsert."""

from __future__ import annotations

import functools
from datetime import UTC, datetime

from sqlalchemy import Connection, bindparam
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.dml import ReturningInsert

from ticketflow.db.tables import ticket_number_counters

DEFAULT_SYSTEM_ID = "10"


def check_digit(digits: str) -> int:
    """OTOBO's check digit: digits weighted 1, 2, 1, 2 … summed; 10 minus the sum mod 10; 10 → 1."""
    total = sum(int(digit) * (1 if index % 2 == 0 else 2) for index, digit in enumerate(digits))
    result = 10 - total % 10
    return 1 if result == 10 else result


def format_number(day: str, system_id: str, counter: int) -> str:
    """The DateChecksum number for the ``counter``-th ticket of ``day`` (``YYYYMMDD``)."""
    body = f"{day}{system_id}{counter:05d}"
    return f"{body}{check_digit(body)}"


def is_valid_number(number: str) -> bool:
    """Whether ``number`` is all digits and ends in its correct check digit."""
    return number.isdigit() and len(number) > 1 and check_digit(number[:-1]) == int(number[-1])


def next_number(connection: Connection, created_at: datetime, system_id: str = DEFAULT_SYSTEM_ID) -> str:
    """Allocate the next number of ``created_at``'s UTC day.

    One ``INSERT … ON CONFLICT DO UPDATE … RETURNING`` statement: concurrent transactions queue on
    the day's counter row (PostgreSQL row lock, SQLite write lock), so no two get the same counter.
    The counter row stays locked until the caller's transaction ends, and a rolled-back
    transaction gives its counter back — numbers have no gaps from failures.
    """
    day = created_at.astimezone(UTC).strftime("%Y%m%d")
    counter: int = connection.execute(_bump_statement(connection.dialect.name), {"day": day}).scalar_one()
    return format_number(day, system_id, counter)


@functools.cache
def _bump_statement(dialect: str) -> ReturningInsert[int]:
    """The upsert for ``dialect``, built once: building it (and its cache key) on every ticket cost
    more than running it."""
    counter = ticket_number_counters.c.counter
    key, bump = [ticket_number_counters.c.day], {"counter": counter + 1}
    statement: postgresql.Insert | sqlite.Insert
    if dialect == "postgresql":
        statement = postgresql.insert(ticket_number_counters).on_conflict_do_update(
            index_elements=key, set_=bump
        )
    elif dialect == "sqlite":
        statement = sqlite.insert(ticket_number_counters).on_conflict_do_update(index_elements=key, set_=bump)
    else:
        raise NotImplementedError(f"ticket numbers on {dialect} are not supported yet")
    return statement.values(day=bindparam("day"), counter=1).returning(counter)
