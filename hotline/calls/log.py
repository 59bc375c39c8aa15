"""The call log: metadata of each call, written as the call moves. Never a number or content."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hotline.models import Block, Call, CallOutcome, Line
from hotline.privacy import Keyring, caller_number, oblast_of
from hotline.twilio_terms import CALL_NEVER_ANSWERED

# The menu path is a short trail of keys ("L2 M1"); a caller mashing keys must not overflow it.
MENU_PATH_LIMIT = 64


@dataclass(frozen=True)
class CallerId:
    """Who is calling, as far as we may know it: a pseudonym and an area, never the number."""

    pseudonym: str | None
    area: str | None  # oblast slug for a Kyrgyz landline, "mobile", or None


def identify_caller(keyring: Keyring, raw_from: str | None, region: str) -> CallerId:
    """Pseudonymize Twilio's From; a hidden or malformed caller id gives no pseudonym."""
    number = caller_number(raw_from, region)
    if number is None:
        return CallerId(None, None)
    return CallerId(keyring.pseudonym(number), oblast_of(number))


def find_line(session: Session, number: str | None) -> Line | None:
    """The line Twilio says was called (To)."""
    if not number:
        return None
    return session.scalar(select(Line).where(Line.number == number))


def open_call(
    session: Session, call_sid: str, line: Line | None, caller: CallerId, now: datetime
) -> Call:
    """The Call for this CallSid, created on first sight; Twilio may retry the same request."""
    call = find_call(session, call_sid)
    if call is not None:
        return call
    call = Call(
        call_sid=call_sid,
        line_id=line.id if line else None,
        caller=caller.pseudonym,
        caller_area=caller.area,
        started_at=now,
    )
    try:
        with session.begin_nested():
            session.add(call)
    except IntegrityError:  # the same request raced itself: use the row that won
        existing = find_call(session, call_sid)
        assert existing is not None
        return existing
    return call


def find_call(session: Session, call_sid: str) -> Call | None:
    """The Call with this CallSid."""
    return session.scalar(select(Call).where(Call.call_sid == call_sid))


def is_blocked(session: Session, pseudonym: str | None, now: datetime) -> bool:
    """Whether a supervisor blocked this caller and the block has not expired."""
    if pseudonym is None:
        return False
    active = select(Block.id).where(
        Block.caller == pseudonym, or_(Block.expires_at.is_(None), Block.expires_at > now)
    )
    return session.scalar(active.limit(1)) is not None


def returning_language(session: Session, pseudonym: str | None, call_sid: str) -> str | None:
    """The language this caller chose last time, to offer it first."""
    if pseudonym is None:
        return None
    previous = (
        select(Call.language)
        .where(Call.caller == pseudonym, Call.call_sid != call_sid, Call.language.is_not(None))
        .order_by(Call.started_at.desc())
        .limit(1)
    )
    return session.scalar(previous)


def note_key(call: Call, step: str) -> None:
    """Append a menu step (e.g. "L2", "M1") to the call's path."""
    path = f"{call.menu_path} {step}".strip()
    if len(path) <= MENU_PATH_LIMIT:
        call.menu_path = path


def settle(call: Call, outcome: CallOutcome) -> None:
    """Record how the call ends; a call already answered keeps that outcome."""
    if call.outcome in (CallOutcome.ANSWERED, CallOutcome.BLOCKED):
        return
    call.outcome = outcome


def close_call(call: Call, twilio_status: str, duration: int | None, now: datetime) -> None:
    """Close the record from the status callback; repeats and late arrivals change nothing."""
    if call.ended_at is not None:
        return
    call.ended_at = now
    call.duration_seconds = duration
    if call.outcome != CallOutcome.IN_PROGRESS:
        return
    if twilio_status in CALL_NEVER_ANSWERED:
        call.outcome = CallOutcome.FAILED
    elif call.hunt_started_at is not None:
        call.outcome = CallOutcome.ABANDONED_WAITING
    else:
        call.outcome = CallOutcome.ABANDONED_IN_MENU
