"""Placing a callback: claim it, pick a counsellor, ring them through Twilio's REST API.

The claim and the counsellor are committed together before the REST request, and the CallSid
right after it, as a call's steps are written (`hotline.db.call_steps`). A worker killed in
between leaves a stale claim that the sweeper resolves by asking Twilio whether the call
exists, so the same callback never rings twice.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from flask import Flask
from requests import RequestException
from sqlalchemy import Connection, bindparam, select
from sqlalchemy.orm import Session
from twilio.base.exceptions import TwilioRestException

from hotline import callbacks
from hotline.calls import hunt
from hotline.db import call_steps, offers_taken, session_scope
from hotline.db_direct import run
from hotline.extensions import get_keyring, get_queue, get_twilio
from hotline.extensions import now as clock_now
from hotline.models import Callback, CallbackState, Centre, Line
from hotline.webhooks import public_url

log = logging.getLogger(__name__)

COUNSELLOR_RING_SECONDS = 25
TWILIO_RETRY = timedelta(minutes=1)


def place(app: Flask, callback_id: int) -> str:
    """One placing attempt; returns what happened, in a word (it becomes the job's result)."""
    moment = clock_now(app)
    policy = callbacks.policy_from(app.config)
    # The claim and the counsellor in one transaction: committed together before the REST
    # request, or not at all (the callback stays open for the next job or the sweeper). A
    # Core transaction, as a webhook's offer is taken (`offers_taken`): an ORM session is
    # made on it only for the verbs that take one, none of them on a callback that rings.
    with offers_taken(app) as connection:
        claimed = _claim(connection, callback_id, moment)
        if claimed is None:
            return callbacks.why_not_claimed(connection, callback_id)
        callback, line = claimed
        if not callbacks.is_open(callback.safe_window, moment, policy.zone):
            # Not now: from the claim to the window's next opening, in the same transaction.
            source = CallbackState.RINGING_COUNSELLOR
            with Session(bind=connection) as session:
                callbacks.retry_later(session, callback, source, moment, policy.zone)
            later = callbacks.next_opening(callback.safe_window, moment, policy.zone)
            _deliver(app, callback_id, later)
            return "outside-window"
        if line is None:  # the claim is rolled back and the job fails: no line to ring from
            raise LookupError(f"callback {callback_id} has no line")
        ring = _choose_counsellor(app, connection, callback, line, moment)
        if ring is None:
            return "no-counsellor"
    return _ring_counsellor(app, callback_id, moment, *ring)


def _claim(
    connection: Connection, callback_id: int, now: datetime
) -> tuple[callbacks.Claimed, hunt.HuntingLine | None] | None:
    """Claim the callback (`callbacks.claim`) and read its line as routing does: on PostgreSQL
    in the claim's own statement. None: not claimed; a line of None: the callback has none."""
    if connection.dialect.name != "postgresql":
        claimed = callbacks.claim(connection, callback_id, now)
        if claimed is None:
            return None
        found = run(connection, _LINE, {"line": claimed.line_id}).first()
        return claimed, None if found is None else hunt.HuntingLine.read(found)
    values = {"callback": callback_id, "now": now}
    row = run(connection, _CLAIM_AND_LINE, values).first()
    if row is None:
        return None
    claimed = callbacks.Claimed(*row[:_CLAIMED_WIDTH])
    line = row[_CLAIMED_WIDTH:]
    return claimed, None if line[0] is None else hunt.HuntingLine.read(line)


# The line as routing reads it (the centre's slug too): after the claim on SQLite, whose
# RETURNING cannot read other tables; within it on PostgreSQL (a data-modifying CTE).
_LINE = (
    select(*hunt.HUNTING_LINE)
    .select_from(Line)
    .outerjoin(Centre, Line.centre_id == Centre.id)
    .where(Line.id == bindparam("line"))
)
_CLAIMED = callbacks.CLAIM_READING.cte("claimed")
_CLAIMED_WIDTH = len(_CLAIMED.c)
_CLAIM_AND_LINE = (
    select(*_CLAIMED.c, *hunt.HUNTING_LINE)
    .select_from(_CLAIMED)
    .outerjoin(Line, Line.id == _CLAIMED.c.line_id)
    .outerjoin(Centre, Line.centre_id == Centre.id)
)


def _choose_counsellor(
    app: Flask,
    connection: Connection,
    callback: callbacks.Claimed,
    line: hunt.HuntingLine,
    claimed_at: datetime,
) -> tuple[str, str] | None:
    """Reserve a counsellor for the claimed callback: (their phone, the line's number), or
    None when nobody is free (the callback is then looked at again later)."""
    policy = callbacks.policy_from(app.config)
    reserved = hunt.choose_for_callback(
        connection,
        line,
        callback.id,
        callback.language,
        callback.counsellors_tried,
        claimed_at,
        policy.zone,
    )
    if reserved is None:
        later = claimed_at + timedelta(minutes=policy.no_counsellor_minutes)
        with Session(bind=connection) as session:
            callbacks.nobody_free(session, callback, later, policy.zone)
        _deliver(app, callback.id, later)
        return None
    if not reserved.noted:
        with Session(bind=connection) as session:
            callbacks.counsellor_chosen(session, callback.id, claimed_at, reserved.counsellor_id)
    return get_keyring(app).unseal(reserved.phone_sealed), line.number


def _ring_counsellor(
    app: Flask, callback_id: int, claimed_at: datetime, phone: str, line_number: str
) -> str:
    """Place the counsellor's call through Twilio's REST API and keep its CallSid."""
    try:
        call = get_twilio(app).calls.create(
            to=phone,
            from_=line_number,
            timeout=COUNSELLOR_RING_SECONDS,
            **leg_urls(app, callback_id),
        )
    except RequestException as exc:
        # Twilio may or may not have placed the call: never retry blindly. The claim stays,
        # and the sweeper asks Twilio what became of it, as after a killed worker.
        log.warning("callback %s: Twilio unreachable (%s)", callback_id, type(exc).__name__)
        return "twilio-unreachable"
    except TwilioRestException as exc:
        if exc.status >= 500:  # Twilio erred, maybe after placing the call: as if unreachable
            log.warning("callback %s: Twilio failed (HTTP %s)", callback_id, exc.status)
            return "twilio-unknown"
        log.warning("callback %s: Twilio refused the call (code %s)", callback_id, exc.code)
        later = claimed_at + TWILIO_RETRY
        with session_scope(app) as session:
            callback = session.get_one(Callback, callback_id)
            zone = callbacks.policy_from(app.config).zone
            callbacks.retry_later(session, callback, CallbackState.RINGING_COUNSELLOR, later, zone)
        _deliver(app, callback_id, later)
        return "twilio-error"
    # One statement standing alone, as a call's steps are: no session, no BEGIN and COMMIT, no
    # wait for the disk. A CallSid lost with the database server's last fraction of a second
    # is found again at Twilio by the sweeper, as after a worker killed before writing it.
    with call_steps(app) as connection:
        callbacks.record_counsellor_call(connection, callback_id, claimed_at, call.sid)
    return "counsellor-rung"


def leg_urls(app: Flask, callback_id: int) -> dict[str, object]:
    """The public URLs of the counsellor's leg: its TwiML and its status callback."""
    return {
        "url": public_url(app, "ivr.callback_legs.screen", callback=callback_id),
        "status_callback": public_url(app, "ivr.callback_legs.status", callback=callback_id),
        "status_callback_event": ["completed"],  # the event, not a status
    }


def _deliver(app: Flask, callback_id: int, at: datetime) -> None:
    callbacks.deliver(get_queue(app), callback_id, at)
