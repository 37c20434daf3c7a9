"""Positions for processes that were never drawn (imports from OTOBO, hand-written JSON).

A layered layout: the column of an activity is its breadth-first depth from the start activity,
activities of one column are stacked top to bottom in the order they are listed. Simple and stable:
the same process always gets the same picture, and a later drag in the modeler is what makes it nice.
"""

from __future__ import annotations

from collections import deque

from ticketflow.domain.definitions import Position, Process

COLUMN_STEP = 200.0
ROW_STEP = 140.0
LEFT = 250.0  # room for the start event left of the first column
TOP = 120.0


def auto_layout(process: Process) -> dict[str, Position]:
    """The stored layout, with every activity that has no position placed by the layered layout.

    When some activities are placed already, the computed ones go below them so nothing overlaps.
    """
    placed = dict(process.layout)
    missing = [a.key for a in process.activities if a.key not in placed]
    if not missing:
        return placed
    depth = _depths(process)
    top = max((p.y for p in placed.values()), default=TOP - ROW_STEP) + ROW_STEP
    rows: dict[int, int] = {}
    for key in missing:
        column = depth[key]
        row = rows.get(column, 0)
        rows[column] = row + 1
        placed[key] = Position(LEFT + column * COLUMN_STEP, top + row * ROW_STEP)
    return placed


def _depths(process: Process) -> dict[str, int]:
    """Breadth-first depth from the start activity; unreachable activities go one column further."""
    targets: dict[str, list[str]] = {}
    for transition in process.transitions:
        targets.setdefault(transition.source, []).append(transition.target)
    depth = {process.start_activity: 0}
    queue = deque([process.start_activity])
    while queue:
        key = queue.popleft()
        for target in targets.get(key, ()):
            if target not in depth:
                depth[target] = depth[key] + 1
                queue.append(target)
    beyond = max(depth.values()) + 1
    return {a.key: depth.get(a.key, beyond) for a in process.activities}
