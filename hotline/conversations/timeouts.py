"""What time does to conversations: a silent counsellor's goes to the next one, an idle one
closes. Each leaves notices in the outbox (by reference); the caller commits, then queues them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline import outbox
from hotline.conversations.state import RelayPolicy, choose_counsellor, close
from hotline.models import Conversation, Counsellor, Line, Message


def reassign_silent(session: Session, now: datetime, policy: RelayPolicy) -> list[Message]:
    """Offer each conversation whose counsellor let the reply time pass to the next one."""
    notices: list[Message] = []
    for conversation in _open_where(session, Conversation.reply_due_at <= now):
        notices += _reassign(session, conversation, now, policy)
    return notices


def _reassign(
    session: Session, conversation: Conversation, now: datetime, policy: RelayPolicy
) -> list[Message]:
    line = session.get_one(Line, conversation.line_id)
    silent = session.get_one(Counsellor, conversation.counsellor_id)
    tried = [*conversation.counsellors_tried, silent.id]
    language = conversation.language or line.language
    chosen = choose_counsellor(session, line, language, tried, now, policy)
    conversation.reply_due_at = None
    if chosen is None:
        # Nobody else: it stays with the counsellor it has, and the texter hears the truth.
        return [to_texter(session, conversation, "nobody_on_call", now, reserve=policy.reserve)]
    conversation.counsellors_tried = tried
    conversation.counsellor_id = chosen.id
    conversation.assigned_at = now
    conversation.reply_due_at = now + policy.reply_within
    return [
        to_counsellor(session, chosen, conversation, "relay_new", now, language=language),
        to_counsellor(
            session, silent, conversation, "relay_passed", now, minutes=policy.reply_minutes
        ),
        to_texter(session, conversation, "relay_reassigned", now),
    ]


def close_idle(session: Session, now: datetime, policy: RelayPolicy) -> list[Message]:
    """Close conversations with no message for the idle time; their counsellors are told."""
    notices = []
    for conversation in _open_where(session, Conversation.expires_at <= now):
        close(conversation, "idle", now)
        counsellor = session.get_one(Counsellor, conversation.counsellor_id)
        notices.append(
            to_counsellor(
                session, counsellor, conversation, "relay_closed", now, minutes=policy.idle_minutes
            )
        )
    return notices


def _open_where(session: Session, condition: object) -> list[Conversation]:
    query = select(Conversation).where(Conversation.closed_at.is_(None), condition)  # type: ignore[arg-type]
    return list(session.scalars(query.order_by(Conversation.id)))


def to_counsellor(
    session: Session,
    counsellor: Counsellor,
    conversation: Conversation,
    key: str,
    now: datetime,
    **values: object,
) -> Message:
    """A notice about `conversation` to a counsellor, in their first language."""
    return outbox.put(
        session,
        outbox.Outgoing(
            line_id=conversation.line_id or 0,
            recipient_sealed=counsellor.phone_sealed,
            text_ref=f"sms:{key}",
            intent=key,
            language=(counsellor.languages or [conversation.language or "ky"])[0],
            text_args={"tag": conversation.tag, **values},
            counsellor_id=counsellor.id,
            conversation_id=conversation.id,
        ),
        now,
    )


def to_texter(
    session: Session, conversation: Conversation, key: str, now: datetime, **values: object
) -> Message:
    """A notice to the texter of an open conversation, in its language."""
    return outbox.put(
        session,
        outbox.Outgoing(
            line_id=conversation.line_id or 0,
            recipient_sealed=conversation.caller_number_sealed or "",
            text_ref=f"sms:{key}",
            intent=key,
            language=conversation.language,
            text_args=dict(values),
            party=conversation.caller,
            conversation_id=conversation.id,
        ),
        now,
    )
