"""Sending an outbox SMS once, and blanking SMS bodies at Twilio once they are final.

The claim is committed before the REST request and the MessageSid right after it, so a job
run twice sends once. A worker that dies in between leaves a stale claim, which the SMS
sweeper settles by asking Twilio for the message (`settle_stale`) before ever sending again.
"""

from __future__ import annotations

import logging
from datetime import datetime

from flask import Flask
from requests import RequestException
from sqlalchemy.orm import Session
from twilio.base.exceptions import TwilioRestException

from hotline import outbox
from hotline.db import session_scope
from hotline.extensions import get_keyring, get_queue, get_twilio
from hotline.extensions import now as clock_now
from hotline.models import Line, Message
from hotline.sms.segments import segments
from hotline.webhooks import public_url

log = logging.getLogger(__name__)

TWILIO_NOT_FOUND = 20404


def send(app: Flask, message_id: int) -> str:
    """One sending attempt; what happened, in a word (the job's result)."""
    moment = clock_now(app)
    with session_scope(app) as session:
        claimed_at = outbox.claim(session, message_id, moment)
    if claimed_at is None:
        return "not-waiting"
    with session_scope(app) as session:
        message = session.get_one(Message, message_id)
        body = outbox.write(app.extensions, session, message)
        to = get_keyring(app).unseal(message.recipient_sealed or "")
        from_ = session.get_one(Line, message.line_id).number
    try:
        sent = get_twilio(app).messages.create(
            to=to, from_=from_, body=body, status_callback=status_url(app, message_id)
        )
    except RequestException as exc:
        # Twilio may or may not have the message: never send blindly. The claim stays, and the
        # sweeper asks Twilio what became of it.
        log.warning("sms %s: Twilio unreachable (%s)", message_id, type(exc).__name__)
        return "twilio-unreachable"
    except TwilioRestException as exc:
        if exc.status >= 500:  # an error on Twilio's side may come after the message was taken
            log.warning("sms %s: Twilio failed (HTTP %s), outcome unknown", message_id, exc.status)
            return "twilio-unknown"
        return _refused(app, message_id, claimed_at, exc)
    with session_scope(app) as session:
        outbox.handed(session, message_id, claimed_at, sent.sid, str(sent.status), segments(body))
    return "sent"


def _refused(app: Flask, message_id: int, claimed_at: datetime, exc: TwilioRestException) -> str:
    policy = outbox.policy_from(app.config)
    code = int(exc.code) if exc.code else None
    log.warning("sms %s: Twilio refused it (HTTP %s, code %s)", message_id, exc.status, code)
    with session_scope(app) as session:
        if exc.status == 429:  # too many requests: refused before anything was sent
            later = outbox.retry_later(
                session, message_id, claimed_at, clock_now(app), policy, code
            )
        else:  # opted out (21610), not a mobile, invalid: trying again changes nothing
            outbox.failed(session, message_id, claimed_at, code)
            later = None
    if later is None:
        return "failed"
    outbox.deliver_send(get_queue(app), message_id, later)
    return "retry-later"


def redact(app: Flask, message_id: int) -> str:
    """Blank the body Twilio keeps of message `message_id`; retried until it is final."""
    policy = outbox.policy_from(app.config)
    if not policy.redact:
        return "off"
    with session_scope(app) as session:
        message = session.get(Message, message_id)
        if message is None or message.redacted_at is not None or message.message_sid is None:
            return "nothing-to-do"
        sid = message.message_sid
    try:
        get_twilio(app).messages(sid).update(body="")
    except (TwilioRestException, RequestException) as exc:
        if isinstance(exc, TwilioRestException) and exc.code == TWILIO_NOT_FOUND:
            return _mark_redacted(app, message_id)  # deleted: nothing left to blank
        return _redact_later(app, message_id, exc)
    return _mark_redacted(app, message_id)


def _mark_redacted(app: Flask, message_id: int) -> str:
    with session_scope(app) as session:
        outbox.redacted(session, message_id, clock_now(app))
    return "redacted"


def _redact_later(app: Flask, message_id: int, exc: Exception) -> str:
    # 20009 until the message is final; an outage or a refusal is tried again the same way.
    code = getattr(exc, "code", None) or type(exc).__name__
    with session_scope(app) as session:
        later = outbox.redaction_failed(
            session, message_id, clock_now(app), outbox.policy_from(app.config)
        )
    if later is None:
        log.warning("sms %s: body not redacted at Twilio, given up (%s)", message_id, code)
        return "given-up"
    outbox.deliver_redaction(get_queue(app), message_id, later)
    return "redact-later"


def settle_stale(app: Flask, session: Session, message: Message, now: datetime) -> str:
    """A claim with no sid: adopt the message if Twilio has it, else send it again later."""
    if message.message_sid:  # its status callback came (it carries the row id): Twilio has it
        outbox.adopt(session, message, message.message_sid, message.status or "sent")
        return "adopted"
    line = session.get_one(Line, message.line_id)
    try:
        body = outbox.write(app.extensions, session, message)
        to = get_keyring(app).unseal(message.recipient_sealed or "")
        since = (message.claimed_at or now).replace(microsecond=0)
        for found in get_twilio(app).messages.list(to=to, from_=line.number, limit=20):
            created = found.date_created
            # Another SMS to the same phone may be near in time: ours has our text.
            if created is not None and created >= since and found.body == body:
                outbox.adopt(session, message, str(found.sid), str(found.status))
                return "adopted"
    except (TwilioRestException, RequestException) as exc:
        # The lookup URL carries the number: only the kind of failure is logged.
        log.warning("sms %s: Twilio lookup failed (%s)", message.id, type(exc).__name__)
        return "unknown"
    later = outbox.release(session, message, now, outbox.policy_from(app.config))
    if later is None:
        return "failed"
    outbox.deliver_send(get_queue(app), message.id, later)
    return "released"


def status_url(app: Flask, message_id: int) -> str:
    """The public status callback of an outbox message (its row id rides along)."""
    return public_url(app, "sms.status", m=message_id)
