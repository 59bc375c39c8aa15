"""Callbacks the hotline owes a caller: the database is the state machine's source of truth."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, false
from sqlalchemy.orm import Mapped, mapped_column

from hotline.models.base import Base, not_tallied_index, str_enum, utcnow
from hotline.models.enums import CallbackState, SafeWindow


class Callback(Base):
    """A caller's request to be called back; the sealed number is erased at a terminal state."""

    __tablename__ = "callback"
    __table_args__ = (
        Index("ix_callback_state_due", "state", "next_attempt_at"),
        # One request per call or SMS that asked, however often Twilio's request is replayed.
        Index("uq_callback_source_call_sid", "source_call_sid", unique=True),
        not_tallied_index("ix_callback_not_tallied", "requested_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    line_id: Mapped[int | None] = mapped_column(ForeignKey("line.id"))
    caller: Mapped[str | None] = mapped_column(String(80))  # keyed pseudonym
    number_sealed: Mapped[str | None] = mapped_column(String(255))
    language: Mapped[str] = mapped_column(String(8))
    consent: Mapped[bool] = mapped_column(default=False)
    safe_window: Mapped[SafeWindow] = mapped_column(str_enum(SafeWindow), default=SafeWindow.ASAP)
    state: Mapped[CallbackState] = mapped_column(
        str_enum(CallbackState), default=CallbackState.PENDING
    )
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    source_call_sid: Mapped[str | None] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None]
    counsellor_id: Mapped[int | None] = mapped_column(ForeignKey("counsellor.id"))
    # Counsellors who did not take this callback since the caller was last dialled.
    counsellors_tried: Mapped[list[int]] = mapped_column(JSON, default=list)
    claimed_at: Mapped[datetime | None]  # when a worker took it (a stale claim is recovered)
    counsellor_call_sid: Mapped[str | None] = mapped_column(String(64))
    caller_call_sid: Mapped[str | None] = mapped_column(String(64))
    outcome: Mapped[str | None] = mapped_column(String(32))
    closed_at: Mapped[datetime | None]
    # Counted in the daily figures (hotline.reports), once closed.
    tallied: Mapped[bool] = mapped_column(default=False, server_default=false())


class HeldNumber(Base):
    """A number a caller keyed in for a callback, held sealed for the rest of that call only.

    It stays here, keyed by the CallSid, rather than in an action URL: access logs and Twilio's
    request log would keep a URL's copy after the database had erased it.
    """

    __tablename__ = "held_number"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_sid: Mapped[str] = mapped_column(String(64), unique=True)
    number_sealed: Mapped[str] = mapped_column(String(255))
    expires_at: Mapped[datetime]
