"""How hard the hotline tries to call back (HOTLINE_CALLBACK_* settings), in which local time."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class CallbackPolicy:
    """How hard the hotline tries (HOTLINE_CALLBACK_* settings), in which local time."""

    zone: tzinfo  # safe windows are in this zone (HOTLINE_TIMEZONE)
    attempts: int = 3  # times the caller is dialled before the request expires
    retry_minutes: tuple[int, ...] = (10, 30)  # backoff after each missed attempt
    max_age_hours: int = 48  # an older request expires and its number is erased
    no_counsellor_minutes: int = 5  # nobody free: look again this much later
    stale_minutes: int = 10  # a claim without news for this long is recovered

    def backoff(self, attempts_made: int) -> timedelta:
        """The wait after the `attempts_made`-th missed attempt."""
        index = min(attempts_made, len(self.retry_minutes)) - 1
        return timedelta(minutes=self.retry_minutes[max(index, 0)])


def policy_from(config: Mapping[str, Any]) -> CallbackPolicy:
    """The policy from HOTLINE_CALLBACK_* settings and HOTLINE_TIMEZONE."""
    minutes = tuple(int(m) for m in str(config["HOTLINE_CALLBACK_RETRY_MINUTES"]).split(",") if m)
    return CallbackPolicy(
        zone=ZoneInfo(str(config["HOTLINE_TIMEZONE"])),
        attempts=int(str(config["HOTLINE_CALLBACK_ATTEMPTS"])),
        retry_minutes=minutes or CallbackPolicy.retry_minutes,
        max_age_hours=int(str(config["HOTLINE_CALLBACK_MAX_AGE_HOURS"])),
    )
