"""The hunt for a counsellor, stored: routing decides, this module records offers and answers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

from sqlalchemy import select, update
from sqlalchemy.orm import Session, selectinload

from hotline.directory import catchment
from hotline.models import AttemptResult, Call, CallAttempt, CallOutcome, Counsellor, Line
from hotline.routing import (
    CounsellorState,
    HuntRequest,
    NoOffer,
    Offer,
    WeeklyShift,
    next_offer,
)
from hotline.twilio_terms import DialStatus

# What Twilio's DialCallStatus says about a counsellor who did not take the call.
DIAL_RESULTS: dict[str, AttemptResult] = {
    DialStatus.BUSY: AttemptResult.BUSY,
    DialStatus.NO_ANSWER: AttemptResult.NO_ANSWER,
    DialStatus.FAILED: AttemptResult.FAILED,
    DialStatus.CANCELED: AttemptResult.CANCELED,
}


@dataclass(frozen=True)
class Ring:
    """One counsellor to ring: the attempt id (for the screen URL) and the sealed phone."""

    attempt_id: int
    phone_sealed: str


def roster_states(session: Session) -> list[CounsellorState]:
    """Every active counsellor as routing sees them."""
    query = (
        select(Counsellor)
        .where(Counsellor.active.is_(True))
        .options(selectinload(Counsellor.shifts), selectinload(Counsellor.centre))
    )
    return [_state(c) for c in session.scalars(query)]


def _state(c: Counsellor) -> CounsellorState:
    return CounsellorState(
        id=c.id,
        languages=frozenset(c.languages),
        centre=c.centre.slug if c.centre else None,
        oblast=catchment(c.centre.oblast) if c.centre else None,
        active=c.active,
        duty=c.duty,
        shifts=tuple(WeeklyShift(s.weekday, s.start, s.end) for s in c.shifts),
        standby=c.standby,
        busy=c.on_call_sid is not None,
        wrap_up_until=c.wrap_up_until,
        last_offered_at=c.last_offered_at,
        last_answered_at=c.last_answered_at,
        position=c.position,
    )


def offer_next_counsellor(
    session: Session, call: Call, line: Line, language: str, now: datetime, zone: tzinfo
) -> tuple[Offer | NoOffer, list[Ring]]:
    """Decide who rings next and record a RINGING attempt for each."""
    if call.hunt_started_at is None:
        call.hunt_started_at = now
    tried = frozenset(a.counsellor_id for a in call.attempts)
    hunt = HuntRequest(
        strategy=line.strategy,
        language=language,
        line_centre=line.centre.slug if line.centre else None,
        caller_oblast=catchment(call.caller_area),
        tried=tried,
        last_offered_on_line=line.last_offered_counsellor_id,
        started_at=call.hunt_started_at,
        now=now,
        shift_zone=zone,
        max_wait_seconds=line.max_wait_seconds,
        ring_timeout_seconds=line.ring_seconds,
    )
    decision = next_offer(roster_states(session), hunt)
    if isinstance(decision, NoOffer):
        return decision, []
    rings = []
    for counsellor_id in decision.counsellor_ids:
        counsellor = session.get_one(Counsellor, counsellor_id)
        counsellor.last_offered_at = now
        attempt = CallAttempt(call=call, counsellor_id=counsellor_id, offered_at=now)
        session.add(attempt)
        session.flush()
        rings.append(Ring(attempt.id, counsellor.phone_sealed))
    line.last_offered_counsellor_id = decision.counsellor_ids[-1]
    call.attempt_count += len(rings)
    return decision, rings


def accept_offer(session: Session, attempt_id: int, now: datetime) -> bool:
    """The counsellor pressed 1: the first to do so gets the call (a compare-and-set)."""
    attempt = session.get(CallAttempt, attempt_id)
    if attempt is None or attempt.result != AttemptResult.RINGING:
        return False
    won = session.execute(
        update(Call)
        .where(Call.id == attempt.call_id, Call.counsellor_id.is_(None))
        .values(counsellor_id=attempt.counsellor_id, answered_at=now, outcome=CallOutcome.ANSWERED)
    )
    if won.rowcount != 1:  # type: ignore[attr-defined]
        attempt.result = AttemptResult.CANCELED
        return False
    attempt.result = AttemptResult.ACCEPTED
    attempt.ring_seconds = _seconds_between(attempt.offered_at, now)
    counsellor = session.get_one(Counsellor, attempt.counsellor_id)
    counsellor.on_call_sid = attempt.call.call_sid
    counsellor.last_answered_at = now
    session.refresh(attempt.call)
    return True


def decline_offer(session: Session, attempt_id: int, now: datetime) -> None:
    """The counsellor (or their voicemail) did not press 1."""
    attempt = session.get(CallAttempt, attempt_id)
    if attempt is not None and attempt.result == AttemptResult.RINGING:
        attempt.result = AttemptResult.DECLINED
        attempt.ring_seconds = _seconds_between(attempt.offered_at, now)


def settle_dial(session: Session, call: Call, dial_status: str, now: datetime) -> bool:
    """After a `<Dial>` ends: True if our records say a counsellor took the call."""
    for attempt in call.attempts:
        if attempt.result == AttemptResult.RINGING:
            attempt.result = DIAL_RESULTS.get(dial_status, AttemptResult.NO_ANSWER)
            attempt.ring_seconds = _seconds_between(attempt.offered_at, now)
    return call.counsellor_id is not None


def mark_on_call(session: Session, counsellor_id: int, call_sid: str) -> None:
    """A counsellor is on a call (a callback's): no other call rings them until it ends."""
    session.get_one(Counsellor, counsellor_id).on_call_sid = call_sid


def release_counsellor(session: Session, call_sid: str, now: datetime, wrap_up: int) -> None:
    """The call is over: the counsellor gets a wrap-up pause before the next one rings."""
    for counsellor in session.scalars(select(Counsellor).where(Counsellor.on_call_sid == call_sid)):
        counsellor.on_call_sid = None
        counsellor.wrap_up_until = now + timedelta(seconds=wrap_up)
        counsellor.last_answered_at = now


def _seconds_between(start: datetime, end: datetime) -> int:
    return max(0, int((end - start).total_seconds()))


def choose_for_callback(
    session: Session, line: Line, language: str, tried: list[int], now: datetime, zone: tzinfo
) -> Counsellor | None:
    """One on-call counsellor for a callback, by the line's own strategy and rules."""
    hunt = HuntRequest(
        strategy=line.strategy,
        language=language,
        line_centre=line.centre.slug if line.centre else None,
        caller_oblast=None,
        tried=frozenset(tried),
        last_offered_on_line=line.last_offered_counsellor_id,
        started_at=now,
        now=now,
        shift_zone=zone,
        ring_timeout_seconds=line.ring_seconds,
    )
    decision = next_offer(roster_states(session), hunt)
    if isinstance(decision, NoOffer):
        return None
    counsellor = session.get_one(Counsellor, decision.counsellor_ids[0])
    counsellor.last_offered_at = now
    line.last_offered_counsellor_id = counsellor.id
    return counsellor
