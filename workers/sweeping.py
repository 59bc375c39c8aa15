"""The sweeper: the database says what is owed; this makes Redis and Twilio agree with it.

- Open requests older than the maximum age expire (number erased).
- A claim with no news (a worker killed mid-placement, a lost status callback) is resolved by
  asking Twilio what happened to the counsellor's call, so no call is ever placed twice.
- Due callbacks with no job in Redis (flushed, lost, or down when they were asked for) are
  queued again.
"""

from __future__ import annotations

import logging
from datetime import datetime

from flask import Flask
from requests import RequestException
from sqlalchemy.orm import Session
from twilio.base.exceptions import TwilioRestException

from hotline import callbacks
from hotline.db import session_scope
from hotline.extensions import get_keyring, get_queue, get_twilio
from hotline.extensions import now as clock_now
from hotline.models import Callback, CallbackState, Counsellor, Line
from hotline.twilio_terms import CALL_ENDED

log = logging.getLogger(__name__)


def sweep(app: Flask) -> str:
    """One sweep; returns counts, e.g. "expired 0, recovered 1, queued 2"."""
    moment = clock_now(app)
    policy = callbacks.policy_from(app.config)
    queue = get_queue(app)
    with session_scope(app) as session:
        expired = callbacks.expire_old(session, moment, policy)
        recovered = sum(
            _recover(app, session, c, moment) for c in callbacks.stale(session, moment, policy)
        )
        due = callbacks.due(session, moment)
    queued = sum(
        callbacks.deliver(queue, callback_id)
        for callback_id in due
        if not callbacks.is_waiting(queue, callback_id)
    )
    return f"expired {expired}, recovered {recovered}, queued {queued}"


def _recover(app: Flask, session: Session, callback: Callback, now: datetime) -> bool:
    """Settle a stale claim from what Twilio knows; True if it moved."""
    status = _counsellor_call_status(app, session, callback)
    if status is None:  # no call was ever placed: the claim is simply released
        return callbacks.counsellor_declined(session, callback, None, now)
    if status not in CALL_ENDED:
        return False  # still ringing or talking: its own webhooks will settle it
    if callback.state == CallbackState.RINGING_COUNSELLOR:
        return callbacks.counsellor_declined(session, callback, callback.counsellor_id, now)
    policy = callbacks.policy_from(app.config)
    return (
        callbacks.caller_leg_ended(session, callback, now, policy) != CallbackState.RINGING_CALLER
    )


def _counsellor_call_status(app: Flask, session: Session, callback: Callback) -> str | None:
    """The status of the counsellor's call for this claim, found by sid or by its numbers."""
    twilio = get_twilio(app)
    try:
        if callback.counsellor_call_sid:
            return str(twilio.calls(callback.counsellor_call_sid).fetch().status)
        if callback.counsellor_id is None or callback.line_id is None:
            return None
        counsellor = session.get_one(Counsellor, callback.counsellor_id)
        line = session.get_one(Line, callback.line_id)
        phone = get_keyring(app).unseal(counsellor.phone_sealed)
        for call in twilio.calls.list(to=phone, from_=line.number, limit=20):
            created = call.date_created
            if (
                created is not None
                and callback.claimed_at
                and created >= callback.claimed_at.replace(microsecond=0)
            ):
                # The worker died after Twilio took the call: adopt it, never place another.
                callbacks.record_counsellor_call(
                    session.connection(), callback.id, callback.claimed_at, call.sid
                )
                return str(call.status)
    except TwilioRestException as exc:
        log.warning("callback %s: Twilio lookup failed (code %s)", callback.id, exc.code)
        return "unknown"
    except RequestException as exc:
        # The lookup URL carries the numbers (To, From): its text must reach no log or job.
        log.warning("callback %s: Twilio unreachable (%s)", callback.id, type(exc).__name__)
        return "unknown"
    return None
