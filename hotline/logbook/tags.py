"""Caller tags: a short label derived from a pseudonym, so a supervisor sees a repeat caller
without any number. It is a digest of the keyed pseudonym: nothing leads back to the number.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.models import Call


def caller_tag(pseudonym: str | None) -> str | None:
    """'K7Q-2XM' for a pseudonym; None for a hidden caller id."""
    if not pseudonym:
        return None
    digest = hashlib.sha256(b"caller-tag:" + pseudonym.encode()).digest()
    letters = base64.b32encode(digest).decode()[:6]
    return f"{letters[:3]}-{letters[3:]}"


def repeat_counts(
    session: Session,
    column: Any,
    moment: Any,
    pseudonyms: Collection[str | None],
    since: datetime | None,
    until: datetime | None,
) -> dict[str, int]:
    """How many rows each pseudonym has in [since, until): its calls or messages that period."""
    wanted = {p for p in pseudonyms if p}
    if not wanted:
        return {}
    query = select(column, func.count()).where(column.in_(wanted)).group_by(column)
    if since is not None:
        query = query.where(moment >= since)
    if until is not None:
        query = query.where(moment < until)
    return {pseudonym: count for pseudonym, count in session.execute(query)}


def repeat_callers(
    session: Session, since: datetime, until: datetime, line_id: int | None = None
) -> int:
    """How many caller tags have two or more calls in [since, until): a count, never a list.

    From the call log itself (a count of distinct callers cannot be added up day by day), so
    it covers calls retention has kept.
    """
    repeated = (
        select(Call.caller)
        .where(Call.caller.is_not(None), Call.started_at >= since, Call.started_at < until)
        .group_by(Call.caller)
        .having(func.count() >= 2)
    )
    if line_id is not None:
        repeated = repeated.where(Call.line_id == line_id)
    return session.scalar(select(func.count()).select_from(repeated.subquery())) or 0
