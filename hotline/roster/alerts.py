"""Texting supervisors about the coming day's gaps in cover, once per line and language a day.

Each gap found is kept (`CoverAlert`, unique per day, line and language), so the daily check
run twice texts nothing twice. The SMS goes through the outbox by reference: `text_args` names
the alerts, the console's writer words them in each supervisor's language at sending time.
"""

from __future__ import annotations

from datetime import datetime, tzinfo

from rq import Queue
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hotline import outbox, queue_jobs
from hotline.models import CoverAlert, User
from hotline.roster.gaps import Gap, coming_gaps

TEXT_REF = "console:cover_gaps"
INTENT = "cover-gaps"
CHECK_JOB = "workers.jobs.check_cover"
CHECK_JOB_ID = "cover-check"
CHECK_JOB_TIMEOUT = 120


def record_gaps(session: Session, gaps: list[Gap], now: datetime, zone: tzinfo) -> list[CoverAlert]:
    """Keep the gaps not alerted about yet today; the new alerts."""
    day = now.astimezone(zone).date()
    new = []
    for gap in gaps:
        alert = CoverAlert(day=day, line_id=gap.line_id, language=gap.language,
                           hours=gap.describe(), created_at=now)  # fmt: skip
        try:
            with session.begin_nested():
                session.add(alert)
        except IntegrityError:  # alerted already today (or by a check running beside this)
            continue
        new.append(alert)
    return new


def alert_gaps(session: Session, now: datetime, zone: tzinfo) -> list[int]:
    """Find the coming day's gaps and text every supervisor with a phone about the new ones;
    the outbox message ids (queue them once this is committed)."""
    gaps = coming_gaps(session, now, zone)
    alerts = record_gaps(session, gaps, now, zone)
    if not alerts:
        return []
    phones = select(User).where(User.active.is_(True), User.phone_sealed.is_not(None))
    sent = []
    for user in session.scalars(phones.order_by(User.id)):
        assert user.phone_sealed is not None
        message = outbox.put(
            session,
            outbox.Outgoing(
                line_id=alerts[0].line_id,
                recipient_sealed=user.phone_sealed,
                text_ref=TEXT_REF,
                intent=INTENT,
                language=user.language,
                text_args={"alerts": [alert.id for alert in alerts]},
            ),
            now,
        )
        sent.append(message.id)
    return sent


def schedule_cover_check(queue: Queue, seconds: int, now: datetime | None = None) -> None:
    """Check the coming day's cover in `seconds` from `now` (one job id, so one check)."""
    queue_jobs.come_back(queue, CHECK_JOB, CHECK_JOB_ID, seconds, CHECK_JOB_TIMEOUT, now)
