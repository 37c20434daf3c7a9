"""A read-only process diagram drawn server-side: boxes at the modeler's layout positions, arrows for
the transitions, the current activity highlighted. The template turns the geometry into inline SVG,
so the ticket zoom shows where a ticket stands without any JavaScript.

Pages that tell more on the same picture (a ticket's path, a version diff, monitoring counts, a Test
Mode run) pass *marks* (CSS classes such as ``visited``, ``added``, ``incident``) per activity or
transition key, *badges* (a short text in the box's corner, optionally a link), *links* and *notes*
(words for a box's tooltip)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ticketflow.domain.definitions import ActivityType, Position, Process

BOX_WIDTH = 140.0
BOX_HEIGHT = 56.0
MARGIN = 24.0
# Activities the modeler never placed go in a row below the others, one box width and a gap apart.
_ROW_STEP = BOX_WIDTH + 60.0


@dataclass(frozen=True, slots=True)
class Badge:
    """A short text in a box's top-right corner (a count, "2 failed"), a link when ``href`` is set."""

    text: str
    kind: str = "info"  # a CSS class: info, incident, ...
    href: str | None = None
    title: str = ""


@dataclass(frozen=True, slots=True)
class Box:
    key: str
    name: str
    kind: str
    x: float  # top-left corner
    y: float
    current: bool
    marks: tuple[str, ...] = ()
    badges: tuple[Badge, ...] = ()
    href: str | None = None
    note: str = ""  # more words for the box's tooltip (monitoring: time spent there)


@dataclass(frozen=True, slots=True)
class Arrow:
    key: str
    name: str
    x1: float
    y1: float
    x2: float
    y2: float
    error: bool
    marks: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Diagram:
    boxes: tuple[Box, ...]
    arrows: tuple[Arrow, ...]
    width: float
    height: float
    current_name: str | None


def process_diagram(
    process: Process,
    current_activity: str | None,
    *,
    marks: Mapping[str, Iterable[str]] | None = None,
    badges: Mapping[str, Iterable[Badge]] | None = None,
    links: Mapping[str, str] | None = None,
    notes: Mapping[str, str] | None = None,
) -> Diagram:
    """The diagram of ``process``; layout positions are the centres of the activities.

    ``marks`` is keyed by activity or transition key, ``badges``, ``links`` and ``notes`` (words added
    to a box's tooltip) by activity key."""
    marks = marks or {}
    badges = badges or {}
    links = links or {}
    notes = notes or {}
    centres = _centres(process)
    left = min(x for x, _ in centres.values()) - BOX_WIDTH / 2 - MARGIN
    top = min(y for _, y in centres.values()) - BOX_HEIGHT / 2 - MARGIN
    boxes = tuple(
        Box(
            a.key,
            a.name,
            _kind(a.type),
            centres[a.key][0] - BOX_WIDTH / 2 - left,
            centres[a.key][1] - BOX_HEIGHT / 2 - top,
            a.key == current_activity,
            tuple(marks.get(a.key, ())),
            tuple(badges.get(a.key, ())),
            links.get(a.key),
            notes.get(a.key, ""),
        )
        for a in process.activities
    )
    arrows = tuple(
        _arrow(
            t.key,
            t.name,
            centres[t.source],
            centres[t.target],
            left,
            top,
            t.error_code is not None,
            tuple(marks.get(t.key, ())),
        )
        for t in process.transitions
        if t.source in centres and t.target in centres and t.source != t.target
    )
    width = max(b.x for b in boxes) + BOX_WIDTH + MARGIN
    height = max(b.y for b in boxes) + BOX_HEIGHT + MARGIN
    current = process.find_activity(current_activity) if current_activity else None
    return Diagram(boxes, arrows, width, height, current.name if current else None)


def _centres(process: Process) -> dict[str, tuple[float, float]]:
    placed: dict[str, Position] = dict(process.layout)
    bottom = max((p.y for p in placed.values()), default=0.0) + (BOX_HEIGHT * 2 if placed else BOX_HEIGHT)
    centres: dict[str, tuple[float, float]] = {}
    unplaced = 0
    for activity in process.activities:
        position = placed.get(activity.key)
        if position is None:
            centres[activity.key] = (BOX_WIDTH / 2 + unplaced * _ROW_STEP, bottom)
            unplaced += 1
        else:
            centres[activity.key] = (position.x, position.y)
    return centres


def _kind(activity_type: ActivityType) -> str:
    return activity_type.value.replace("_", "-")


def _arrow(
    key: str,
    name: str,
    source: tuple[float, float],
    target: tuple[float, float],
    left: float,
    top: float,
    error: bool,
    marks: tuple[str, ...],
) -> Arrow:
    """From the edge of the source box to the edge of the target box, along the line between centres."""
    (x1, y1), (x2, y2) = source, target
    sx, sy = _edge(x1, y1, x2 - x1, y2 - y1)
    tx, ty = _edge(x2, y2, x1 - x2, y1 - y2)
    return Arrow(key, name, sx - left, sy - top, tx - left, ty - top, error, marks)


def _edge(x: float, y: float, dx: float, dy: float) -> tuple[float, float]:
    """Where a ray from a box centre in direction (dx, dy) leaves the box."""
    limits = []
    if dx:
        limits.append(BOX_WIDTH / 2 / abs(dx))
    if dy:
        limits.append(BOX_HEIGHT / 2 / abs(dy))
    t = min(limits) if limits else 0.0
    return x + dx * t, y + dy * t
