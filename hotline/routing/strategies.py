"""Ringing order per line: the four strategies, named after Asterisk's app_queue."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from enum import StrEnum
from typing import assert_never

from hotline.routing.counsellors import CounsellorState
from hotline.routing.defaults import MAX_NUMBERS_PER_DIAL

# Stands in for "never" so that never-answered counsellors sort before everyone else.
_NEVER = datetime.min.replace(tzinfo=UTC)


class Strategy(StrEnum):
    """How a line picks among counsellors who could take the call."""

    RRMEMORY = "rrmemory"  # round robin, starting after the last one offered on this line
    LEASTRECENT = "leastrecent"  # the longest idle
    RINGALL = "ringall"  # everyone at once (up to Twilio's ten), longest idle first
    LINEAR = "linear"  # fixed order by position, always from the first


def idle_order(counsellor: CounsellorState) -> tuple[bool, datetime, bool, datetime, int]:
    """Sort key, longest idle first: never answered first, then least recently offered, then id."""
    answered, offered = counsellor.last_answered_at, counsellor.last_offered_at
    # The offer time breaks ties so that a counsellor who let it ring is not first every time.
    return (
        answered is not None,
        answered or _NEVER,
        offered is not None,
        offered or _NEVER,
        counsellor.id,
    )


def _after_last_offered(candidates: Sequence[CounsellorState], last: int | None) -> int:
    ids = sorted(c.id for c in candidates)
    if last is None:
        return ids[0]
    return next((i for i in ids if i > last), ids[0])


def choose_counsellors(
    strategy: Strategy,
    candidates: Sequence[CounsellorState],
    last_offered_on_line: int | None,
) -> tuple[int, ...]:
    """The ids to ring next, in order: one for most strategies, up to ten for ringall."""
    if not candidates:
        raise ValueError("no candidates to choose from")
    match strategy:
        case Strategy.RRMEMORY:
            return (_after_last_offered(candidates, last_offered_on_line),)
        case Strategy.LEASTRECENT:
            return (min(candidates, key=idle_order).id,)
        case Strategy.RINGALL:
            longest_idle = sorted(candidates, key=idle_order)[:MAX_NUMBERS_PER_DIAL]
            return tuple(c.id for c in longest_idle)
        case Strategy.LINEAR:
            return (min(candidates, key=lambda c: (c.position, c.id)).id,)
        case _:
            assert_never(strategy)
