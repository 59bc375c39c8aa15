"""Counsellors as routing sees them: shifts, duty override, and whether they are on call."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta, tzinfo
from enum import StrEnum

from hotline.routing.defaults import DEFAULT_WRAP_UP_SECONDS


def require_aware(name: str, moment: datetime | None) -> None:
    """Refuse a naive datetime: routing compares instants, and a guessed zone is a wrong ring."""
    if moment is not None and moment.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime")


class DutyOverride(StrEnum):
    """A counsellor's own word on duty (SMS "on"/"off" or the console); it beats their shifts."""

    ON = "on"
    OFF = "off"


@dataclass(frozen=True)
class WeeklyShift:
    """A weekly on-call window in local wall-clock time; end <= start runs past midnight."""

    weekday: int  # 0 = Monday .. 6 = Sunday, as datetime.weekday()
    start: time
    end: time

    def __post_init__(self) -> None:
        if not 0 <= self.weekday <= 6:
            raise ValueError("weekday must be 0 (Monday) to 6 (Sunday)")
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise ValueError("shift times are wall-clock times without a time zone")

    def covers(self, moment: datetime, zone: tzinfo) -> bool:
        """Whether this shift covers the instant `moment`, reading the shift in `zone`."""
        require_aware("moment", moment)
        local = moment.astimezone(zone)
        day, clock = local.weekday(), local.time()
        if self.start < self.end:
            return day == self.weekday and self.start <= clock < self.end
        # end == start is a 24-hour shift; both cases split into an evening and a next morning.
        evening = day == self.weekday and clock >= self.start
        morning = day == (self.weekday + 1) % 7 and clock < self.end
        return evening or morning


@dataclass(frozen=True, kw_only=True)
class CounsellorState:
    """What routing needs to know about one counsellor at one instant; no phone number."""

    id: int
    languages: frozenset[str]  # codes: ky, ru, uz, en
    centre: str | None  # centre slug; None = national staff, overflow for every line
    oblast: str | None  # the centre's oblast slug
    active: bool  # inactive counsellors never ring, not even on standby
    duty: DutyOverride | None  # None = follow the shifts
    shifts: tuple[WeeklyShift, ...]
    standby: bool  # rung outside shifts when nobody on call can take the call
    busy: bool  # on a call now
    wrap_up_until: datetime | None
    last_offered_at: datetime | None
    last_answered_at: datetime | None  # when their last call ended (or was answered)
    position: int  # fixed order for the linear strategy

    def __post_init__(self) -> None:
        require_aware("wrap_up_until", self.wrap_up_until)
        require_aware("last_offered_at", self.last_offered_at)
        require_aware("last_answered_at", self.last_answered_at)

    def is_free(self, now: datetime) -> bool:
        """Not on a call and not in wrap-up at `now`."""
        require_aware("now", now)
        return not self.busy and (self.wrap_up_until is None or self.wrap_up_until <= now)


def is_on_call(counsellor: CounsellorState, now: datetime, zone: tzinfo) -> bool:
    """Active and either on duty by override or inside one of their weekly shifts at `now`."""
    require_aware("now", now)
    if not counsellor.active or counsellor.duty == DutyOverride.OFF:
        return False
    if counsellor.duty == DutyOverride.ON:
        return True
    return any(shift.covers(now, zone) for shift in counsellor.shifts)


def end_of_wrap_up(call_ended_at: datetime, seconds: int = DEFAULT_WRAP_UP_SECONDS) -> datetime:
    """When a counsellor whose call ended at `call_ended_at` may be rung again."""
    require_aware("call_ended_at", call_ended_at)
    if seconds < 0:
        raise ValueError("wrap-up seconds must not be negative")
    return call_ended_at + timedelta(seconds=seconds)
