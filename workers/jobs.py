"""Job functions RQ runs by name, inside the app the worker pushed (see `runner`).

Arguments are ids only; results are a word.
"""

from __future__ import annotations

from flask import Flask, current_app

from hotline import callbacks, outbox, reports, retention, roster
from hotline.extensions import get_queue, now
from workers import daily, placing, sending, sms_sweeping, sweeping


def place_callback(callback_id: int) -> str:
    """Ring a counsellor for callback `callback_id` (if it is still due and nobody has)."""
    return placing.place(_app(), callback_id)


def sweep_callbacks() -> str:
    """Expire, recover and re-queue callbacks; then schedule the next sweep, even after an error."""
    app = _app()
    try:
        return sweeping.sweep(app)
    finally:
        callbacks.schedule_sweeper(get_queue(app), now=now(app))


def send_sms(message_id: int) -> str:
    """Send outbox message `message_id` (once, whatever happens to the job)."""
    return sending.send(_app(), message_id)


def redact_sms(message_id: int) -> str:
    """Blank the body Twilio keeps of message `message_id`."""
    return sending.redact(_app(), message_id)


def sweep_sms() -> str:
    """Settle, re-queue and redact what the database owes; then schedule the next sweep."""
    app = _app()
    try:
        return sms_sweeping.sweep(app)
    finally:
        outbox.schedule_sms_sweeper(get_queue(app), now=now(app))


def fold_figures() -> str:
    """Count what has settled into the daily figures; then again in a minute, even after an
    error."""
    app = _app()
    try:
        return daily.fold(app)
    finally:
        reports.schedule_folding(get_queue(app), now=now(app))


def check_cover() -> str:
    """Text supervisors about the coming day's gaps in cover; then again tomorrow."""
    app = _app()
    try:
        return daily.check_cover(app)
    finally:
        roster.schedule_cover_check(get_queue(app), daily.seconds_to_next_day(app), now(app))


def purge_old() -> str:
    """Fold and delete metadata past the retention period; then again tomorrow."""
    app = _app()
    try:
        return daily.purge(app)
    finally:
        retention.schedule_purge(get_queue(app), daily.seconds_to_next_day(app), now(app))


def _app() -> Flask:
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    return app
