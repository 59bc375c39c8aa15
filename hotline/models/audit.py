"""Blocks on abusive callers and the supervisors' audit trail."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from hotline.models.base import Base, utcnow


class Block(Base):
    """A caller pseudonym the hotline will not take calls or messages from until it expires."""

    __tablename__ = "block"

    id: Mapped[int] = mapped_column(primary_key=True)
    caller: Mapped[str] = mapped_column(String(80), index=True)
    reason: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None]
    set_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # Where the supervisor saw the caller ("call 12", "message 7"): never the caller's data.
    source: Mapped[str | None] = mapped_column(String(32))
    lifted_at: Mapped[datetime | None]  # lifted early by a supervisor (expires_at is set too)


class AuditEntry(Base):
    """Who looked at or changed what in the console, and when; each carries the last one's hash."""

    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    # 1, 2, 3...: ids may skip (a rolled-back insert), the chain's own count may not.
    seq: Mapped[int] = mapped_column(unique=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    actor: Mapped[str] = mapped_column(String(64))  # the user's email, or "cli"
    action: Mapped[str] = mapped_column(String(64), index=True)
    target: Mapped[str | None] = mapped_column(String(128))
    detail: Mapped[str | None] = mapped_column(String(200))
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    entry_hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """The chain's last entry, so that deleting the newest entries shows too; one row."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(default=0)
    entry_hash: Mapped[str] = mapped_column(String(64))
