"""The SMS log as a supervisor reads it: intent, language, segments, status; never a body."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from hotline.logbook.paging import Page, page_of
from hotline.logbook.tags import caller_tag, repeat_counts
from hotline.models import Direction, Message


@dataclass(frozen=True)
class MessageFilter:
    """What a supervisor narrows the SMS log to; None: any."""

    since: datetime | None = None
    until: datetime | None = None
    line_id: int | None = None
    language: str | None = None
    direction: Direction | None = None
    intent: str | None = None


@dataclass(frozen=True)
class LoggedMessage:
    """One SMS as listed, with its party's tag and how many messages they have in the period."""

    message: Message
    tag: str | None
    repeats: int


def messages_query(wanted: MessageFilter) -> Select[Any]:
    """Messages matching `wanted`, newest first."""
    query = select(Message).order_by(Message.created_at.desc(), Message.id.desc())
    if wanted.since is not None:
        query = query.where(Message.created_at >= wanted.since)
    if wanted.until is not None:
        query = query.where(Message.created_at < wanted.until)
    if wanted.line_id is not None:
        query = query.where(Message.line_id == wanted.line_id)
    if wanted.language is not None:
        query = query.where(Message.language == wanted.language)
    if wanted.direction is not None:
        query = query.where(Message.direction == wanted.direction)
    if wanted.intent is not None:
        query = query.where(Message.intent == wanted.intent)
    return query


def find_messages(session: Session, wanted: MessageFilter, number: int) -> Page[LoggedMessage]:
    """Page `number` of the matching messages."""
    page = page_of(session, messages_query(wanted), number)
    counts = repeat_counts(
        session,
        Message.party,
        Message.created_at,
        [m.party for m in page.rows],
        wanted.since,
        wanted.until,
    )
    rows = [LoggedMessage(m, caller_tag(m.party), counts.get(m.party or "", 0)) for m in page.rows]
    return Page(rows, page.number, page.total, page.size)


def find_message(session: Session, message_id: int) -> LoggedMessage | None:
    """One message with its party's tag and all their messages."""
    message = session.get(Message, message_id)
    if message is None:
        return None
    counts = repeat_counts(session, Message.party, Message.created_at, [message.party], None, None)
    return LoggedMessage(message, caller_tag(message.party), counts.get(message.party or "", 0))


def intents(session: Session) -> list[str]:
    """Every intent seen, for the filter."""
    query = select(Message.intent).where(Message.intent.is_not(None)).distinct()
    return sorted(i for i in session.scalars(query) if i)
