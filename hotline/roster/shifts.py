"""Weekly shifts as an operator writes them: "mon 09:00-18:00", "weekdays ...". Pure."""

from __future__ import annotations

import re
from datetime import time

from hotline.models import Shift

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_GROUPS = {"daily": range(7), "weekdays": range(5), "weekend": range(5, 7)}
_SHIFT = re.compile(r"^\s*(\w+)\s+(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


class RosterError(ValueError):
    """An operator's change cannot be made; the message says why, never with a number."""


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
        start, end = time(int(h1), int(m1)), time(int(h2) % 24, int(m2))
    except ValueError:
        raise RosterError("shift times must be HH:MM between 00:00 and 24:00") from None
    if start == end:
        raise RosterError("a shift must not start and end at the same time")
    return [(weekday, start, end) for weekday in days]


def describe_shift(shift: Shift) -> str:
    """'mon 09:00-18:00'."""
    return f"{WEEKDAYS[shift.weekday]} {shift.start:%H:%M}-{shift.end:%H:%M}"
