"""Monitoring numbers from constructed histories with fixed times: counts, time spent, incidents per
activity, process events per day, and the incident inbox's filters — on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from monitoring_support import Histories, Step
from sqlalchemy import Engine

from ticketflow.db.monitoring_repository import SqlMonitoringReader
from ticketflow.usecases.monitoring_records import ActivityCounts, DayCount, Dwell, IncidentFilter

T0 = datetime(2026, 11, 1, 20, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
NOW = datetime(2026, 11, 3, 12, 0, tzinfo=UTC)


@pytest.fixture
def reader(engine: Engine) -> SqlMonitoringReader:
    """Six tickets of process ``p`` (five of version 1, one of version 2) and one of ``q``."""
    h = Histories(engine)
    # 1: A for 1 h, B for 3 h (a step that left it at B in between continues the visit), then done.
    h.ticket(
        "p",
        1,
        "completed",
        [
            Step(T0, "", "A", "ProcessStart"),
            Step(T0 + HOUR, "A", "B"),
            Step(T0 + 2 * HOUR, "B", "B"),
            Step(T0 + 4 * HOUR, "B", "end", "ProcessCompleted"),
        ],
    )
    # 2: A for 3 h, still at B since T0 + 3 h, with a resolved incident (not counted).
    two = h.ticket("p", 1, "active", [Step(T0, "", "A", "ProcessStart"), Step(T0 + 3 * HOUR, "A", "B")])
    h.incident(two, opened_at=T0 + 3 * HOUR, status="resolved", error="old trouble")
    # 3: failed at A (its visit stays open: the ticket is still there).
    h.ticket(
        "p",
        1,
        "failed",
        [
            Step(T0 + HOUR, "", "A", "ProcessStart"),
            Step(T0 + 2 * HOUR, "A", "A", "ProcessFailed", failure="script 'x' failed: 50%% off"),
        ],
    )
    # 4: version 2, A for 30 min, waiting at B with an open incident.
    four = h.ticket("p", 2, "waiting", [Step(T0, "", "A", "ProcessStart"), Step(T0 + HOUR / 2, "A", "B")])
    h.incident(four, opened_at=T0 + HOUR, error="ERP answered 503 Service Unavailable")
    # 5: A for 2 h, then through a script task straight to C in one step (no visit of the script).
    h.ticket("p", 1, "active", [Step(T0, "", "A", "ProcessStart"), Step(T0 + 2 * HOUR, "A", "C")])
    # 6: another process, on another day: never counted for ``p``.
    six = h.ticket("q", 1, "waiting", [Step(T0 - 48 * HOUR, "", "A", "ProcessStart")], queue="Misc")
    h.incident(six, opened_at=T0 - 47 * HOUR, error="Mail server refused")
    return SqlMonitoringReader(engine)


def test_counts_tickets_inside_each_activity_by_process_status(reader: SqlMonitoringReader) -> None:
    numbers = reader.process_numbers("p", None)
    assert numbers.counts == {
        "A": ActivityCounts(failed=1),
        "B": ActivityCounts(active=1, waiting=1),
        "C": ActivityCounts(active=1),
    }
    assert numbers.counts["B"].open == 2


def test_time_spent_counts_ended_visits_and_shows_open_ones_beside(reader: SqlMonitoringReader) -> None:
    dwell = reader.process_numbers("p", None).dwell
    # A's ended visits: 1 h, 3 h, 0.5 h, 2 h → average 1.625 h; p90 by nearest rank is the 4th of 4.
    assert dwell["A"] == Dwell(4, 1.625 * 3600, 3 * 3600, 1, T0 + HOUR)
    # B: one ended visit of 3 h; two tickets inside, the longest since T0 + 30 min.
    assert dwell["B"] == Dwell(1, 3 * 3600, 3 * 3600, 2, T0 + HOUR / 2)
    assert dwell["C"] == Dwell(0, None, None, 1, T0 + 2 * HOUR)
    assert "end" not in dwell  # a completed ticket is not inside its end activity


def test_one_version_leaves_the_others_out(reader: SqlMonitoringReader) -> None:
    numbers = reader.process_numbers("p", 1)
    assert numbers.counts["B"] == ActivityCounts(active=1)
    # A's ended visits of version 1: 1 h, 3 h, 2 h.
    assert numbers.dwell["A"] == Dwell(3, 2 * 3600, 3 * 3600, 1, T0 + HOUR)
    assert numbers.open_incidents == {}


def test_open_incidents_per_activity_of_the_tickets_now(reader: SqlMonitoringReader) -> None:
    assert reader.process_numbers("p", None).open_incidents == {"B": 1}
    assert reader.process_numbers("q", None).open_incidents == {"A": 1}


def test_started_completed_failed_per_utc_day(reader: SqlMonitoringReader) -> None:
    assert list(reader.day_counts("p", date(2026, 10, 1))) == [
        DayCount(date(2026, 11, 1), started=5, failed=1),
        DayCount(date(2026, 11, 2), started=0, completed=1),
    ]
    assert list(reader.day_counts(None, date(2026, 10, 1))) == [
        DayCount(date(2026, 10, 30), started=1),
        DayCount(date(2026, 11, 1), started=5, failed=1),
        DayCount(date(2026, 11, 2), completed=1),
    ]
    assert list(reader.day_counts(None, date(2026, 11, 2))) == [DayCount(date(2026, 11, 2), completed=1)]


def test_incident_inbox_filters_by_process_activity_error_and_queues(reader: SqlMonitoringReader) -> None:
    everything = reader.open_incidents(IncidentFilter())
    assert [r.error for r in everything.rows] == [
        "Mail server refused",
        "ERP answered 503 Service Unavailable",
    ]
    assert everything.total == 2
    erp = everything.rows[1]
    assert (erp.process_key, erp.activity_key, erp.attempts, erp.response) == ("p", "B", 3, "HTTP 503")
    assert erp.opened_at == T0 + HOUR
    assert [r.process_key for r in reader.open_incidents(IncidentFilter(process_key="q")).rows] == ["q"]
    assert reader.open_incidents(IncidentFilter(process_key="p", activity_key="A")).total == 0
    assert reader.open_incidents(IncidentFilter(error_contains="503 SERVICE")).total == 1
    assert reader.open_incidents(IncidentFilter(error_contains="50%")).total == 0  # % is no wildcard
    assert reader.open_incidents(IncidentFilter(queues=("Misc",))).total == 1
    assert reader.open_incidents(IncidentFilter(queues=())).total == 0
    paged = reader.open_incidents(IncidentFilter(limit=1, offset=1))
    assert ([r.error for r in paged.rows], paged.total) == (["ERP answered 503 Service Unavailable"], 2)


@pytest.mark.parametrize(
    ("zone", "since", "expected"),
    [
        # UTC+9: everything of p happened on 2 November there; q's start on 31 October.
        (
            "Asia/Tokyo",
            date(2026, 10, 1),
            [
                DayCount(date(2026, 10, 31), started=1),
                DayCount(date(2026, 11, 2), started=5, completed=1, failed=1),
            ],
        ),
        # Daylight saving ended on 1 November at 06:00 UTC (UTC-4 before, UTC-5 after): the completion at
        # 00:00 UTC on the 2nd is 19:00 on the 1st there.
        (
            "America/New_York",
            date(2026, 10, 1),
            [
                DayCount(date(2026, 10, 30), started=1),
                DayCount(date(2026, 11, 1), started=5, completed=1, failed=1),
            ],
        ),
        # ``since`` is a day of the zone: from midnight there.
        ("Asia/Tokyo", date(2026, 11, 2), [DayCount(date(2026, 11, 2), started=5, completed=1, failed=1)]),
    ],
)
def test_days_are_the_days_of_the_desks_time_zone(
    reader: SqlMonitoringReader, zone: str, since: date, expected: list[DayCount]
) -> None:
    assert list(reader.day_counts(None, since, ZoneInfo(zone))) == expected


def test_a_zone_half_an_hour_off_splits_the_hour_where_its_midnight_is(engine: Engine) -> None:
    h = Histories(engine)
    for minute in (20, 40):  # 18:20 and 18:40 UTC: 23:50 and 00:10 in India (UTC+5:30)
        h.ticket(
            "r", 1, "active", [Step(datetime(2026, 11, 5, 18, minute, tzinfo=UTC), "", "A", "ProcessStart")]
        )
    counts = SqlMonitoringReader(engine).day_counts("r", date(2026, 11, 1), ZoneInfo("Asia/Kolkata"))
    assert list(counts) == [DayCount(date(2026, 11, 5), started=1), DayCount(date(2026, 11, 6), started=1)]
    assert list(SqlMonitoringReader(engine).day_counts("r", date(2026, 11, 1))) == [
        DayCount(date(2026, 11, 5), started=2)
    ]
