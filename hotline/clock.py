"""The hotline's clock: real time, or the one a test or the emulator injects (HOTLINE_CLOCK)."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Flask, current_app


def now(app: Flask | None = None) -> datetime:
    """The current time, aware, in UTC."""
    clock = (app or current_app).config.get("HOTLINE_CLOCK")
    moment: datetime = clock() if clock else datetime.now(UTC)
    return moment
