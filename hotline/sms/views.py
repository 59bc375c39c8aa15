"""Twilio's SMS webhooks: read the message, act, log its metadata, answer in `<Message>`s.

The body is read once, in memory, and never logged or stored; the log says the intent. A
relayed body leaves only in this answer's `<Message to=...>`, from the line's number.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from flask import Blueprint, Response, current_app, request, url_for
from werkzeug.exceptions import HTTPException

from hotline import callbacks, conversations, outbox
from hotline.calls import log as call_log
from hotline.db import discard_session, get_session
from hotline.extensions import (
    default_region,
    get_keyring,
    get_queue,
    get_redis,
    local_zone,
    now,
    setting,
)
from hotline.models import Callback, Line, Message
from hotline.privacy import caller_number
from hotline.sms import answers, keywords, memory, records, relay, replies, twiml
from hotline.sms.segments import segments
from hotline.webhooks import out_of_turn, twilio_webhook, xml

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
@out_of_turn
def incoming() -> Response:
    """An SMS to one of our lines: a counsellor's, or a texter's keyword or message to relay."""
    form = SmsForm.parse()
    session = get_session()
    if form.message_sid and records.seen(session, form.message_sid):
        return _silence("replayed")  # Twilio sent it twice, or a captured request came back
    line = call_log.find_line(session, form.to)
    number = caller_number(form.from_, default_region())
    pseudonym = get_keyring().pseudonym(number) if number else None
    parts = segments(form.body)
    if line is None or number is None or pseudonym is None:
        exchange = records.Exchange(line.id if line else None, pseudonym, None)
        return _log_silence(exchange, form, "unknown-line" if line is None else "no-sender", parts)
    sender = answers.Sender(line.id, line.language, pseudonym, number, form.message_sid)
    counsellor = conversations.counsellor_by_phone(session, pseudonym)
    if counsellor is not None:
        plan = relay.from_counsellor(_post(line), counsellor, form.body)
        exchange = records.Exchange(line.id, None, plan.language)
        return _answer(form, line, exchange, plan, parts, counsellor_id=counsellor.id)
    return _from_texter(form, line, sender, parts)


def _from_texter(form: SmsForm, line: Line, sender: answers.Sender, parts: int) -> Response:
    session, redis = get_session(), get_redis()
    reading = keywords.read(form.body)
    exchange = records.Exchange(line.id, sender.pseudonym, reading.language)
    if call_log.is_blocked(session, sender.pseudonym, now()):
        return _log_silence(exchange, form, "blocked", parts)
    limit, minutes = (
        setting("HOTLINE_SMS_TEXTER_LIMIT"),
        setting("HOTLINE_SMS_TEXTER_WINDOW_MINUTES"),
    )
    if not memory.within_rate(redis, sender.pseudonym, limit, minutes * 60):
        if reading.intent is keywords.Intent.CANCEL:  # safety is never throttled, only replies
            callbacks.cancel_open(session, sender.pseudonym, now())
        return _log_silence(exchange, form, "rate-limited", parts)
    saved = memory.saved_language(redis, sender.pseudonym)
    desk = answers.Desk(session, redis, get_keyring(), now(), local_zone())
    result = answers.answer(desk, sender, reading, saved)
    if result is None:  # a person writing: to a counsellor
        language = saved or reading.language or line.language
        plan = relay.from_texter(_post(line), sender, form.body, language)
    else:
        reply = (
            relay.Send(result.reply, result.language, lines=result.lines) if result.reply else None
        )
        plan = relay.Plan(
            result.intent, result.language, [reply] if reply else [], notices=result.notices
        )
    # After "delete my data" the pseudonym is kept nowhere, this message's row included.
    party = None if reading.intent is keywords.Intent.FORGET else sender.pseudonym
    exchange = records.Exchange(line.id, party, plan.language)
    return _answer(form, line, exchange, plan, parts, callback=result.callback if result else None)


def _post(line: Line) -> relay.Post:
    desk = answers.Desk(get_session(), get_redis(), get_keyring(), now(), local_zone())
    policy = conversations.policy_from(current_app.config)
    return relay.Post(desk, line, policy, setting("HOTLINE_SMS_NEW_CONVERSATIONS_PER_HOUR"))


def _answer(
    form: SmsForm,
    line: Line,
    exchange: records.Exchange,
    plan: relay.Plan,
    parts: int,
    counsellor_id: int | None = None,
    callback: Callback | None = None,
) -> Response:
    """Log the SMS and what goes out, commit, then queue the rest; answer in TwiML."""
    session = get_session()
    inbound = records.log_inbound(
        session,
        exchange,
        form.message_sid,
        plan.intent,
        parts,
        now(),
        conversation_id=plan.conversation_id,
        counsellor_id=counsellor_id,
    )
    outgoing = [_outgoing(line, exchange, send, counsellor_id) for send in plan.sends]
    session.commit()
    log.info("sms in: %s", plan.intent)
    _redact(inbound)
    for notice in plan.notices:
        outbox.deliver_send(get_queue(), notice.id)
    if callback is not None:
        # Redis may be down: the request is saved all the same and the sweeper queues it later.
        callbacks.deliver(get_queue(), callback.id, callback.next_attempt_at)
    return xml(twiml.messages(outgoing))


def _outgoing(
    line: Line, exchange: records.Exchange, send: relay.Send, counsellor_id: int | None
) -> twiml.Outgoing:
    """One `<Message>`, logged first: its row's id rides on the status callback."""
    text = send.body if send.body is not None else _reply_text(send)
    party, counsellor = (
        (send.party, send.counsellor_id) if send.to else (exchange.party, counsellor_id)
    )
    row = records.log_outbound(
        get_session(),
        records.Exchange(line.id, party, send.language),
        send.intent,
        text,
        now(),
        counsellor_id=counsellor,
        conversation_id=send.conversation_id,
    )
    callback = url_for("sms.status", m=row.id)
    if send.to is None:
        return twiml.Outgoing(text, callback)
    return twiml.Outgoing(text, callback, to=send.to, from_=line.number)


def _reply_text(send: relay.Send) -> str:
    config_dir = Path(current_app.config["HOTLINE_CONFIG_DIR"])
    text = replies.reply_text(config_dir, send.language or "ky", send.intent, **send.values)
    return "\n".join([text, *send.lines])


@bp.post("/status")
@twilio_webhook
@out_of_turn
def status() -> Response:
    """Twilio reports how an SMS went: keep the status on its Message row; redact when final."""
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
