"""The per-day bar chart's geometry: one slot per day, bars on one scale, labels ending today."""

from __future__ import annotations

from datetime import date, timedelta

from ticketflow.usecases.monitoring_records import DayCount
from ticketflow.web.ui.monitoring_chart import BAR_WIDTH, PLOT_HEIGHT, day_chart

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
