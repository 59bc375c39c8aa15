"""Call metadata: who rang which line, what happened. Never a number or any content."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hotline.models.base import Base, not_tallied_index, str_enum, utcnow
from hotline.models.enums import AttemptResult, CallOutcome
from hotline.models.people import Counsellor


class Call(Base):
    """One inbound call, keyed by Twilio's CallSid."""

    __tablename__ = "call"
    __table_args__ = (
        Index("ix_call_caller_started", "caller", "started_at"),
        Index("ix_call_started", "started_at"),  # the console's log, newest first
        not_tallied_index("ix_call_not_tallied", "started_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    call_sid: Mapped[str] = mapped_column(String(64), unique=True)
    line_id: Mapped[int | None] = mapped_column(ForeignKey("line.id"))
    caller: Mapped[str | None] = mapped_column(String(80))  # keyed pseudonym, None if hidden
    caller_area: Mapped[str | None] = mapped_column(String(16))  # oblast slug or "mobile"
    language: Mapped[str | None] = mapped_column(String(8))
    menu_path: Mapped[str] = mapped_column(String(64), default="")
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    hunt_started_at: Mapped[datetime | None]
    answered_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    duration_seconds: Mapped[int | None]
    outcome: Mapped[CallOutcome] = mapped_column(
        str_enum(CallOutcome), default=CallOutcome.IN_PROGRESS
    )
    counsellor_id: Mapped[int | None] = mapped_column(ForeignKey("counsellor.id"))
    attempt_count: Mapped[int] = mapped_column(default=0)  # counsellors offered this call
    invalid_keys: Mapped[int] = mapped_column(default=0)
    # Counted in the daily figures (hotline.reports), once it ended.
    tallied: Mapped[bool] = mapped_column(default=False, server_default=false())

    counsellor: Mapped[Counsellor | None] = relationship()
    attempts: Mapped[list[CallAttempt]] = relationship(
        back_populates="call", order_by="CallAttempt.id"
    )


class CallAttempt(Base):
    """One counsellor offered one call: the result and how long it rang."""

    __tablename__ = "call_attempt"
    __table_args__ = (UniqueConstraint("call_id", "counsellor_id", name="uq_attempt_once"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("call.id", ondelete="CASCADE"))
    counsellor_id: Mapped[int] = mapped_column(ForeignKey("counsellor.id"))
    offered_at: Mapped[datetime] = mapped_column(default=utcnow)
    result: Mapped[AttemptResult] = mapped_column(
        str_enum(AttemptResult), default=AttemptResult.RINGING
    )
    ring_seconds: Mapped[int | None]

    call: Mapped[Call] = relationship(back_populates="attempts")
