"""Callbacks the hotline owes: asked for with consent, kept in the database, number sealed.

The database is the state machine's source of truth; RQ only delivers. Every move between
states is a compare-and-set (`UPDATE ... WHERE state = ...`), so a job that runs twice, two
workers racing, or a webhook arriving late can never place a second call.

    pending/scheduled --claim--> ringing-counsellor --accept--> ringing-caller --> completed
          ^                           | declined / no answer          | missed
          +---------------------------+-------------------------------+--> expired (attempts)
    any open state --cancel--> cancelled;  too old --> expired.  Terminal states erase the number.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import Protocol

from sqlalchemy import ColumnElement, Connection, Integer, String, Update, bindparam, select, update
from sqlalchemy.orm import Session

from hotline.callbacks import held, windows
from hotline.callbacks.policy import CallbackPolicy
from hotline.db_direct import run
from hotline.models import Callback, CallbackState, SafeWindow
from hotline.privacy import Keyring

OPEN_STATES = (CallbackState.PENDING, CallbackState.SCHEDULED)
RINGING_STATES = (CallbackState.RINGING_COUNSELLOR, CallbackState.RINGING_CALLER)
# The outcome mark while the caller and the counsellor are talking; the call's end settles it.
CALLER_ANSWERED = "caller-answered"

# The caller's answer to "when is it safe?" (the keys of the callback_when prompt).
WINDOW_KEYS = {
    "1": SafeWindow.ASAP,
    "2": SafeWindow.MORNING,
    "3": SafeWindow.AFTERNOON,
    "4": SafeWindow.EVENING,
}


def request_callback(
    session: Session,
    keyring: Keyring,
    *,
    line_id: int | None,
    caller: str | None,
    number: str,
    language: str,
    window: SafeWindow,
    now: datetime,
    zone: tzinfo,
    source_sid: str | None = None,
) -> Callback:
    """Record a consented callback to `number` (sealed at once); one open request per caller,
    and one per call or SMS that asked (`source_sid`), however often Twilio's request comes."""
    asked = asked_by(session, source_sid) if source_sid is not None else None
    if asked is not None:
        return asked  # a retry or a replay of the request that asked: nothing more
    callback = open_request(session, caller)
    if callback is None:
        callback = Callback(line_id=line_id, caller=caller, requested_at=now)
        session.add(callback)
    callback.number_sealed = keyring.seal(number)
    callback.language = language
    callback.consent = True
    callback.safe_window = window
    callback.source_call_sid = source_sid
    callback.next_attempt_at = windows.next_opening(window, now, zone)
    callback.state = (
        CallbackState.PENDING if callback.next_attempt_at == now else CallbackState.SCHEDULED
    )
    session.flush()
    return callback


def asked_by(session: Session, source_sid: str) -> Callback | None:
    """The callback the call or SMS `source_sid` asked for, if it asked for one."""
    return session.scalar(select(Callback).where(Callback.source_call_sid == source_sid))


def open_request(session: Session, caller: str | None) -> Callback | None:
    """The caller's callback still waiting to be placed, if any."""
    if caller is None:
        return None
    query = select(Callback).where(Callback.caller == caller, Callback.state.in_(OPEN_STATES))
    return session.scalars(query.order_by(Callback.id.desc()).limit(1)).first()


@dataclass(frozen=True)
class Claimed:
    """A callback as its claim reads it back: what placing it needs."""

    id: int
    line_id: int | None
    language: str
    safe_window: SafeWindow
    counsellors_tried: list[int]


def claim(connection: Connection, callback_id: int, now: datetime) -> Claimed | None:
    """Take a due callback for placing, and read it in the same statement; None if it is not
    due, not open, or taken already."""
    row = run(connection, CLAIM_READING, {"callback": callback_id, "now": now})
    found = row.first()
    return None if found is None else Claimed(*found)


def why_not_claimed(connection: Connection, callback_id: int) -> str:
    """Why `claim` took nothing, in a word: "not-open" (or no such callback), or "not-due"."""
    state = connection.scalar(select(Callback.state).where(Callback.id == callback_id))
    return "not-due" if state in OPEN_STATES else "not-open"


# Built once, values bound: every callback placed is claimed (building it for each one cost
# about 0.4 ms of CPU, a tenth of placing it).
_NOW = bindparam("now", type_=Callback.__table__.c.next_attempt_at.type)
# The claim, reading back `Claimed`'s columns in its order (a read of its own before the claim
# cost a round trip and the load of a whole callback on every callback placed).
CLAIM_READING = (
    update(Callback)
    .where(
        Callback.id == bindparam("callback"),
        Callback.state.in_(OPEN_STATES),
        Callback.next_attempt_at <= _NOW,
    )
    .values(state=CallbackState.RINGING_COUNSELLOR, claimed_at=_NOW)
    .returning(
        Callback.id,
        Callback.line_id,
        Callback.language,
        Callback.safe_window,
        Callback.counsellors_tried,
    )
)


def _move(session: Session, callback_id: int, source: CallbackState, **values: object) -> bool:
    """Compare-and-set: change the callback only if it is still in `source`."""
    moved = _set_where(session, (Callback.id == callback_id, Callback.state == source), **values)
    session.expire_all()
    return moved


class Windowed(Protocol):
    """A callback as rescheduling reads it: one loaded, or one just claimed (`Claimed`)."""

    @property
    def id(self) -> int: ...

    @property
    def safe_window(self) -> SafeWindow: ...


def retry_later(
    session: Session, callback: Windowed, source: CallbackState, at: datetime, zone: tzinfo
) -> bool:
    """Back to the queue at the next safe moment from `at` (no caller attempt counted)."""
    return _move(
        session,
        callback.id,
        source,
        state=CallbackState.SCHEDULED,
        next_attempt_at=windows.next_opening(callback.safe_window, at, zone),
        claimed_at=None,
        counsellor_call_sid=None,
    )


def nobody_free(session: Session, callback: Windowed, at: datetime, zone: tzinfo) -> bool:
    """No counsellor could take it: look again at `at`, everyone may be tried afresh."""
    return _move(
        session,
        callback.id,
        CallbackState.RINGING_COUNSELLOR,
        state=CallbackState.SCHEDULED,
        next_attempt_at=windows.next_opening(callback.safe_window, at, zone),
        claimed_at=None,
        counsellor_call_sid=None,
        counsellors_tried=[],
    )


def counsellor_chosen(
    session: Session, callback_id: int, claimed_at: datetime, counsellor_id: int
) -> bool:
    """The counsellor this claim rings (for the sweeper and the screen), this claim only. (On
    PostgreSQL the reservation's own statement notes it: `hotline.calls.offers`.)"""
    values = {"callback": callback_id, "claimed": claimed_at, "counsellor": counsellor_id}
    kept = _compare_and_set(session, _COUNSELLOR_CHOSEN, values)
    session.expire_all()
    return kept


def counsellor_declined(
    session: Session, callback: Callback, counsellor_id: int | None, now: datetime
) -> bool:
    """The counsellor did not take it: another one is tried at once."""
    tried = [*callback.counsellors_tried, *([counsellor_id] if counsellor_id else [])]
    return _move(
        session,
        callback.id,
        CallbackState.RINGING_COUNSELLOR,
        state=CallbackState.PENDING,
        next_attempt_at=now,
        claimed_at=None,
        counsellor_call_sid=None,
        counsellors_tried=tried,
    )


def counsellor_accepted(session: Session, callback_id: int, counsellor_call_sid: str) -> bool:
    """The counsellor pressed 1: now the caller is dialled (once: a compare-and-set)."""
    return _move(
        session,
        callback_id,
        CallbackState.RINGING_COUNSELLOR,
        state=CallbackState.RINGING_CALLER,
        attempts=Callback.attempts + 1,
        counsellor_call_sid=counsellor_call_sid,
    )


def caller_answered(session: Session, callback_id: int, caller_call_sid: str) -> bool:
    """A person at the caller's number pressed 1: the two are talking."""
    return _move(
        session,
        callback_id,
        CallbackState.RINGING_CALLER,
        outcome=CALLER_ANSWERED,
        caller_call_sid=caller_call_sid,
    )


def caller_leg_ended(
    session: Session, callback: Callback, now: datetime, policy: CallbackPolicy
) -> CallbackState:
    """The call to the caller is over: completed if they answered, else retried or expired."""
    if callback.state != CallbackState.RINGING_CALLER:
        return callback.state
    if callback.outcome == CALLER_ANSWERED:
        close(session, callback, CallbackState.RINGING_CALLER, CallbackState.COMPLETED, now)
        return CallbackState.COMPLETED
    return caller_missed(session, callback, now, policy)


def caller_missed(
    session: Session, callback: Callback, now: datetime, policy: CallbackPolicy
) -> CallbackState:
    """The caller did not answer (or a machine did): retry with backoff, or expire."""
    if callback.attempts >= policy.attempts:
        close(session, callback, CallbackState.RINGING_CALLER, CallbackState.EXPIRED, now)
        return CallbackState.EXPIRED
    retry_at = windows.next_opening(
        callback.safe_window, now + policy.backoff(callback.attempts), policy.zone
    )
    _move(
        session,
        callback.id,
        CallbackState.RINGING_CALLER,
        state=CallbackState.SCHEDULED,
        next_attempt_at=retry_at,
        claimed_at=None,
        counsellor_call_sid=None,
        caller_call_sid=None,
        counsellors_tried=[],
    )
    return CallbackState.SCHEDULED


def close(
    session: Session,
    callback: Callback,
    source: CallbackState | tuple[CallbackState, ...],
    state: CallbackState,
    now: datetime,
) -> bool:
    """A terminal state: the sealed number is erased in the same statement."""
    sources = source if isinstance(source, tuple) else (source,)
    which = (Callback.id == callback.id) & Callback.state.in_(sources)
    closed = _finish(session, which, state, state.value, now)
    session.expire_all()
    return bool(closed)


def cancel_open(session: Session, caller: str | None, now: datetime) -> int:
    """The caller cancels: every open request of theirs, number erased."""
    if caller is None:
        return 0
    mine = (Callback.caller == caller) & Callback.state.in_(OPEN_STATES)
    return _finish(session, mine, CallbackState.CANCELLED, "cancelled", now)


def expire_old(session: Session, now: datetime, policy: CallbackPolicy) -> int:
    """Expire open requests older than the maximum age; their numbers are erased."""
    held.erase_expired(session, now)  # numbers keyed in by calls that ended before using them
    limit = now - timedelta(hours=policy.max_age_hours)
    old = Callback.state.in_(OPEN_STATES) & (Callback.requested_at < limit)
    return _finish(session, old, CallbackState.EXPIRED, "too-old", now)


def _finish(
    session: Session,
    which: ColumnElement[bool],
    state: CallbackState,
    outcome: str,
    now: datetime,
) -> int:
    """Move callbacks to a terminal state, erasing their numbers in the same statement."""
    done = session.execute(
        update(Callback)
        .where(which)
        .values(state=state, number_sealed=None, closed_at=now, outcome=outcome)
    )
    return int(done.rowcount)  # type: ignore[attr-defined]


def due(session: Session, now: datetime) -> list[int]:
    """Ids of open callbacks whose time has come."""
    query = select(Callback.id).where(
        Callback.state.in_(OPEN_STATES), Callback.next_attempt_at <= now
    )
    return list(session.scalars(query.order_by(Callback.next_attempt_at)))


def stale(session: Session, now: datetime, policy: CallbackPolicy) -> list[Callback]:
    """Callbacks claimed long ago with no news: the worker or a status callback was lost."""
    limit = now - timedelta(minutes=policy.stale_minutes)
    query = select(Callback).where(Callback.state.in_(RINGING_STATES), Callback.claimed_at < limit)
    return list(session.scalars(query))


def record_counsellor_call(
    connection: Connection, callback_id: int, claimed_at: datetime, call_sid: str
) -> bool:
    """Keep the Twilio CallSid of the counsellor's leg, for this claim only: one statement, which
    the worker runs standing alone right after Twilio's answer (loaded callbacks are not
    refreshed)."""
    values = {"callback": callback_id, "claimed": claimed_at, "sid": call_sid}
    return bool(run(connection, _RECORD_COUNSELLOR_CALL, values).rowcount)


# This claim of a callback only, its values bound (callback, claimed): a later claim of the same
# callback is left alone. Bound values are not named after columns: SQLAlchemy would set them.
THIS_CLAIM = (
    Callback.id == bindparam("callback"),
    Callback.state == CallbackState.RINGING_COUNSELLOR,
    Callback.claimed_at == bindparam("claimed"),
)

# Built once, values bound (building them for each callback placed cost more than running them).
_RECORD_COUNSELLOR_CALL = (
    update(Callback).where(*THIS_CLAIM).values(counsellor_call_sid=bindparam("sid", type_=String))
)
_COUNSELLOR_CHOSEN = (
    update(Callback).where(*THIS_CLAIM).values(counsellor_id=bindparam("counsellor", type_=Integer))
)


def _set_where(session: Session, where: tuple[ColumnElement[bool], ...], **values: object) -> bool:
    """Set `values` on the callback `where` holds, compare-and-set (`_compare_and_set`)."""
    return _compare_and_set(session, update(Callback).where(*where).values(**values))


def _compare_and_set(
    session: Session, statement: Update, values: dict[str, object] | None = None
) -> bool:
    """One compare-and-set on callbacks, in Core: a single UPDATE, without the ORM's bulk
    update machinery around it (which cost more than the statement on every callback placed);
    whether it changed the callback. Changes pending in the session are flushed first, as the
    ORM's execute would; loaded callbacks are not synchronized (callers that read them again
    expire them)."""
    session.flush()
    return bool(run(session.connection(), statement, values).rowcount)
