"""A number a caller keys in for a callback, held sealed on the server for the rest of the call.

Keyed by the CallSid, with a short expiry: the number never rides in an action URL (which access
logs and Twilio's request log would keep after the database had erased it).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from hotline.models import HeldNumber

HOLD_FOR = timedelta(minutes=15)  # longer than the rest of any call that asks for a callback


def hold(session: Session, call_sid: str, sealed: str, now: datetime) -> None:
    """Keep `sealed` for this call (replacing a number keyed in before)."""
    release(session, call_sid)
    session.add(HeldNumber(call_sid=call_sid, number_sealed=sealed, expires_at=now + HOLD_FOR))


def held(session: Session, call_sid: str, now: datetime) -> str | None:
    """The sealed number this call keyed in, if it has not expired."""
    query = select(HeldNumber.number_sealed).where(
        HeldNumber.call_sid == call_sid, HeldNumber.expires_at > now
    )
    return session.scalar(query)


def release(session: Session, call_sid: str) -> None:
    """Erase this call's keyed-in number (used, or not wanted after all)."""
    session.execute(delete(HeldNumber).where(HeldNumber.call_sid == call_sid))


def erase_expired(session: Session, now: datetime) -> int:
    """Erase every held number past its expiry (a call that hung up before it was used)."""
    erased = session.execute(delete(HeldNumber).where(HeldNumber.expires_at <= now))
    return int(erased.rowcount)  # type: ignore[attr-defined]
