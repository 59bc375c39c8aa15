"""The SMS log: one Message row per SMS in or out. Metadata only, never the body or a number."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.models import Direction, Message
from hotline.sms.segments import segments
from hotline.twilio_terms import MESSAGE_STATUS_ORDER


@dataclass(frozen=True)
class Exchange:
    """Who an SMS is with, on which line, in which language."""

    line_id: int | None
    party: str | None  # the sender's pseudonym
    language: str | None


def seen(session: Session, message_sid: str) -> bool:
    """Whether this inbound MessageSid was handled already (a replayed webhook)."""
    found = session.scalar(select(Message.id).where(Message.message_sid == message_sid))
    return found is not None


def log_inbound(
    session: Session,
    exchange: Exchange,
    message_sid: str | None,
    intent: str,
    parts: int,
    now: datetime,
    **links: int | None,
) -> Message:
    """Record a received SMS: what it asked for and its size, not what it said.

    `links` are conversation_id and counsellor_id (an SMS from a counsellor's phone).
    """
    message = Message(
        **links,
        message_sid=message_sid or None,
        line_id=exchange.line_id,
        direction=Direction.INBOUND,
        party=exchange.party,
        language=exchange.language,
        intent=intent,
        segments=parts,
        status="received",
        created_at=now,
    )
    session.add(message)
    return message


def log_outbound(
    session: Session,
    exchange: Exchange,
    intent: str,
    text: str,
    now: datetime,
    **links: int | None,
) -> Message:
    """Record an SMS we send in TwiML (its size, not its text); the sid comes with its status."""
    message = Message(
        **links,
        line_id=exchange.line_id,
        direction=Direction.OUTBOUND,
        party=exchange.party,
        language=exchange.language,
        intent=intent,
        segments=segments(text),
        status="queued",
        created_at=now,
    )
    session.add(message)
    session.flush()  # the id goes into the status callback URL
    return message


def update_status(
    session: Session,
    message_sid: str,
    status: str,
    message_id: int | None = None,
    error_code: int | None = None,
) -> Message | None:
    """Apply a status callback; `message_id` ties a reply's first callback to its row."""
    if status not in MESSAGE_STATUS_ORDER or not message_sid:
        return None
    message = session.scalar(select(Message).where(Message.message_sid == message_sid))
    if message is None and message_id is not None:
        message = session.scalar(
            select(Message).where(
                Message.id == message_id,
                Message.direction == Direction.OUTBOUND,
                Message.message_sid.is_(None),
            )
        )
        if message is not None:
            message.message_sid = message_sid
    if message is None:
        return None
    if MESSAGE_STATUS_ORDER[status] >= MESSAGE_STATUS_ORDER.get(message.status or "", -1):
        message.status = status
        message.error_code = error_code or message.error_code
    return message
