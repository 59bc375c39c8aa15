"""The daily figures (tallies kept as calls, callbacks and messages end, and folded from rows
retention deletes) and the gaps in cover the daily check has texted supervisors about."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hotline.models.base import Base, str_enum, utcnow
from hotline.models.enums import Measure

TALLY_KEY = ("measure", "day", "line_id", "language", "area", "kind", "bucket")


class Tally(Base):
    """How many of `measure` (and their `amount`) on a local day and line, by its breakdown.

    Unused parts of the key are "" or 0 (never NULL, so the key is unique on every backend);
    `line_id` 0 is no line. No foreign key: a tally outlives every row it counts.
    """

    __tablename__ = "tally"
    __table_args__ = (UniqueConstraint(*TALLY_KEY, name="uq_tally_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    measure: Mapped[Measure] = mapped_column(str_enum(Measure))
    day: Mapped[date]
    line_id: Mapped[int] = mapped_column(default=0)
    language: Mapped[str] = mapped_column(String(8), default="")
    area: Mapped[str] = mapped_column(String(16), default="")
    kind: Mapped[str] = mapped_column(String(24), default="")
    bucket: Mapped[int] = mapped_column(default=0)  # hour, seconds or counsellor id
    items: Mapped[int] = mapped_column(default=0)
    amount: Mapped[int] = mapped_column(default=0)  # minutes or segments


class CoverAlert(Base):
    """Hours of one day with nobody on shift for a line's language; texted once."""

    __tablename__ = "cover_alert"
    __table_args__ = (UniqueConstraint("day", "line_id", "language", name="uq_cover_alert_once"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date]  # the local day the check ran, looking 24 hours ahead
    line_id: Mapped[int] = mapped_column(ForeignKey("line.id", ondelete="CASCADE"))
    language: Mapped[str] = mapped_column(String(8))
    hours: Mapped[str] = mapped_column(String(200))  # "02:00-06:00, 14:00-15:00", local time
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
