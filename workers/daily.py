"""The figures and the day's housekeeping, as the worker runs them: counting what has
settled (every minute), texting supervisors about the coming day's gaps in cover, and
retention (both daily at HOTLINE_DAILY_AT, local time)."""

from __future__ import annotations

from flask import Flask

from hotline import audit, outbox, queue_jobs, reports, retention, roster
from hotline.db import session_factory, session_scope
from hotline.extensions import daily_at, get_queue, local_zone, setting
from hotline.extensions import now as clock_now

WORKER = audit.Actor(None, "worker")


def fold(app: Flask) -> str:
    """Count every settled call, callback and SMS not counted yet."""
    with session_factory(app)() as session:  # it commits each batch itself
        counted = reports.fold_all(session, clock_now(app), local_zone(app))
    return f"counted {counted}"


def check_cover(app: Flask) -> str:
    """Text supervisors about new gaps in the next 24 hours."""
    with session_scope(app) as session:
        messages = roster.alert_gaps(session, clock_now(app), local_zone(app))
    queue = get_queue(app)
    for message_id in messages:  # Redis down: the SMS sweeper queues them later
        outbox.deliver_send(queue, message_id)
    return f"alerts {len(messages)}"


def purge(app: Flask) -> str:
    """Fold and delete what is older than HOTLINE_RETENTION_DAYS."""
    moment, zone = clock_now(app), local_zone(app)
    before = retention.cutoff(moment, zone, setting("HOTLINE_RETENTION_DAYS", app))
    with session_factory(app)() as session:  # a purge commits each batch itself
        done = retention.purge(session, moment, zone, before, WORKER)
    return done.describe()


def seconds_to_next_day(app: Flask) -> int:
    """Seconds until the next HOTLINE_DAILY_AT, local time."""
    return queue_jobs.seconds_until(clock_now(app), local_zone(app), daily_at(app))
