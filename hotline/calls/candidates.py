"""The counsellors a hunt may ring, read in one indexed query of just the columns routing needs.

Routing (pure) decides; this module only narrows what it is shown, and only by rules that
routing applies the same way, so its decision is the one it would take on the whole roster:
active, duty not "off", on duty now (duty "on", a shift covering now, or standby), reached by
the line, speaking one of the hunt's languages. Busy counsellors and those in wrap-up stay:
the caller may hold for them. A counsellor's shifts are shown only when they cover now, which
is all `is_on_call` asks of them.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, time, tzinfo
from functools import lru_cache
from typing import Any

from sqlalchemy import String, and_, cast, exists, false, or_, select, true
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from hotline.directory import catchment
from hotline.models import CallAttempt, Centre, Counsellor, DutyOverride, Shift
from hotline.routing import CounsellorState, WeeklyShift


@dataclass(frozen=True)
class Candidates:
    """Who may take the call, as routing sees them, and which of them this call tried."""

    states: list[CounsellorState]
    tried: frozenset[int]


def hunt_candidates(
    session: Session,
    *,
    languages: tuple[str, ...],
    line_centre_id: int | None,
    call_id: int | None,
    now: datetime,
    zone: tzinfo,
) -> Candidates:
    """Everyone routing could offer this call to, or hold for, at `now`."""
    local = now.astimezone(zone)
    day, clock = local.weekday(), local.time().replace(tzinfo=None)
    tried = (
        exists().where(CallAttempt.call_id == call_id, CallAttempt.counsellor_id == Counsellor.id)
        if call_id is not None
        else false()
    )
    query = (
        select(
            Counsellor.id,
            cast(Counsellor.languages, String),  # parsed once per distinct list, not per row
            Centre.slug,
            Centre.oblast,
            Counsellor.duty,
            Counsellor.standby,
            Counsellor.position,
            Counsellor.reserved_until,
            Counsellor.wrap_up_until,
            Counsellor.last_offered_at,
            Counsellor.last_answered_at,
            Shift.weekday,
            Shift.start,
            Shift.end,
            tried,
        )
        .outerjoin(Centre, Centre.id == Counsellor.centre_id)
        .outerjoin(Shift, and_(Shift.counsellor_id == Counsellor.id, _covers(day, clock)))
        .where(
            Counsellor.active.is_(True),
            or_(Counsellor.duty.is_(None), Counsellor.duty != DutyOverride.OFF),
            or_(
                Counsellor.duty == DutyOverride.ON,
                Counsellor.standby.is_(True),
                Shift.id.is_not(None),
            ),
            _reached(line_centre_id),
            _speaks_any(languages),
        )
    )
    states: dict[int, CounsellorState] = {}
    shifts: dict[int, list[WeeklyShift]] = {}
    tried_ids = set()
    for row in session.execute(query):
        cid = row[0]
        if row[11] is not None:
            shifts.setdefault(cid, []).append(WeeklyShift(row[11], row[12], row[13]))
        if row[14]:
            tried_ids.add(cid)
        if cid not in states:
            states[cid] = _state(row, now)
    for cid, covering in shifts.items():
        states[cid] = replace(states[cid], shifts=tuple(covering))
    return Candidates(list(states.values()), frozenset(tried_ids))


def _state(row: Sequence[Any], now: datetime) -> CounsellorState:
    reserved_until = row[7]
    return CounsellorState(
        id=row[0],
        languages=_languages(row[1]),
        centre=row[2],
        oblast=catchment(row[3]),
        active=True,
        duty=DutyOverride(row[4]) if row[4] is not None else None,
        shifts=(),
        standby=row[5],
        busy=reserved_until is not None and reserved_until > now,
        wrap_up_until=row[8],
        last_offered_at=row[9],
        last_answered_at=row[10],
        position=row[6],
    )


@lru_cache(maxsize=256)
def _languages(stored: str) -> frozenset[str]:
    """A counsellor's languages from the stored JSON list; few distinct lists exist."""
    return frozenset(json.loads(stored))


def _covers(day: int, clock: time) -> ColumnElement[bool]:
    """`WeeklyShift.covers` in SQL: a shift covering the local `day` and `clock`."""
    yesterday = (day - 1) % 7
    same_day, past_midnight = Shift.start < Shift.end, Shift.start >= Shift.end
    return or_(
        and_(same_day, Shift.weekday == day, Shift.start <= clock, Shift.end > clock),
        and_(past_midnight, Shift.weekday == day, Shift.start <= clock),  # its evening
        and_(past_midnight, Shift.weekday == yesterday, Shift.end > clock),  # its morning
    )


def _reached(line_centre_id: int | None) -> ColumnElement[bool]:
    """A centre line reaches its own centre and national staff; a national line, everyone."""
    if line_centre_id is None:
        return true()
    return or_(Counsellor.centre_id == line_centre_id, Counsellor.centre_id.is_(None))


def _speaks_any(languages: tuple[str, ...]) -> ColumnElement[bool]:
    """The stored JSON list holds one of `languages` (codes need no JSON escaping)."""
    stored = cast(Counsellor.languages, String)
    return or_(*(stored.contains(json.dumps(code)) for code in languages))
