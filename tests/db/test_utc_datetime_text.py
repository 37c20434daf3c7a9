"""UtcDateTime on SQLite: the fast text conversion stores exactly what SQLAlchemy's own path stored."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import DateTime
from sqlalchemy.dialects import sqlite

from ticketflow.db.tables import UtcDateTime

DIALECT = sqlite.dialect()
CET = timezone(timedelta(hours=1))
MOMENTS = [
    datetime(2026, 11, 26, 12, 0, tzinfo=UTC),  # no microseconds: still six digits
    datetime(2026, 11, 26, 12, 0, 5, 123456, tzinfo=UTC),
    datetime(2026, 11, 26, 0, 30, 0, 7, tzinfo=CET),  # another zone: stored as UTC, the day before
    datetime(999, 1, 2, 3, 4, 5, tzinfo=UTC),  # a year below 1000 is zero-padded
]


def _generic(value: datetime) -> str:
    """What SQLAlchemy stores on SQLite for ``process_bind_param``'s naive UTC value."""
    naive = UtcDateTime().process_bind_param(value, DIALECT)
    processor = DateTime().dialect_impl(DIALECT).bind_processor(DIALECT)
    assert processor is not None
    return str(processor(naive))


@pytest.mark.parametrize("moment", MOMENTS)
def test_the_sqlite_text_is_sqlalchemys(moment: datetime) -> None:
    processor = UtcDateTime().bind_processor(DIALECT)
    assert processor is not None
    assert processor(moment) == _generic(moment)


def test_none_stays_none_and_naive_datetimes_are_refused() -> None:
    processor = UtcDateTime().bind_processor(DIALECT)
    assert processor is not None
    assert processor(None) is None
    with pytest.raises(ValueError, match="naive datetime"):
        processor(datetime(2026, 11, 26, 12, 0))  # noqa: DTZ001  # the point of the test
