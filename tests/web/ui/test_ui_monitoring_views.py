"""The per-day bar chart's geometry: one slot per day, bars on one scale, labels ending today; and the
rows of the monitoring table."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from ticketflow.demo.loader import demo_document
from ticketflow.domain.formats.native_json import process_from_dict
from ticketflow.usecases.monitoring import ProcessMonitoring
from ticketflow.usecases.monitoring_records import ActivityCounts, DayCount, Dwell, ProcessNumbers
from ticketflow.web.ui.monitoring_chart import BAR_WIDTH, PLOT_HEIGHT, day_chart
from ticketflow.web.ui.monitoring_pages import activity_rows

FIRST = date(2026, 11, 1)


def test_bars_share_one_scale_and_empty_values_draw_nothing() -> None:
    days = [DayCount(FIRST, started=3, completed=1), DayCount(FIRST + timedelta(days=1), failed=2)]
    chart = day_chart("Purchases", days)
    # The scale tops at 4 (the next of 2, 4, 10, 20 … at or above 3).
    assert [t.label for t in chart.ticks] == ["0", "2", "4"]
    heights = {(b.kind, b.title): b.height for b in chart.bars}
    assert heights == {
        ("started", "2026-11-01: 3 started"): PLOT_HEIGHT * 3 / 4,
        ("completed", "2026-11-01: 1 completed"): PLOT_HEIGHT / 4,
        ("failed", "2026-11-02: 2 failed"): PLOT_HEIGHT / 2,
    }
    assert all(b.y + b.height == chart.baseline for b in chart.bars)
    started, completed = chart.bars[0], chart.bars[1]
    assert completed.x - started.x == BAR_WIDTH
    assert chart.totals == {"started": 3, "completed": 1, "failed": 2}


def test_every_seventh_day_is_labelled_counting_back_from_the_last() -> None:
    days = [DayCount(FIRST + timedelta(days=n)) for n in range(30)]
    chart = day_chart("Nothing happened", days)
    assert [label.text for label in chart.labels] == ["11-02", "11-09", "11-16", "11-23", "11-30"]
    assert chart.bars == ()
    assert [t.label for t in chart.ticks] == ["0", "1", "2"]


def test_activities_only_older_versions_have_get_rows_after_the_drawn_ones() -> None:
    process = process_from_dict(demo_document("purchase-request"))
    numbers = ProcessNumbers(
        counts={"approval": ActivityCounts(active=2), "legacy-check": ActivityCounts(waiting=1)},
        dwell={"legacy-check": Dwell(finished=4, average_seconds=90.0, p90_seconds=120.0)},
    )
    rows = activity_rows(ProcessMonitoring(process, None, (1, 2), numbers), datetime(2026, 11, 1, tzinfo=UTC))
    assert [r.key for r in rows] == [a.key for a in process.activities] + ["legacy-check"]
    legacy = rows[-1]
    assert (legacy.kind, legacy.counts.open, legacy.average, legacy.p90) == (
        "older version",
        1,
        "2 min",
        "2 min",
    )
    assert legacy.tickets_href == "/agent/monitoring/purchase-request/tickets?activity=legacy-check"
