"""Business hours as data: opening windows per weekday, and date arithmetic over working time.

Text form: groups separated by ``;``, each ``<days> <HH:MM-HH:MM> [<HH:MM-HH:MM> …]``; days are
``Mon-Fri``, ``Mon,Wed,Fri``, ``Sat`` (English three-letter names, any case; a range may wrap, ``Fri-Mon``).
Example: ``Mon-Fri 08:00-12:00 13:00-17:00; Sat 09:00-12:00``. ``24:00`` closes at midnight.
Times are wall-clock times in the zone of the datetime given (its ``tzinfo`` is kept), so pass a
datetime converted to the zone the hours are meant in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

_DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_WINDOW = re.compile(r"(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})")
_DAY = timedelta(days=1)

Window = tuple[timedelta, timedelta]


@dataclass(frozen=True, slots=True)
class BusinessHours:
    """``windows[weekday]`` (Monday = 0): that day's opening windows, sorted, as offsets from midnight."""

    windows: tuple[tuple[Window, ...], ...]

    @classmethod
    def parse(cls, text: str) -> BusinessHours:
        """Raises ValueError with a readable message for text that is not business hours."""
        days: list[list[Window]] = [[] for _ in _DAY_NAMES]
        for group in filter(None, (part.strip() for part in text.split(";"))):
            day_spec, _, hours = group.partition(" ")
            windows = _parse_windows(hours, group)
            for weekday in _parse_days(day_spec):
                days[weekday].extend(windows)
        if not any(days):
            raise ValueError(f"'{text}' names no opening hours (write e.g. 'Mon-Fri 08:00-17:00')")
        return cls(tuple(tuple(sorted(windows)) for windows in days))

    def is_open(self, moment: datetime) -> bool:
        offset = _offset(moment)
        return any(start <= offset < end for start, end in self.windows[moment.weekday()])

    def add(self, moment: datetime, duration: timedelta) -> datetime:
        """``moment`` plus ``duration`` of working time (negative goes back). Time outside the windows
        does not count; a result exactly at a window's end stays there."""
        zone = moment.tzinfo
        if duration >= timedelta(0):
            return self._forward(moment.date(), _offset(moment), duration, zone)
        return self._backward(moment.date(), _offset(moment), -duration, zone)

    def add_days(self, moment: datetime, days: int) -> datetime:
        """The same clock time ``days`` working days (days with any window) later or earlier; a result
        outside the windows moves to the next opening (forward) or the previous closing (backward)."""
        step = _DAY if days >= 0 else -_DAY
        day = moment.date()
        for _ in range(abs(days)):
            day += step
            while not self.windows[day.weekday()]:
                day += step
        landed = datetime.combine(day, moment.timetz())
        if self.is_open(landed):
            return landed
        if days >= 0:
            return self._forward(day, _offset(landed), timedelta(0), moment.tzinfo)
        return self._backward(day, _offset(landed), timedelta(0), moment.tzinfo)

    def _forward(self, day: date, offset: timedelta, remaining: timedelta, zone: tzinfo | None) -> datetime:
        while True:
            for start, end in self.windows[day.weekday()]:
                if offset >= end:
                    continue
                offset = max(offset, start)
                if remaining <= end - offset:
                    return _at(day, offset + remaining, zone)
                remaining -= end - offset
                offset = end
            day, offset = day + _DAY, timedelta(0)

    def _backward(self, day: date, offset: timedelta, remaining: timedelta, zone: tzinfo | None) -> datetime:
        while True:
            for start, end in reversed(self.windows[day.weekday()]):
                if offset <= start:
                    continue
                offset = min(offset, end)
                if remaining <= offset - start:
                    return _at(day, offset - remaining, zone)
                remaining -= offset - start
                offset = start
            day, offset = day - _DAY, _DAY


def _offset(moment: datetime) -> timedelta:
    return moment - datetime.combine(moment.date(), time(0), tzinfo=moment.tzinfo)


def _at(day: date, offset: timedelta, zone: tzinfo | None) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone) + offset


def _parse_days(spec: str) -> list[int]:
    result: list[int] = []
    for part in spec.lower().split(","):
        first, dash, last = part.strip().partition("-")
        start = _day_index(first, spec)
        end = _day_index(last, spec) if dash else start
        result.extend((start + step) % 7 for step in range((end - start) % 7 + 1))
    return result


def _day_index(name: str, spec: str) -> int:
    key = name.strip()[:3]
    if key not in _DAY_NAMES or len(name.strip()) < 3:
        raise ValueError(f"'{spec}' is not a day or day range (Mon, Tue … Sun; e.g. Mon-Fri)")
    return _DAY_NAMES.index(key)


def _parse_windows(text: str, group: str) -> list[Window]:
    windows: list[Window] = []
    for part in text.split():
        match = _WINDOW.fullmatch(part)
        if match is None:
            raise ValueError(f"'{group}': '{part}' is not a time window HH:MM-HH:MM")
        start = _clock(match.group(1), match.group(2), group)
        end = _clock(match.group(3), match.group(4), group)
        if end <= start:
            raise ValueError(f"'{group}': window {part} ends before it starts")
        windows.append((start, end))
    if not windows:
        raise ValueError(f"'{group}' has days but no hours (write e.g. 'Mon-Fri 08:00-17:00')")
    return windows


def _clock(hours: str, minutes: str, group: str) -> timedelta:
    value = timedelta(hours=int(hours), minutes=int(minutes))
    if int(minutes) > 59 or value > _DAY:
        raise ValueError(f"'{group}': {hours}:{minutes} is not a time of day")
    return value
