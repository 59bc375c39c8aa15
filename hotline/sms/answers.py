"""What the hotline does with a keyword SMS: ask, book or cancel a callback, give centres'
numbers, change the language, delete the sender's data, or help. Anything else is relayed.

No consent, no callback: "call me" only asks whether this number is safe and when; a digit
(or a keyword with the digit in it) is the consent. The number is sealed at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, tzinfo

from redis import Redis
from sqlalchemy.orm import Session

from hotline import callbacks, conversations
from hotline.directory import centres_near
from hotline.models import Callback, Counsellor, Line, Message
from hotline.privacy import Keyring
from hotline.sms import erasure, memory
from hotline.sms.keywords import Intent, Reading

CENTRES_LISTED = 4  # numbers in the centres reply: about two segments


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
    lines: tuple[str, ...] = ()  # lines after the reply's text (the centres' numbers)
    notices: list[Message] = field(default_factory=list)  # outbox messages to queue


@dataclass(frozen=True)
class Desk:
    """What answering needs: the database session, Redis, the keyring, the time and its zone."""

    session: Session
    redis: Redis
    keyring: Keyring
    now: datetime
    zone: tzinfo  # safe windows are local time (HOTLINE_TIMEZONE)


def answer(desk: Desk, sender: Sender, reading: Reading, saved: str | None) -> Answer | None:
    """Act on a keyword SMS and choose the reply; None: not a keyword, relay it. Not committed."""
    language = reading.language or saved or sender.line_language
    if reading.intent is Intent.UNKNOWN:
        return None
    if reading.intent is Intent.LANGUAGE and reading.choice is not None:
        memory.save_language(desk.redis, sender.pseudonym, reading.choice)
        return Answer(Intent.LANGUAGE, reading.choice, "language_set")
    if reading.intent is Intent.FORGET:
        notices = erasure.forget_sender(desk.session, desk.redis, sender.pseudonym, desk.now)
        return Answer(Intent.FORGET, language, "data_deleted", notices=notices)
    if reading.intent is Intent.CENTRES:
        return _centres(desk, sender, language, reading.oblast)
    if reading.intent is Intent.CANCEL:
        return _cancel(desk, sender, language, reading.twilio_opted_out)
    if reading.intent is Intent.CALL_ME and reading.digit is not None:
        return _book(desk, sender, language, reading.digit, "call-me-at")
    if reading.intent is Intent.CALL_ME:
        return _ask_when(desk, sender, language)
    if reading.intent is Intent.WINDOW and reading.digit is not None:
        return _answer_when(desk, sender, language, reading.digit)
    if reading.intent is Intent.OPTED_OUT:  # Twilio confirms it; we may not reply
        return Answer(Intent.OPTED_OUT, language, None, notices=_opted_out(desk, sender))
    return Answer(reading.intent, language, "help")


def _centres(desk: Desk, sender: Sender, language: str, oblast: str | None) -> Answer:
    """The numbers of the centres in the oblast asked about (or near the line), no names."""
    line = desk.session.get_one(Line, sender.line_id)
    area = oblast or (line.centre.oblast if line.centre else None)
    found = centres_near(desk.session, [area], CENTRES_LISTED)
    numbers = tuple(c.public_phone for c in found if c.public_phone)
    return Answer(f"{Intent.CENTRES}-{oblast or 'near'}", language, "centres", lines=numbers)


def _opted_out(desk: Desk, sender: Sender) -> list[Message]:
    """The texter stopped messages from the line: nothing can reach them, so close it."""
    conversation = conversations.open_for_texter(desk.session, sender.pseudonym, sender.line_id)
    if conversation is None or conversation.counsellor_id is None:
        return []
    conversations.close(conversation, "opted-out", desk.now)
    counsellor = desk.session.get_one(Counsellor, conversation.counsellor_id)
    return [
        conversations.to_counsellor(desk.session, counsellor, conversation, "relay_gone", desk.now)
    ]


def _ask_when(desk: Desk, sender: Sender, language: str) -> Answer:
    try:
        memory.remember_question(desk.redis, sender.pseudonym, language)
    except memory.RedisUnavailable:
        # Nowhere to remember the question: ask for keyword and digit in one message.
        return Answer(Intent.CALL_ME, language, "send_inline")
    return Answer(Intent.CALL_ME, language, "ask_when")


def _answer_when(desk: Desk, sender: Sender, language: str, digit: str) -> Answer | None:
    try:
        asked_in = memory.take_question(desk.redis, sender.pseudonym)
    except memory.RedisUnavailable:
        return Answer("window-unknown", language, "send_inline")
    if asked_in is None:
        return None  # a digit nobody asked for: a person writing, it is relayed
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
