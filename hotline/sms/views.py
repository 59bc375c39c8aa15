"""Twilio's SMS webhooks: read the message, act, log its metadata, reply in `<Message>`.

The body is read once, in memory, and never logged or stored; the log says the intent.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from flask import Blueprint, Response, current_app, request, url_for
from werkzeug.exceptions import HTTPException

from hotline import callbacks, outbox
from hotline.calls import log as call_log
from hotline.db import discard_session, get_session
from hotline.extensions import default_region, get_keyring, get_queue, get_redis, local_zone, now
from hotline.models import Message
from hotline.privacy import caller_number
from hotline.sms import answers, keywords, memory, records, replies, twiml
from hotline.sms.segments import segments
from hotline.webhooks import twilio_webhook, xml

log = logging.getLogger(__name__)

bp = Blueprint("sms", __name__, url_prefix="/sms")


@dataclass(frozen=True)
class SmsForm:
    """The parts of Twilio's inbound SMS request the hotline uses."""

    message_sid: str
    from_: str
    to: str
    body: str

    @classmethod
    def parse(cls) -> SmsForm:
        """From the current request's form."""
        form = request.form
        return cls(
            form.get("MessageSid", ""),
            form.get("From", ""),
            form.get("To", ""),
            form.get("Body", ""),
        )


@bp.post("/incoming")
@twilio_webhook
def incoming() -> Response:
    """An SMS to one of our lines: keywords, callback consent, cancel, or the help reply."""
    form = SmsForm.parse()
    session = get_session()
    if form.message_sid and records.seen(session, form.message_sid):
        return _silence("replayed")  # Twilio sent it twice, or a captured request came back
    reading = keywords.read(form.body)
    line = call_log.find_line(session, form.to)
    number = caller_number(form.from_, default_region())
    pseudonym = get_keyring().pseudonym(number) if number else None
    exchange = records.Exchange(line.id if line else None, pseudonym, reading.language)
    parts = segments(form.body)
    if line is None or number is None or pseudonym is None:
        return _log_silence(exchange, form, "unknown-line" if line is None else "no-sender", parts)
    if call_log.is_blocked(session, pseudonym, now()):
        return _log_silence(exchange, form, "blocked", parts)
    if not memory.within_rate(get_redis(), pseudonym):
        if reading.intent is keywords.Intent.CANCEL:  # safety is never throttled, only replies
            callbacks.cancel_open(session, pseudonym, now())
        return _log_silence(exchange, form, "rate-limited", parts)
    sender = answers.Sender(line.id, line.language, pseudonym, number, form.message_sid)
    desk = answers.Desk(session, get_redis(), get_keyring(), now(), local_zone())
    result = answers.answer(desk, sender, reading)
    exchange = records.Exchange(line.id, pseudonym, result.language)
    inbound = records.log_inbound(session, exchange, form.message_sid, result.intent, parts, now())
    reply = _reply(exchange, result)
    session.commit()
    log.info("sms in: %s", result.intent)
    _redact(inbound)
    if result.callback is not None:
        # Redis may be down: the request is saved all the same and the sweeper queues it later.
        callbacks.deliver(get_queue(), result.callback.id, result.callback.next_attempt_at)
    return reply


@bp.post("/status")
@twilio_webhook
def status() -> Response:
    """Twilio reports how an SMS went: keep the status on its Message row."""
    session = get_session()
    message = records.update_status(
        session,
        request.form.get("MessageSid", ""),
        request.form.get("MessageStatus", ""),
        request.args.get("m", type=int),
        request.form.get("ErrorCode", type=int),
    )
    session.commit()
    if message is not None and message.status in outbox.FINAL_STATUSES:
        _redact(message)
    return Response(status=204)


@bp.errorhandler(Exception)
def quiet_failure(error: Exception) -> Response | HTTPException:
    """Any failure in an SMS webhook answers an empty `<Response/>`, never a 500."""
    if isinstance(error, HTTPException):  # 403 bad signature stays a 403
        return error
    log.error("sms webhook %s failed: %s", request.path, type(error).__name__)
    discard_session()
    return xml(twiml.silence())


def _reply(exchange: records.Exchange, result: answers.Answer) -> Response:
    if result.reply is None:
        return xml(twiml.silence())
    text = replies.reply_text(
        Path(current_app.config["HOTLINE_CONFIG_DIR"]), result.language, result.reply
    )
    outbound = records.log_outbound(get_session(), exchange, result.reply, text, now())
    # The row's id rides on the status callback: the reply's MessageSid is not known yet.
    return xml(twiml.reply(text, url_for("sms.status", m=outbound.id)))


def _log_silence(exchange: records.Exchange, form: SmsForm, intent: str, parts: int) -> Response:
    session = get_session()
    inbound = records.log_inbound(session, exchange, form.message_sid, intent, parts, now())
    session.commit()
    _redact(inbound)
    return _silence(intent)


def _redact(message: Message) -> None:
    """Blank the body Twilio keeps, once final (Redis down: the SMS sweeper does it later)."""
    if message.message_sid and outbox.policy_from(current_app.config).redact:
        outbox.deliver_redaction(get_queue(), message.id)


def _silence(intent: str) -> Response:
    log.info("sms in: %s, no reply", intent)
    return xml(twiml.silence())
