"""Counsellors, their weekly shifts, and supervisor console users."""

from __future__ import annotations

from datetime import datetime, time

from sqlalchemy import JSON, ForeignKey, Index, String, Time
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hotline.models.base import Base, str_enum, utcnow
from hotline.models.directory import Centre
from hotline.models.enums import DutyOverride, Role


class Counsellor(Base):
    """A person who answers calls on their own phone; the phone is sealed at rest."""

    __tablename__ = "counsellor"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    phone_sealed: Mapped[str] = mapped_column(String(255))
    # A keyed pseudonym of the phone: finds a counsellor texting "on"/"off" without decrypting.
    phone_pseudonym: Mapped[str] = mapped_column(String(80), unique=True)
    phone_hint: Mapped[str] = mapped_column(String(24))  # masked, for listings
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    skills: Mapped[list[str]] = mapped_column(JSON, default=list)
    centre_id: Mapped[int | None] = mapped_column(ForeignKey("centre.id"))
    active: Mapped[bool] = mapped_column(default=True)
    standby: Mapped[bool] = mapped_column(default=False)  # rung outside shifts as a last resort
    position: Mapped[int] = mapped_column(default=0)
    duty: Mapped[DutyOverride | None] = mapped_column(str_enum(DutyOverride))
    on_call_sid: Mapped[str | None] = mapped_column(String(64))  # the call they talk on now
    # Busy for one call, ringing or talking, until `reserved_until`: taken by compare-and-set,
    # so two web processes never offer them two calls; the expiry frees them even when the
    # status callback that should release them is lost.
    reserved_for: Mapped[str | None] = mapped_column(String(64))  # a CallSid, or "callback:ID"
    reserved_until: Mapped[datetime | None]
    last_offered_at: Mapped[datetime | None]
    last_answered_at: Mapped[datetime | None]
    wrap_up_until: Mapped[datetime | None]

    centre: Mapped[Centre | None] = relationship()
    shifts: Mapped[list[Shift]] = relationship(
        back_populates="counsellor", cascade="all, delete-orphan", order_by="Shift.id"
    )


class Shift(Base):
    """A weekly on-call window in Asia/Bishkek time; end <= start crosses midnight."""

    __tablename__ = "shift"
    # The hunt finds who a shift covers now by the day and hours (today, or yesterday past
    # midnight), from the index alone; then the shifts of the few it shows by their day.
    __table_args__ = (
        Index("ix_shift_weekday_hours", "weekday", "start", "end", "counsellor_id"),
        Index("ix_shift_weekday_counsellor", "weekday", "counsellor_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    counsellor_id: Mapped[int] = mapped_column(ForeignKey("counsellor.id", ondelete="CASCADE"))
    weekday: Mapped[int]  # 0 = Monday
    start: Mapped[time] = mapped_column(Time)
    end: Mapped[time] = mapped_column(Time)

    counsellor: Mapped[Counsellor] = relationship(back_populates="shifts")


class User(Base):
    """A supervisor console account; `username` is the person's email."""

    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))  # argon2id
    role: Mapped[Role] = mapped_column(str_enum(Role), default=Role.SUPERVISOR)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    language: Mapped[str | None] = mapped_column(String(8))  # the console's language for them
    must_change_password: Mapped[bool] = mapped_column(default=False)
    totp_secret_sealed: Mapped[str | None] = mapped_column(String(255))  # None: no second factor
    totp_last_step: Mapped[int | None]  # the last code's time step: a code works once
    recovery_codes: Mapped[list[str]] = mapped_column(JSON, default=list)  # SHA-256 of each
    last_login_at: Mapped[datetime | None]
    # Sessions opened before this are over (password reset, account disabled).
    sessions_valid_after: Mapped[datetime | None]
    # Their own phone for alerts (gaps in cover): sealed like a counsellor's, shown masked.
    phone_sealed: Mapped[str | None] = mapped_column(String(255))
    phone_hint: Mapped[str | None] = mapped_column(String(24))
