"""Weekly shifts as an operator writes them: "mon 09:00-18:00", "weekdays ...". Pure."""

from __future__ import annotations

import re
from datetime import time

from hotline.models import Shift

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_GROUPS = {"daily": range(7), "weekdays": range(5), "weekend": range(5, 7)}
_SHIFT = re.compile(r"^\s*(\w+)\s+(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


class RosterError(ValueError):
    """An operator's change cannot be made; the message says why, never with a number.

    `template` and `values` let the console say it in the reader's language (its catalogs
    translate the template); `str()` is the English message.
    """

    def __init__(self, template: str, **values: object) -> None:
        super().__init__(template % values if values else template)
        self.template = template
        self.values = values


def parse_shift(spec: str) -> list[tuple[int, time, time]]:
    """'mon 09:00-18:00', 'weekdays 09:00-18:00', 'sun 20:00-08:00' -> weekly windows."""
    match = _SHIFT.match(spec.lower())
    if not match:
        raise RosterError("a shift looks like 'mon 09:00-18:00' (local time, HOTLINE_TIMEZONE)")
    day, h1, m1, h2, m2 = match.groups()
    if day in DAY_GROUPS:
        days = list(DAY_GROUPS[day])
    elif day[:3] in WEEKDAYS:
        days = [WEEKDAYS.index(day[:3])]
    else:
        raise RosterError(f"unknown day {day!r}: use mon..sun, daily, weekdays or weekend")
    try:
        if int(h2) == 24 and int(m2) != 0:
            raise ValueError("past 24:00")
        start, end = time(int(h1), int(m1)), time(int(h2) % 24, int(m2))
    except ValueError:
        raise RosterError("shift times must be HH:MM between 00:00 and 24:00") from None
    # 00:00-24:00 is a whole day (stored as 00:00-00:00, which routing reads as 24 hours).
    whole_day = start == time(0) and int(h2) == 24
    if start == end and not whole_day:
        raise RosterError("a shift must not start and end at the same time")
    return [(weekday, start, end) for weekday in days]


def describe_shift(shift: Shift) -> str:
    """'mon 09:00-18:00'; a whole day is 'mon 00:00-24:00'."""
    return describe_window(shift.weekday, shift.start, shift.end)


def describe_window(weekday: int, start: time, end: time) -> str:
    """A weekly window as an operator writes it."""
    until = "24:00" if start == end == time(0) else f"{end:%H:%M}"
    return f"{WEEKDAYS[weekday]} {start:%H:%M}-{until}"


MINUTES_PER_WEEK = 7 * 24 * 60


def week_spans(weekday: int, start: time, end: time) -> list[tuple[int, int]]:
    """The minutes of the week a shift covers, as [from, to) spans (split at Sunday midnight)."""
    begin = weekday * 1440 + start.hour * 60 + start.minute
    length = (end.hour * 60 + end.minute - start.hour * 60 - start.minute) % 1440 or 1440
    finish = begin + length
    if finish <= MINUTES_PER_WEEK:
        return [(begin, finish)]
    return [(begin, MINUTES_PER_WEEK), (0, finish - MINUTES_PER_WEEK)]


def overlapping(
    shifts: list[tuple[int, time, time]], new: tuple[int, time, time]
) -> tuple[int, time, time] | None:
    """The first of `shifts` that shares a minute with `new`, if any."""
    wanted = week_spans(*new)
    for shift in shifts:
        for a, b in week_spans(*shift):
            if any(a < d and c < b for c, d in wanted):
                return shift
    return None
