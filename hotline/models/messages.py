"""SMS metadata and anonymous relay conversations. Never a message body."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from hotline.models.base import Base, str_enum, utcnow
from hotline.models.enums import Direction


class Conversation(Base):
    """An anonymous SMS relay between a caller and a counsellor through a line's number."""

    __tablename__ = "conversation"

    id: Mapped[int] = mapped_column(primary_key=True)
    tag: Mapped[str] = mapped_column(String(8), unique=True)  # short code counsellors reply with
    line_id: Mapped[int | None] = mapped_column(ForeignKey("line.id"))
    caller: Mapped[str] = mapped_column(String(80))
    caller_number_sealed: Mapped[str | None] = mapped_column(String(255))
    counsellor_id: Mapped[int | None] = mapped_column(ForeignKey("counsellor.id"))
    language: Mapped[str | None] = mapped_column(String(8))
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]


class Message(Base):
    """One SMS in or out: direction, pseudonym, intent, segments; the body is never kept."""

    __tablename__ = "message"
    __table_args__ = (Index("ix_message_created", "created_at"),)  # the console's SMS log

    id: Mapped[int] = mapped_column(primary_key=True)
    message_sid: Mapped[str | None] = mapped_column(String(64), unique=True)
    line_id: Mapped[int | None] = mapped_column(ForeignKey("line.id"))
    direction: Mapped[Direction] = mapped_column(str_enum(Direction))
    party: Mapped[str | None] = mapped_column(String(80))  # keyed pseudonym of the other side
    language: Mapped[str | None] = mapped_column(String(8))
    intent: Mapped[str | None] = mapped_column(String(32))
    segments: Mapped[int] = mapped_column(default=1)
    status: Mapped[str | None] = mapped_column(String(16))
    conversation_id: Mapped[int | None] = mapped_column(ForeignKey("conversation.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
