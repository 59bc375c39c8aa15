"""Job functions RQ runs by name. Arguments are ids only; results are a word."""

from __future__ import annotations

from hotline import callback_queue
from hotline.queueing import get_queue
from workers import placing, sweeping
from workers.context import job_app


def place_callback(callback_id: int) -> str:
    """Ring a counsellor for callback `callback_id` (if it is still due and nobody has)."""
    app = job_app()
    with app.app_context():
        return placing.place(app, callback_id)


def sweep_callbacks() -> str:
    """Expire, recover and re-queue callbacks; then schedule the next sweep, even after an error."""
    app = job_app()
    with app.app_context():
        try:
            return sweeping.sweep(app)
        finally:
            callback_queue.schedule_sweeper(get_queue(app))
