"""Simulated time and Twilio's identifiers: nothing in the emulator sleeps."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Protocol


class Clock(Protocol):
    """What the emulator needs from a clock: read it, and move it on."""

    def now(self) -> datetime:
        """The current (simulated) time, timezone-aware."""
        ...

    def advance(self, seconds: float) -> None:
        """Let `seconds` pass (ringing, prompts, talking)."""
        ...


class SimClock:
    """A clock that only moves when told to; starts at `start` (default: now, whole seconds)."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime.now(UTC).replace(microsecond=0)

    def now(self) -> datetime:
        """The simulated time."""
        return self._now

    def advance(self, seconds: float) -> None:
        """Move the clock forward."""
        self._now += timedelta(seconds=seconds)


class ScaledClock:
    """Real time, sped up `speedup` times: for calls that run at once in several threads.

    Every thread reads the same time; `advance` sleeps (a ring of 20 s at 10x is 2 real
    seconds), so calls overlap as they would on a real line.
    """

    def __init__(self, speedup: float, start: datetime | None = None) -> None:
        self.speedup = speedup
        self._start = start or datetime.now(UTC).replace(microsecond=0)
        self._origin = time.monotonic()

    def now(self) -> datetime:
        """The simulated time: the start plus the real time since, sped up."""
        return self._start + timedelta(seconds=(time.monotonic() - self._origin) * self.speedup)

    def advance(self, seconds: float) -> None:
        """Let `seconds` of simulated time pass, in real time."""
        time.sleep(seconds / self.speedup)


def new_sid(prefix: str) -> str:
    """A Twilio-shaped identifier: two letters and 32 hex digits (CA..., SM..., PN...)."""
    return prefix + uuid.uuid4().hex


def rfc2822(moment: datetime) -> str:
    """Twilio's date format in JSON and Timestamp parameters: "Mon, 06 Jan 2025 09:00:00 +0000"."""
    # email.utils is locale-independent, unlike strftime's %a and %b.
    return format_datetime(moment.astimezone(UTC).replace(microsecond=0))


def whole_seconds(start: datetime | None, end: datetime) -> int:
    """Seconds between two moments as Twilio counts durations (0 when never started)."""
    if start is None:
        return 0
    return max(0, round((end - start).total_seconds()))
