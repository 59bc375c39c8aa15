"""Job functions RQ runs by name, inside the app the worker pushed (see `runner`).

Arguments are ids only; results are a word.
"""

from __future__ import annotations

from flask import Flask, current_app

from hotline import callbacks
from hotline.extensions import get_queue
from workers import placing, sweeping


def place_callback(callback_id: int) -> str:
    """Ring a counsellor for callback `callback_id` (if it is still due and nobody has)."""
    return placing.place(_app(), callback_id)


def sweep_callbacks() -> str:
    """Expire, recover and re-queue callbacks; then schedule the next sweep, even after an error."""
    app = _app()
    try:
        return sweeping.sweep(app)
    finally:
        callbacks.schedule_sweeper(get_queue(app))


def _app() -> Flask:
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    return app
