"""SMS metadata and anonymous relay conversations. Never a message body."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, false, text
from sqlalchemy.orm import Mapped, mapped_column

from hotline.models.base import Base, not_tallied_index, str_enum, utcnow
from hotline.models.enums import Direction, SendState

OPEN = text("closed_at IS NULL")


class Conversation(Base):
    """An anonymous SMS relay between a texter and a counsellor through a line's number."""

    __tablename__ = "conversation"
    # A tag names one open conversation; a closed one's tag may be given out again.
    __table_args__ = (
        Index(
            "uq_conversation_open_tag",
            "tag",
            unique=True,
            sqlite_where=OPEN,
            postgresql_where=OPEN,
        ),
        not_tallied_index("ix_conversation_not_tallied", "opened_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tag: Mapped[str] = mapped_column(String(8))  # short code counsellors reply with
    line_id: Mapped[int | None] = mapped_column(ForeignKey("line.id"))
    caller: Mapped[str | None] = mapped_column(String(80))  # None after "delete my data"
    caller_number_sealed: Mapped[str | None] = mapped_column(String(255))  # erased at close
    counsellor_id: Mapped[int | None] = mapped_column(ForeignKey("counsellor.id"))
    language: Mapped[str | None] = mapped_column(String(8))
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]  # idle deadline: moved on by every message
    closed_at: Mapped[datetime | None]
    assigned_at: Mapped[datetime | None]  # when the current counsellor was given it
    # The texter waits for an answer until then; None once the counsellor has answered.
    reply_due_at: Mapped[datetime | None]
    counsellors_tried: Mapped[list[int]] = mapped_column(JSON, default=list)
    close_reason: Mapped[str | None] = mapped_column(String(16))
    # Counted in the daily figures (hotline.reports).
    tallied: Mapped[bool] = mapped_column(default=False, server_default=false())


class Message(Base):
    """One SMS in or out: direction, pseudonym, intent, segments; the body is never kept.

    A message the outbox sends (RQ) is written by reference: `text_ref` names the text and
    `text_args` its few non-content values (a tag, a count); the recipient's number is sealed
    here only until Twilio has the message.
    """

    __tablename__ = "message"
    __table_args__ = (
        Index("ix_message_send_due", "send_state", "next_attempt_at"),
        Index("ix_message_created", "created_at"),  # the console's SMS log
        not_tallied_index("ix_message_not_tallied", "created_at"),
    )

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
    counsellor_id: Mapped[int | None] = mapped_column(ForeignKey("counsellor.id"))
    error_code: Mapped[int | None]  # Twilio's, when it refused or could not deliver
    redacted_at: Mapped[datetime | None]  # the body was blanked at Twilio
    redact_attempts: Mapped[int] = mapped_column(default=0)
    # The outbox (messages sent through RQ); all None for replies in TwiML.
    send_state: Mapped[SendState | None] = mapped_column(str_enum(SendState))
    text_ref: Mapped[str | None] = mapped_column(String(64))
    text_args: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    recipient_sealed: Mapped[str | None] = mapped_column(String(255))
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None]
    claimed_at: Mapped[datetime | None]
    # Sent once per cause ("centres:<CallSid>"), however often the request that asked is replayed.
    dedup_key: Mapped[str | None] = mapped_column(String(80), unique=True)
    # Counted in the daily figures (hotline.reports), once its size is known.
    tallied: Mapped[bool] = mapped_column(default=False, server_default=false())
