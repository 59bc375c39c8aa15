"""Endings: of a `<Dial>` (its action URL) and of the call (Twilio's status callback). Each ends
the offers still ringing and frees the counsellors they held; the call's end also closes its
record, once.

Both come for every call that gets this far, so each step is one Core statement built once,
values bound: no load of the call, its offers and its counsellors, no unit of work to flush.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import (
    Boolean,
    Connection,
    Integer,
    String,
    and_,
    bindparam,
    case,
    cast,
    extract,
    func,
    literal,
    null,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session

from hotline.calls import reservations
from hotline.db_direct import run
from hotline.models import AttemptResult, Call, CallAttempt, CallOutcome, Counsellor
from hotline.models.base import UTCDateTime
from hotline.twilio_terms import CALL_NEVER_ANSWERED, DialStatus

# What Twilio's DialCallStatus says about a counsellor who did not take the call.
DIAL_RESULTS: dict[str, AttemptResult] = {
    DialStatus.BUSY: AttemptResult.BUSY,
    DialStatus.NO_ANSWER: AttemptResult.NO_ANSWER,
    DialStatus.FAILED: AttemptResult.FAILED,
    DialStatus.CANCELED: AttemptResult.CANCELED,
}


@dataclass(frozen=True)
class Dialled:
    """A call whose `<Dial>` ended, as the dial action read it (with the hunt's own read, so
    that a hunt after no answer reads nothing again)."""

    call_id: int
    call_sid: str
    offers: int  # counsellors offered it so far
    answered: bool  # our records say a counsellor took the call


# Bound values are not named after columns: SQLAlchemy keeps those names for the SET clause.
_NOW = bindparam("now", type_=UTCDateTime())
_SID = bindparam("sid", type_=String)
_OUTCOME = Call.__table__.c.outcome.type

_RINGING_ENDED = (
    update(CallAttempt)
    .where(
        CallAttempt.call_id == bindparam("ended_call"),
        CallAttempt.result == AttemptResult.RINGING,
    )
    .values(result=bindparam("ended_as", type_=CallAttempt.__table__.c.result.type))
    .returning(CallAttempt.id, CallAttempt.counsellor_id, CallAttempt.offered_at)
)
# An offer's ring time, by its id (values: attempt, seconds); the hunt's answer sets them too.
RANG = (
    update(CallAttempt)
    .where(CallAttempt.id == bindparam("attempt"))
    .values(ring_seconds=bindparam("seconds", type_=Integer))
)


def _ends_as(outcome: CallOutcome) -> object:
    return literal(outcome, _OUTCOME)


_STILL_OPEN = Call.ended_at.is_(None)
_IN_PROGRESS = and_(_STILL_OPEN, Call.outcome == CallOutcome.IN_PROGRESS)
# The first status callback closes the record; a repeat or a late one changes nothing. A call
# still in progress then was never answered, or the caller hung up waiting or in the menus.
_CLOSE = (
    update(Call)
    .where(Call.call_sid == _SID)
    .values(
        ended_at=case((_STILL_OPEN, _NOW), else_=Call.ended_at),
        duration_seconds=case(
            (_STILL_OPEN, bindparam("duration", type_=Integer)), else_=Call.duration_seconds
        ),
        outcome=case(
            (and_(_IN_PROGRESS, bindparam("never_answered", type_=Boolean)),
             _ends_as(CallOutcome.FAILED)),
            (and_(_IN_PROGRESS, Call.hunt_started_at.is_not(None)),
             _ends_as(CallOutcome.ABANDONED_WAITING)),
            (_IN_PROGRESS, _ends_as(CallOutcome.ABANDONED_IN_MENU)),
            else_=Call.outcome,
        ),
    )
    .returning(Call.id, Call.attempt_count)
)  # fmt: skip
# Whoever talked on the call gets a wrap-up pause; every reservation the call held ends. The
# cases read each row as it was, so one statement does both. Values: sid, now, wrap_up_ends.
_TALKED = Counsellor.on_call_sid == _SID
_HELD = Counsellor.reserved_for == _SID
FREE = (
    update(Counsellor)
    .where(or_(_TALKED, _HELD))
    .values(
        on_call_sid=case((_TALKED, null()), else_=Counsellor.on_call_sid),
        wrap_up_until=case(
            (_TALKED, bindparam("wrap_up_ends", type_=UTCDateTime())),
            else_=Counsellor.wrap_up_until,
        ),
        last_answered_at=case((_TALKED, _NOW), else_=Counsellor.last_answered_at),
        reserved_for=case((_HELD, null()), else_=Counsellor.reserved_for),
        reserved_until=case((_HELD, null()), else_=Counsellor.reserved_until),
    )
    .returning(Counsellor.id)
)
_FREED = ["on_call_sid", "wrap_up_until", "last_answered_at", "reserved_for", "reserved_until"]

# PostgreSQL: the call's end in one statement (data-modifying CTEs): the close, its offers still
# ringing ended as canceled with how long each rang, and its counsellors freed, all only if the
# call is ours. A status callback sent BEGIN, three statements and COMMIT before.
_CLOSED = _CLOSE.cte("closed")
# How long an offer rang until `now`, in whole seconds, as `seconds_between` counts them.
RANG_SECONDS = func.greatest(
    0, cast(func.trunc(extract("epoch", _NOW - CallAttempt.offered_at)), Integer)
)
_CANCELED = (
    update(CallAttempt)
    .where(
        CallAttempt.call_id == select(_CLOSED.c.id).scalar_subquery(),
        CallAttempt.result == AttemptResult.RINGING,
    )
    .values(result=AttemptResult.CANCELED, ring_seconds=RANG_SECONDS)
    .returning(CallAttempt.id)
    .cte("canceled")
)
_FREED_AT_END = FREE.where(select(_CLOSED.c.id).exists()).cte("freed")
_END_CALL = select(
    _CLOSED.c.id,
    select(func.count()).select_from(_CANCELED).scalar_subquery(),
    select(func.count()).select_from(_FREED_AT_END).scalar_subquery(),
)


def end_dial(
    connection: Connection, dialled: Dialled, dial_status: str, now: datetime, wrap_up: int
) -> None:
    """A `<Dial>` ended: the counsellors still ringing did not take the call (Twilio says how)
    and are free again; one who talked gets a wrap-up pause. Statement by statement, in the
    connection's transaction (on PostgreSQL the dial action does it in one statement:
    `hunt.end_dial_and_read`)."""
    if dialled.offers:
        ended_as = dial_ended_as(dial_status)
        rang = _end_ringing(connection, dialled.call_id, ended_as, now)
        if rang and not dialled.answered:  # else all are freed below
            reservations.release_these(connection, dialled.call_sid, rang)
    if dialled.answered:
        run(connection, FREE, free_values(dialled.call_sid, now, wrap_up))


def dial_ended_as(dial_status: str) -> AttemptResult:
    """How the offers still ringing when a `<Dial>` ended end, by Twilio's DialCallStatus."""
    return DIAL_RESULTS.get(dial_status, AttemptResult.NO_ANSWER)


def free_values(call_sid: str, now: datetime, wrap_up: int) -> dict[str, object]:
    """The values of `FREE` for the call's end at `now`."""
    return {"sid": call_sid, "now": now, "wrap_up_ends": now + timedelta(seconds=wrap_up)}


def end_call(
    connection: Connection,
    call_sid: str,
    twilio_status: str,
    duration: int | None,
    now: datetime,
    wrap_up: int,
) -> bool:
    """Twilio says the call is over: close its record, end offers still ringing, free its
    counsellors. False for a call we have no record of (nothing is written).

    On PostgreSQL one statement does it all, so it may stand alone (`db.written_at_once`);
    elsewhere its statements need the connection's transaction around them."""
    values = {
        **free_values(call_sid, now, wrap_up),
        "duration": duration,
        "never_answered": twilio_status in CALL_NEVER_ANSWERED,
    }
    if connection.dialect.name == "postgresql":
        return run(connection, _END_CALL, values).first() is not None
    closed = run(connection, _CLOSE, values).first()
    if closed is None:
        return False
    call_id, offers = closed
    if offers:  # a call that never reached the hunt has no offers to end
        _end_ringing(connection, call_id, AttemptResult.CANCELED, now)
    run(connection, FREE, values)
    return True


def _end_ringing(
    connection: Connection, call_id: int, ended_as: AttemptResult, now: datetime
) -> list[int]:
    """The call's offers still ringing end `ended_as`, each with how long it rang: their
    counsellors."""
    values = {"ended_call": call_id, "ended_as": ended_as}
    rang = run(connection, _RINGING_ENDED, values).all()
    if rang:
        seconds = [{"attempt": a, "seconds": seconds_between(at, now)} for a, _, at in rang]
        connection.execute(RANG, seconds)
    return [counsellor_id for _, counsellor_id, _ in rang]


def release_counsellor(session: Session, call_sid: str, now: datetime, wrap_up: int) -> None:
    """The call is over: whoever talked gets a wrap-up pause; every reservation it held ends."""
    session.flush()  # changes made so far go first, as before any statement of the ORM's
    freed = run(session.connection(), FREE, free_values(call_sid, now, wrap_up))
    reservations.forget_held(session, [counsellor_id for (counsellor_id,) in freed], _FREED)


def seconds_between(start: datetime, end: datetime) -> int:
    """Whole seconds from `start` to `end` (an offer's ring), never negative."""
    return max(0, int((end - start).total_seconds()))
