"""Started, completed and failed per day as a bar chart drawn server-side: three bars per day on one
scale, the geometry computed here and turned into inline SVG by ``templates/monitoring/chart.html``
(which also writes the numbers as a table for screen readers)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ticketflow.usecases.monitoring_records import DayCount

PLOT_HEIGHT = 160.0
LEFT = 36.0  # room for the scale's numbers
TOP = 12.0
BOTTOM = 28.0  # room for the day labels
BAR_WIDTH = 6.0
DAY_WIDTH = 3 * BAR_WIDTH + 8.0
SERIES = (("started", "Started"), ("completed", "Completed"), ("failed", "Failed"))


@dataclass(frozen=True, slots=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    kind: str  # started, completed, failed: the CSS class
    title: str


@dataclass(frozen=True, slots=True)
class Tick:
    y: float
    label: str


@dataclass(frozen=True, slots=True)
class DayLabel:
    x: float
    text: str


@dataclass(frozen=True, slots=True)
class Chart:
    title: str
    days: tuple[DayCount, ...]
    bars: tuple[Bar, ...]
    ticks: tuple[Tick, ...]
    labels: tuple[DayLabel, ...]
    width: float
    height: float
    baseline: float
    totals: dict[str, int]


def day_chart(title: str, days: Sequence[DayCount]) -> Chart:
    """The chart of ``days`` (oldest first); every day gets its slot, days without events too."""
    highest = max((max(d.started, d.completed, d.failed) for d in days), default=0)
    scale_top = _round_up(highest)
    baseline = TOP + PLOT_HEIGHT
    bars = []
    for n, day in enumerate(days):
        for m, (kind, label) in enumerate(SERIES):
            value: int = getattr(day, kind)
            if not value:
                continue
            height = PLOT_HEIGHT * value / scale_top
            bars.append(
                Bar(
                    LEFT + n * DAY_WIDTH + m * BAR_WIDTH + 4.0,
                    baseline - height,
                    BAR_WIDTH,
                    height,
                    kind,
                    f"{day.day.isoformat()}: {value} {label.lower()}",
                )
            )
    ticks = tuple(Tick(baseline - PLOT_HEIGHT * f, str(round(scale_top * f))) for f in (0.0, 0.5, 1.0))
    # A label under every 7th day from the newest backwards, so today is always labelled.
    labels = tuple(
        DayLabel(LEFT + n * DAY_WIDTH + DAY_WIDTH / 2, day.day.strftime("%m-%d"))
        for n, day in enumerate(days)
        if (len(days) - 1 - n) % 7 == 0
    )
    totals = {kind: sum(getattr(d, kind) for d in days) for kind, _ in SERIES}
    width = LEFT + len(days) * DAY_WIDTH + 8.0
    return Chart(title, tuple(days), tuple(bars), ticks, labels, width, baseline + BOTTOM, baseline, totals)


def _round_up(value: int) -> int:
    """A scale top at or above ``value`` that halves into whole numbers: 2, 4, 10, 20, 40, 100 …"""
    top = 2
    while top < value:
        top = top * 5 // 2 if str(top).startswith("4") else top * 2
    return top
