"""Opening, finding, answering and closing conversations; the texter's number sealed until close."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hotline.calls.hunt import roster_states
from hotline.conversations.tags import new_tag
from hotline.models import Conversation, Counsellor, Line
from hotline.privacy import Keyring
from hotline.routing import TextRequest, choose_for_text

TAG_TRIES = 5  # two webhooks may pick the same free tag at once: the loser picks again


@dataclass(frozen=True)
class RelayPolicy:
    """The relay's settings (HOTLINE_SMS_*) and the zone shifts are written in."""

    reply_minutes: int = 5
    idle_minutes: int = 60
    max_open: int = 3
    zone: tzinfo = ZoneInfo("Asia/Bishkek")
    reserve: str = "112"  # the reserve line texters are given when nobody is on call

    @property
    def reply_within(self) -> timedelta:
        """How long a texter waits for an answer before another counsellor is found."""
        return timedelta(minutes=self.reply_minutes)

    @property
    def idle_for(self) -> timedelta:
        """How long a conversation may be silent before it is closed."""
        return timedelta(minutes=self.idle_minutes)


def policy_from(config: Mapping[str, Any]) -> RelayPolicy:
    """The relay policy from the app's settings."""
    return RelayPolicy(
        reply_minutes=int(config["HOTLINE_SMS_REPLY_MINUTES"]),
        idle_minutes=int(config["HOTLINE_SMS_IDLE_MINUTES"]),
        max_open=int(config["HOTLINE_SMS_MAX_CONVERSATIONS"]),
        zone=ZoneInfo(config["HOTLINE_TIMEZONE"]),
        reserve=config.get("HOTLINE_BACKUP_NUMBER") or "112",
    )


@dataclass(frozen=True)
class Assignment:
    """A conversation and the counsellor who has it."""

    conversation: Conversation
    counsellor: Counsellor


def counsellor_by_phone(session: Session, pseudonym: str) -> Counsellor | None:
    """The active counsellor texting from this phone (known by its pseudonym), if any."""
    return session.scalar(
        select(Counsellor).where(
            Counsellor.phone_pseudonym == pseudonym, Counsellor.active.is_(True)
        )
    )


def open_for_texter(session: Session, caller: str, line_id: int) -> Conversation | None:
    """The texter's open conversation on this line."""
    return session.scalar(
        select(Conversation).where(
            Conversation.caller == caller,
            Conversation.line_id == line_id,
            Conversation.closed_at.is_(None),
        )
    )


def open_for_counsellor(session: Session, counsellor_id: int) -> list[Conversation]:
    """A counsellor's open conversations, oldest first."""
    query = (
        select(Conversation)
        .where(Conversation.counsellor_id == counsellor_id, Conversation.closed_at.is_(None))
        .order_by(Conversation.opened_at, Conversation.id)
    )
    return list(session.scalars(query))


def find_for_counsellor(session: Session, counsellor_id: int, tag: str) -> Conversation | None:
    """The counsellor's open conversation with this tag."""
    return next((c for c in open_for_counsellor(session, counsellor_id) if c.tag == tag), None)


def choose_counsellor(
    session: Session,
    line: Line,
    language: str,
    tried: list[int],
    now: datetime,
    policy: RelayPolicy,
) -> Counsellor | None:
    """The least loaded on-call counsellor for a texter in `language` (then the fallbacks)."""
    open_counts = dict(
        session.execute(
            select(Conversation.counsellor_id, func.count())
            .where(Conversation.closed_at.is_(None), Conversation.counsellor_id.is_not(None))
            .group_by(Conversation.counsellor_id)
        ).all()
    )
    last_given = dict(
        session.execute(
            select(Conversation.counsellor_id, func.max(Conversation.assigned_at))
            .where(Conversation.counsellor_id.is_not(None))
            .group_by(Conversation.counsellor_id)
        ).all()
    )
    request = TextRequest(
        language=language,
        fallback_languages=tuple(line.fallback_languages),
        line_centre=line.centre.slug if line.centre else None,
        tried=frozenset(tried),
        now=now,
        shift_zone=policy.zone,
        max_open=policy.max_open,
    )
    chosen = choose_for_text(
        roster_states(session, now),
        {k: v for k, v in open_counts.items() if k is not None},
        {k: v for k, v in last_given.items() if k is not None and v is not None},
        request,
    )
    return session.get(Counsellor, chosen) if chosen is not None else None


def open_conversation(
    session: Session,
    keyring: Keyring,
    *,
    line: Line,
    caller: str,
    number: str,
    language: str,
    counsellor: Counsellor,
    now: datetime,
    policy: RelayPolicy,
) -> Conversation:
    """A new conversation with `counsellor`; the texter's number is sealed, never kept plain."""
    for _ in range(TAG_TRIES):
        taken = set(
            session.scalars(select(Conversation.tag).where(Conversation.closed_at.is_(None)))
        )
        conversation = Conversation(
            tag=new_tag(taken),
            line_id=line.id,
            caller=caller,
            caller_number_sealed=keyring.seal(number),
            counsellor_id=counsellor.id,
            language=language,
            opened_at=now,
            assigned_at=now,
            expires_at=now + policy.idle_for,
            reply_due_at=now + policy.reply_within,
            counsellors_tried=[],
        )
        try:
            with session.begin_nested():
                session.add(conversation)
        except IntegrityError:
            continue
        return conversation
    raise RuntimeError("no free conversation tag after several tries")


def note_texter_message(conversation: Conversation, now: datetime, policy: RelayPolicy) -> None:
    """The texter wrote: the idle clock restarts, and the counsellor owes an answer."""
    conversation.expires_at = now + policy.idle_for
    if conversation.reply_due_at is None:
        conversation.reply_due_at = now + policy.reply_within


def note_counsellor_reply(conversation: Conversation, now: datetime, policy: RelayPolicy) -> None:
    """The counsellor answered: nothing owed, and the idle clock restarts."""
    conversation.reply_due_at = None
    conversation.expires_at = now + policy.idle_for


def close(conversation: Conversation, reason: str, now: datetime) -> None:
    """Close it and erase the texter's sealed number."""
    conversation.closed_at = now
    conversation.close_reason = reason
    conversation.caller_number_sealed = None
    conversation.reply_due_at = None


def forget_texter(session: Session, caller: str, now: datetime) -> list[Conversation]:
    """Close the texter's open conversations and take their pseudonym off every one."""
    still_open = list(
        session.scalars(
            select(Conversation).where(
                Conversation.caller == caller, Conversation.closed_at.is_(None)
            )
        )
    )
    for conversation in still_open:
        close(conversation, "deleted", now)
    session.execute(update(Conversation).where(Conversation.caller == caller).values(caller=None))
    return still_open
