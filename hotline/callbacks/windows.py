"""When a callback is safe: the window the caller chose, in local time (HOTLINE_TIMEZONE). Pure."""

from __future__ import annotations

from datetime import datetime, time, timedelta, tzinfo

from hotline.models.enums import SafeWindow

# Local hours of each window; ASAP is any hour: someone in crisis asked for a call now.
HOURS = {
    SafeWindow.MORNING: (time(8), time(12)),
    SafeWindow.AFTERNOON: (time(12), time(17)),
    SafeWindow.EVENING: (time(17), time(21)),
}


def is_open(window: SafeWindow, moment: datetime, zone: tzinfo) -> bool:
    """Whether `moment` falls inside the window."""
    if window not in HOURS:
        return True
    start, end = HOURS[window]
    return start <= moment.astimezone(zone).time() < end


def next_opening(window: SafeWindow, moment: datetime, zone: tzinfo) -> datetime:
    """`moment` if the window is open then, else the window's next start (same zone as given)."""
    if is_open(window, moment, zone):
        return moment
    start, _ = HOURS[window]
    local = moment.astimezone(zone)
    opening = datetime.combine(local.date(), start, zone)
    if opening <= local:
        opening += timedelta(days=1)
    return opening.astimezone(moment.tzinfo)


def closes_at(window: SafeWindow, moment: datetime, zone: tzinfo) -> datetime | None:
    """When the window open at `moment` closes (None for ASAP, which never closes)."""
    if window not in HOURS:
        return None
    _, end = HOURS[window]
    local = moment.astimezone(zone)
    return datetime.combine(local.date(), end, zone).astimezone(moment.tzinfo)
