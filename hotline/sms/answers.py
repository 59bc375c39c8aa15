"""What the hotline does with an SMS it has read: ask, book or cancel a callback, or help.

No consent, no callback: "call me" only asks whether this number is safe and when; a digit
(or a keyword with the digit in it) is the consent. The number is sealed at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo

from redis import Redis
from sqlalchemy.orm import Session

from hotline import callbacks
from hotline.models import Callback
from hotline.privacy import Keyring
from hotline.sms import memory
from hotline.sms.keywords import Intent, Reading


@dataclass(frozen=True)
class Sender:
    """A known person texting a line: the number lives in memory only, for the callback."""

    line_id: int
    line_language: str
    pseudonym: str
    number: str  # E.164; sealed before it is stored, never logged
    message_sid: str


@dataclass(frozen=True)
class Answer:
    """What an SMS turned out to be, and what we reply (a reply key, or None: silence)."""

    intent: str
    language: str
    reply: str | None
    callback: Callback | None = None


@dataclass(frozen=True)
class Desk:
    """What answering needs: the database session, Redis, the keyring, the time and its zone."""

    session: Session
    redis: Redis
    keyring: Keyring
    now: datetime
    zone: tzinfo  # safe windows are local time (HOTLINE_TIMEZONE)


def answer(desk: Desk, sender: Sender, reading: Reading) -> Answer:
    """Act on the SMS and choose the reply; the caller of this commits."""
    language = reading.language or sender.line_language
    if reading.intent is Intent.CANCEL:
        return _cancel(desk, sender, language, reading.twilio_opted_out)
    if reading.intent is Intent.CALL_ME and reading.digit is not None:
        return _book(desk, sender, language, reading.digit, "call-me-at")
    if reading.intent is Intent.CALL_ME:
        return _ask_when(desk, sender, language)
    if reading.intent is Intent.WINDOW and reading.digit is not None:
        return _answer_when(desk, sender, language, reading.digit)
    if reading.intent is Intent.OPTED_OUT:
        return Answer(Intent.OPTED_OUT, language, None)  # Twilio confirms it; we may not reply
    return Answer(reading.intent, language, "help")


def _ask_when(desk: Desk, sender: Sender, language: str) -> Answer:
    try:
        memory.remember_question(desk.redis, sender.pseudonym, language)
    except memory.RedisUnavailable:
        # Nowhere to remember the question: ask for keyword and digit in one message.
        return Answer(Intent.CALL_ME, language, "send_inline")
    return Answer(Intent.CALL_ME, language, "ask_when")


def _answer_when(desk: Desk, sender: Sender, language: str, digit: str) -> Answer:
    try:
        asked_in = memory.take_question(desk.redis, sender.pseudonym)
    except memory.RedisUnavailable:
        return Answer("window-unknown", language, "send_inline")
    if asked_in is None:
        return Answer("window-unasked", language, "help")
    return _book(desk, sender, asked_in, digit, "call-me-consent")


def _book(desk: Desk, sender: Sender, language: str, digit: str, intent: str) -> Answer:
    callback = callbacks.request_callback(
        desk.session,
        desk.keyring,
        line_id=sender.line_id,
        caller=sender.pseudonym,
        number=sender.number,
        language=language,
        window=callbacks.WINDOW_KEYS[digit],
        now=desk.now,
        zone=desk.zone,
        source_sid=sender.message_sid,
    )
    return Answer(intent, language, "registered", callback)


def _cancel(desk: Desk, sender: Sender, language: str, twilio_opted_out: bool) -> Answer:
    cancelled = callbacks.cancel_open(desk.session, sender.pseudonym, desk.now)
    memory.forget_question(desk.redis, sender.pseudonym)
    if twilio_opted_out:
        # Twilio opted the sender out and confirms it; a reply from us would be refused.
        return Answer(Intent.CANCEL, language, None)
    return Answer(Intent.CANCEL, language, "cancelled" if cancelled else "nothing_waiting")
