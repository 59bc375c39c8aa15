"""Crisis centres and the Twilio numbers (lines) that ring them."""

from __future__ import annotations

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hotline.models.base import Base, str_enum
from hotline.models.enums import Strategy
from hotline.routing.defaults import DEFAULT_MAX_WAIT_SECONDS


class Centre(Base):
    """A crisis centre; its public phone is public information, not a caller's number."""

    __tablename__ = "centre"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    oblast: Mapped[str | None] = mapped_column(String(32))
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    public_phone: Mapped[str | None] = mapped_column(String(20))
    publish: Mapped[bool] = mapped_column(default=True)


DEFAULT_FALLBACK_LANGUAGES = ("ru", "ky")


class Line(Base):
    """A hotline number on Twilio; a line without a centre is a national line."""

    __tablename__ = "line"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    centre_id: Mapped[int | None] = mapped_column(ForeignKey("centre.id"))
    language: Mapped[str] = mapped_column(String(8), default="ky")
    # Languages whose counsellors take a call after those of the caller's own, in order; the
    # caller's own language is skipped (so a Russian caller's fallback here is Kyrgyz).
    fallback_languages: Mapped[list[str]] = mapped_column(
        JSON, default=lambda: list(DEFAULT_FALLBACK_LANGUAGES)
    )
    strategy: Mapped[Strategy] = mapped_column(str_enum(Strategy), default=Strategy.RRMEMORY)
    max_wait_seconds: Mapped[int] = mapped_column(default=DEFAULT_MAX_WAIT_SECONDS)
    ring_seconds: Mapped[int] = mapped_column(default=20)
    # rrmemory: the counsellor last offered a call on this line.
    last_offered_counsellor_id: Mapped[int | None] = mapped_column(ForeignKey("counsellor.id"))

    centre: Mapped[Centre | None] = relationship()
