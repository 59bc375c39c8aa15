"""Each outbox message's sending state, kept in its Message row; every change a compare-and-set.

waiting -> sending (claimed, before the REST request) -> handed (Twilio's sid recorded, the
sealed number erased); a refusal retries with backoff or ends in failed. A claim with no sid
(the worker died mid-request) is settled by the sweeper from what Twilio knows.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from hotline.models import Direction, Message, SendState
from hotline.twilio_terms import MESSAGE_STATUS_ORDER

# A message in one of these is done at Twilio: its body may be redacted.
FINAL_STATUSES = frozenset({"delivered", "undelivered", "failed", "received", "canceled", "read"})
REDACT_AFTER_SECONDS = 60  # the sweeper leaves fresh messages to their status callbacks


@dataclass(frozen=True)
class OutboxPolicy:
    """How hard the outbox tries: sends, their backoff, redaction (settings HOTLINE_SMS_*)."""

    attempts: int = 5
    retry_seconds: tuple[int, ...] = (30, 120, 600, 1800)
    redact: bool = True
    redact_attempts: int = 10  # redaction waits for the message to be final, with the backoff
    stale_seconds: int = 180  # a claim this old with no sid: the worker died mid-request

    def backoff(self, attempts: int) -> timedelta:
        """The wait after the `attempts`-th failed try."""
        index = min(max(attempts, 1), len(self.retry_seconds)) - 1
        return timedelta(seconds=self.retry_seconds[index])


def policy_from(config: Mapping[str, Any]) -> OutboxPolicy:
    """The outbox policy from the app's settings."""
    retry = str(config["HOTLINE_SMS_RETRY_SECONDS"])
    return OutboxPolicy(
        attempts=int(config["HOTLINE_SMS_SEND_ATTEMPTS"]),
        retry_seconds=tuple(int(part) for part in retry.split(",") if part.strip()),
        redact=bool(config["HOTLINE_SMS_REDACT"]),
    )


@dataclass(frozen=True)
class Outgoing:
    """An SMS to queue: whom (sealed), from which line, and which text, by reference."""

    line_id: int
    recipient_sealed: str
    text_ref: str  # "writer:key", e.g. "sms:relay_reassigned"
    intent: str
    language: str | None = None
    text_args: dict[str, Any] = field(default_factory=dict)  # never content: a tag, a count
    party: str | None = None  # the texter's pseudonym, when it goes to a texter
    counsellor_id: int | None = None  # when it goes to a counsellor
    conversation_id: int | None = None
    dedup_key: str | None = None  # one message per cause ("centres:<CallSid>"), replays or not


def put(session: Session, outgoing: Outgoing, now: datetime) -> Message:
    """A waiting outbox message; queue its id with `deliver_send` once this is committed.

    With a `dedup_key` already used, the message put then is returned and nothing is added.
    """
    if outgoing.dedup_key is not None:
        earlier = session.scalar(select(Message).where(Message.dedup_key == outgoing.dedup_key))
        if earlier is not None:
            return earlier
    message = Message(
        line_id=outgoing.line_id,
        direction=Direction.OUTBOUND,
        party=outgoing.party,
        counsellor_id=outgoing.counsellor_id,
        conversation_id=outgoing.conversation_id,
        language=outgoing.language,
        intent=outgoing.intent,
        segments=0,  # known once the text is written, at sending
        send_state=SendState.WAITING,
        text_ref=outgoing.text_ref,
        text_args=dict(outgoing.text_args),
        recipient_sealed=outgoing.recipient_sealed,
        next_attempt_at=now,
        created_at=now,
        dedup_key=outgoing.dedup_key,
    )
    session.add(message)
    session.flush()
    return message


def claim(session: Session, message_id: int, now: datetime) -> datetime | None:
    """Take a due waiting message for one REST request; its claim time, or None if not ours."""
    taken = session.execute(
        update(Message)
        .where(
            Message.id == message_id,
            Message.send_state == SendState.WAITING,
            or_(Message.next_attempt_at.is_(None), Message.next_attempt_at <= now),
        )
        .values(send_state=SendState.SENDING, claimed_at=now, attempts=Message.attempts + 1)
    )
    return now if taken.rowcount == 1 else None  # type: ignore[attr-defined]


def _claimed(session: Session, message_id: int, claimed_at: datetime) -> Message | None:
    message = session.get(Message, message_id, populate_existing=True)
    if message is None or message.send_state != SendState.SENDING:
        return None
    return message if message.claimed_at == claimed_at else None


def handed(
    session: Session, message_id: int, claimed_at: datetime, sid: str, status: str, parts: int
) -> bool:
    """Twilio took the message: keep its sid and size, erase the number."""
    message = _claimed(session, message_id, claimed_at)
    if message is None:
        return False
    message.send_state = SendState.HANDED
    message.message_sid = sid
    message.segments = parts
    message.recipient_sealed = None
    # A status callback may have come first (it finds the row by id): never go back.
    if MESSAGE_STATUS_ORDER.get(status, -1) > MESSAGE_STATUS_ORDER.get(message.status or "", -1):
        message.status = status
    return True


def retry_later(
    session: Session,
    message_id: int,
    claimed_at: datetime,
    now: datetime,
    policy: OutboxPolicy,
    code: int | None,
) -> datetime | None:
    """Twilio refused for now: when to try again, or None when the attempts are used up."""
    message = _claimed(session, message_id, claimed_at)
    if message is None:
        return None
    if message.attempts >= policy.attempts:
        _fail(message, code)
        return None
    message.send_state = SendState.WAITING
    message.error_code = code
    message.next_attempt_at = now + policy.backoff(message.attempts)
    return message.next_attempt_at


def failed(session: Session, message_id: int, claimed_at: datetime, code: int | None) -> bool:
    """Twilio refused for good (an opted-out or invalid number): erase the number."""
    message = _claimed(session, message_id, claimed_at)
    if message is not None:
        _fail(message, code)
    return message is not None


def _fail(message: Message, code: int | None) -> None:
    message.send_state = SendState.FAILED
    message.status = "failed"
    message.error_code = code
    message.recipient_sealed = None
    message.next_attempt_at = None


def release(
    session: Session, message: Message, now: datetime, policy: OutboxPolicy
) -> datetime | None:
    """A stale claim Twilio never took: waiting again after the backoff (None: given up)."""
    if message.attempts >= policy.attempts:
        _fail(message, None)
        return None
    message.send_state = SendState.WAITING
    message.next_attempt_at = now + policy.backoff(message.attempts)
    return message.next_attempt_at


def adopt(session: Session, message: Message, sid: str, status: str) -> None:
    """A stale claim whose message Twilio has after all: keep its sid, never send it again."""
    message.send_state = SendState.HANDED
    message.message_sid = sid
    message.status = status
    message.recipient_sealed = None


def stale(session: Session, now: datetime, policy: OutboxPolicy) -> list[Message]:
    """Claims with no news for `stale_seconds`: their worker died, or Twilio never answered."""
    cutoff = now - timedelta(seconds=policy.stale_seconds)
    query = select(Message).where(
        Message.send_state == SendState.SENDING, Message.claimed_at <= cutoff
    )
    return list(session.scalars(query))


def due(session: Session, now: datetime) -> list[int]:
    """Ids of waiting messages whose time has come (the sweeper queues those Redis lost)."""
    query = select(Message.id).where(
        Message.send_state == SendState.WAITING,
        or_(Message.next_attempt_at.is_(None), Message.next_attempt_at <= now),
    )
    return list(session.scalars(query))


def cancel_to(session: Session, party: str) -> int:
    """Drop waiting messages to this texter (they asked to delete their data)."""
    result = session.execute(
        update(Message)
        .where(Message.party == party, Message.send_state == SendState.WAITING)
        .values(send_state=SendState.FAILED, status="canceled", recipient_sealed=None)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def redactions_owed(session: Session, now: datetime, policy: OutboxPolicy) -> list[int]:
    """Messages at Twilio whose body is not yet blanked (status callbacks may have been lost)."""
    if not policy.redact:
        return []
    query = select(Message.id).where(
        Message.message_sid.is_not(None),
        Message.redacted_at.is_(None),
        Message.redact_attempts < policy.redact_attempts,
        Message.created_at <= now - timedelta(seconds=REDACT_AFTER_SECONDS),
    )
    return list(session.scalars(query))


def redacted(session: Session, message_id: int, now: datetime) -> None:
    """Twilio no longer holds the body."""
    message = session.get_one(Message, message_id)
    message.redacted_at = now


def redaction_failed(
    session: Session, message_id: int, now: datetime, policy: OutboxPolicy
) -> datetime | None:
    """Not final yet, or Twilio refused: when to try again (None: given up)."""
    message = session.get_one(Message, message_id)
    message.redact_attempts += 1
    if message.redact_attempts >= policy.redact_attempts:
        return None
    return now + policy.backoff(message.redact_attempts)
