"""A counsellor's answer to an offer: the first to press 1 takes the call and is marked on it (as
a callback's counsellor is), the others rung with them are let go, and one who does not answer
is free for the next caller."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Integer, bindparam, case, literal, select, update
from sqlalchemy.orm import Session

from hotline.calls import reservations
from hotline.calls.ending import RANG, seconds_between
from hotline.db_direct import run
from hotline.models import AttemptResult, Call, CallAttempt, CallOutcome, Counsellor


@dataclass(frozen=True)
class RungOffer:
    """An offer as the counsellor's leg reads it, with its call: one row."""

    attempt_id: int
    ringing: bool  # still open: nobody took the call, declined or ended it
    call_id: int
    call_sid: str
    caller_language: str | None
    counsellor_id: int
    offered_at: datetime


_RUNG_OFFER = (
    select(
        CallAttempt.id,
        CallAttempt.result == AttemptResult.RINGING,
        Call.id,
        Call.call_sid,
        Call.language,
        CallAttempt.counsellor_id,
        CallAttempt.offered_at,
    )
    .join(Call, Call.id == CallAttempt.call_id)
    .where(CallAttempt.id == bindparam("attempt"))
)


def read_offer(session: Session, attempt_id: int) -> RungOffer | None:
    """The offer with this attempt id; None: no such offer."""
    row = run(session.connection(), _RUNG_OFFER, {"attempt": attempt_id}).first()
    return None if row is None else RungOffer(*row)


# Answering an offer in Core statements built once: the ORM loaded the attempt, its call twice,
# the counsellor and the call's attempts (eight statements); now the read and three UPDATEs.
_TAKE_CALL = (
    update(Call)
    .where(Call.id == bindparam("call_id"), Call.counsellor_id.is_(None))
    .values(
        counsellor_id=bindparam("counsellor"),
        answered_at=bindparam("now"),
        outcome=literal(CallOutcome.ANSWERED, Call.__table__.c.outcome.type),
    )
)
_RESULT = CallAttempt.__table__.c.result.type
# The one who answered: ACCEPTED with their ring time; ringall's others: CANCELED (Twilio hangs
# up on them now), their ring times after.
_SETTLE_OFFERS = (
    update(CallAttempt)
    .where(
        CallAttempt.call_id == bindparam("answered_call"),  # not a column's name
        CallAttempt.result == AttemptResult.RINGING,
    )
    .values(
        result=case(
            (CallAttempt.id == bindparam("attempt"), literal(AttemptResult.ACCEPTED, _RESULT)),
            else_=literal(AttemptResult.CANCELED, _RESULT),
        ),
        ring_seconds=case(
            (CallAttempt.id == bindparam("attempt"), bindparam("seconds", type_=Integer)),
            else_=CallAttempt.ring_seconds,
        ),
    )
    .returning(CallAttempt.id, CallAttempt.counsellor_id, CallAttempt.offered_at)
)
_ENDS_OFFER = (
    update(CallAttempt)
    .where(CallAttempt.id == bindparam("attempt"), CallAttempt.result == AttemptResult.RINGING)
    .returning(CallAttempt.counsellor_id)
)
_CANCEL_OFFER = _ENDS_OFFER.values(result=literal(AttemptResult.CANCELED, _RESULT))
_DECLINE_OFFER = _ENDS_OFFER.values(
    result=literal(AttemptResult.DECLINED, _RESULT), ring_seconds=bindparam("seconds")
)
_ON_CALL = (
    update(Counsellor)
    .where(Counsellor.id == bindparam("counsellor"))
    .values(
        on_call_sid=bindparam("sid"),
        reserved_for=bindparam("sid"),
        reserved_until=bindparam("until"),
    )
)
_ANSWERED = _ON_CALL.values(last_answered_at=bindparam("now"))


def accept_offer(session: Session, offer: RungOffer, now: datetime) -> bool:
    """The counsellor pressed 1: the first to do so gets the call (a compare-and-set)."""
    if not offer.ringing:
        return False
    connection = session.connection()
    values = {"call_id": offer.call_id, "counsellor": offer.counsellor_id, "now": now}
    if run(connection, _TAKE_CALL, values).rowcount != 1:  # another took it first
        if run(connection, _CANCEL_OFFER, {"attempt": offer.attempt_id}).first() is not None:
            reservations.release(session, offer.call_sid, [offer.counsellor_id])
        return False
    seconds = seconds_between(offer.offered_at, now)
    values = {"answered_call": offer.call_id, "attempt": offer.attempt_id, "seconds": seconds}
    others = [row for row in run(connection, _SETTLE_OFFERS, values) if row[0] != offer.attempt_id]
    mark_on_call(session, offer.counsellor_id, offer.call_sid, now, answered=True)
    if others:  # ringall: Twilio hangs up on the others now
        rang = [{"attempt": a, "seconds": seconds_between(at, now)} for a, _, at in others]
        connection.execute(RANG, rang)
        reservations.release(session, offer.call_sid, [c for _, c, _ in others])
    return True


def decline_offer(session: Session, offer: RungOffer, now: datetime) -> None:
    """The counsellor (or their voicemail) did not press 1: free for the next caller."""
    values = {"attempt": offer.attempt_id, "seconds": seconds_between(offer.offered_at, now)}
    if run(session.connection(), _DECLINE_OFFER, values).first() is not None:
        reservations.release(session, offer.call_sid, [offer.counsellor_id])


def mark_on_call(
    session: Session, counsellor_id: int, call_sid: str, now: datetime, answered: bool = False
) -> None:
    """A counsellor is on a call: no other call rings them until it ends (or its time limit).
    `answered`: they took it from the line's hunt (leastrecent counts from now)."""
    session.flush()  # changes made so far go first, as before any statement of the ORM's
    values = {
        "counsellor": counsellor_id,
        "sid": call_sid,
        "until": reservations.talking_until(now),
    }
    run(session.connection(), _ANSWERED if answered else _ON_CALL, {**values, "now": now})
    changed = ["on_call_sid", "reserved_for", "reserved_until", "last_answered_at"]
    reservations.forget_held(session, [counsellor_id], changed)
