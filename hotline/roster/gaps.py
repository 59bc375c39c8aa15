"""Gaps in cover before they happen: the hours of the next day when nobody who speaks a line's
language will be on call, by their shifts (or their own "on"/"off", taken to stand)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta, tzinfo

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from hotline.models import Counsellor, DutyOverride, Line
from hotline.roster.coverage import HOURS_PER_WEEK, Rota, coverage

LOOK_AHEAD_HOURS = 24
WHOLE_WEEK = [(day, time(0), time(0)) for day in range(7)]  # 00:00-24:00 every day


@dataclass(frozen=True)
class Gap:
    """A line whose language has nobody on call in some of the coming hours (local starts)."""

    line_id: int
    line_number: str
    language: str
    hours: list[datetime]

    def spans(self) -> list[tuple[datetime, datetime]]:
        """The hours run together: [(start, end), ...]."""
        found: list[tuple[datetime, datetime]] = []
        for hour in self.hours:
            end = (hour.astimezone(UTC) + timedelta(hours=1)).astimezone(hour.tzinfo)
            if found and found[-1][1] == hour:
                found[-1] = (found[-1][0], end)
            else:
                found.append((hour, end))
        return found

    def describe(self) -> str:
        """'02:00-06:00, 14:00-15:00' (local time); a whole day is '12:00-12:00 (24 h)'."""
        whole = " (24 h)" if len(self.hours) == LOOK_AHEAD_HOURS else ""
        return ", ".join(f"{start:%H:%M}-{end:%H:%M}" for start, end in self.spans()) + whole


def coming_hours(now: datetime, zone: tzinfo, count: int = LOOK_AHEAD_HOURS) -> list[datetime]:
    """The local starts of this hour and the next `count - 1`."""
    start = now.astimezone(zone).replace(minute=0, second=0, microsecond=0).astimezone(UTC)
    return [(start + timedelta(hours=n)).astimezone(zone) for n in range(count)]


def rota_of(counsellor: Counsellor) -> Rota:
    """When a counsellor will be on call: always (on), never (off), or by their shifts."""
    if counsellor.duty == DutyOverride.ON:
        return Rota(counsellor.languages, WHOLE_WEEK)
    if counsellor.duty == DutyOverride.OFF:
        return Rota(counsellor.languages, [])
    return Rota(counsellor.languages, [(s.weekday, s.start, s.end) for s in counsellor.shifts])


def find_gaps(rotas: list[Rota], lines: list[Line], hours: list[datetime]) -> list[Gap]:
    """For each line, the hours nobody speaking its language covers whole. Pure."""
    languages = sorted({line.language for line in lines})
    counts = coverage(rotas, languages)
    gaps = []
    for line in lines:
        row = counts[line.language]
        empty = [h for h in hours if row[(h.weekday() * 24 + h.hour) % HOURS_PER_WEEK] == 0]
        if empty:
            gaps.append(Gap(line.id, line.number, line.language, empty))
    return gaps


def coming_gaps(session: Session, now: datetime, zone: tzinfo) -> list[Gap]:
    """The gaps of every line in the next 24 hours, from the roster as it stands."""
    people = session.scalars(
        select(Counsellor)
        .where(Counsellor.active.is_(True))
        .options(selectinload(Counsellor.shifts))
    )
    lines = list(session.scalars(select(Line).order_by(Line.number)))
    return find_gaps([rota_of(person) for person in people], lines, coming_hours(now, zone))
