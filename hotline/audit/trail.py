"""Reading the audit trail: newest first, filtered by who, what and when."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from hotline.models import AuditEntry


@dataclass(frozen=True)
class TrailFilter:
    """What an admin narrows the trail to; None: any."""

    actor: str | None = None
    action: str | None = None
    since: datetime | None = None
    until: datetime | None = None


def trail_query(wanted: TrailFilter) -> Select[Any]:
    """Entries matching `wanted`, newest first."""
    query = select(AuditEntry).order_by(AuditEntry.seq.desc())
    if wanted.actor:
        query = query.where(AuditEntry.actor == wanted.actor.strip().lower())
    if wanted.action:
        query = query.where(AuditEntry.action == wanted.action)
    if wanted.since:
        query = query.where(AuditEntry.at >= wanted.since)
    if wanted.until:
        query = query.where(AuditEntry.at < wanted.until)
    return query


def actors(session: Session) -> list[str]:
    """Everyone who appears in the trail, for the filter."""
    return list(session.scalars(select(AuditEntry.actor).distinct().order_by(AuditEntry.actor)))
