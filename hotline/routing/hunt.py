"""The hunt: who to ring next for one caller, in which tier, and for how long."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from enum import StrEnum

from hotline.routing.counsellors import (
    CounsellorState,
    DutyOverride,
    is_on_call,
    require_aware,
)
from hotline.routing.defaults import (
    DEFAULT_MAX_WAIT_SECONDS,
    DEFAULT_MIN_RING_SECONDS,
    DEFAULT_RING_TIMEOUT_SECONDS,
    MOBILE,
    TWILIO_MAX_DIAL_TIMEOUT,
    TWILIO_MIN_DIAL_TIMEOUT,
)
from hotline.routing.strategies import Strategy, choose_counsellors


class Tier(StrEnum):
    """Which pool an offer comes from; each is tried only when the one before has nobody free."""

    LOCAL = "local"  # the line's own centre, or the caller's oblast on a national line
    OVERFLOW = "overflow"  # everyone else the line reaches; the first pool if place is unknown
    STANDBY = "standby"  # standby counsellors rung outside their shifts


class NoOfferReason(StrEnum):
    """Why nobody is rung; the view offers a callback, SMS information and the reserve line."""

    NOBODY_ON_CALL = "nobody_on_call"  # no one reachable speaks the language and is on call
    ALL_BUSY = "all_busy"  # those not yet tried are on a call or in wrap-up
    ALL_TRIED = "all_tried"  # every one was offered this call already
    WAIT_EXHAUSTED = "wait_exhausted"  # the caller has waited long enough


@dataclass(frozen=True, kw_only=True)
class HuntRequest:
    """One caller's search for a counsellor, as it stands at `now`."""

    strategy: Strategy
    language: str
    line_centre: str | None  # None = a national line
    caller_oblast: str | None  # oblast slug from a landline prefix; "mobile" or None = unknown
    tried: frozenset[int]  # counsellors already offered this call
    last_offered_on_line: int | None  # rrmemory's memory, kept per line
    started_at: datetime  # when the caller asked for a counsellor
    now: datetime
    shift_zone: tzinfo  # the zone shifts are written in (HOTLINE_TIMEZONE)
    max_wait_seconds: int = DEFAULT_MAX_WAIT_SECONDS
    ring_timeout_seconds: int = DEFAULT_RING_TIMEOUT_SECONDS
    min_ring_seconds: int = DEFAULT_MIN_RING_SECONDS

    def __post_init__(self) -> None:
        Strategy(self.strategy)  # raises ValueError for a strategy we do not know
        require_aware("started_at", self.started_at)
        require_aware("now", self.now)
        if not TWILIO_MIN_DIAL_TIMEOUT <= self.ring_timeout_seconds <= TWILIO_MAX_DIAL_TIMEOUT:
            raise ValueError("ring timeout must be within Twilio's Dial timeout range 5..600")
        if not TWILIO_MIN_DIAL_TIMEOUT <= self.min_ring_seconds <= self.ring_timeout_seconds:
            raise ValueError("minimum ring must be between 5 seconds and the ring timeout")
        if self.max_wait_seconds < self.min_ring_seconds:
            raise ValueError("maximum wait must allow at least one minimum ring")


@dataclass(frozen=True)
class Offer:
    """Ring these counsellors (at once, in this order) for `ring_timeout` seconds."""

    counsellor_ids: tuple[int, ...]
    ring_timeout: int
    tier: Tier


@dataclass(frozen=True)
class NoOffer:
    """Ring nobody, for this reason."""

    reason: NoOfferReason


def next_offer(roster: Iterable[CounsellorState], hunt: HuntRequest) -> Offer | NoOffer:
    """Who to ring next for this caller, or why nobody: pure, decided from `hunt.now` alone."""
    candidates = [c for c in roster if _may_take(c, hunt)]
    free = [c for c in candidates if c.id not in hunt.tried and c.is_free(hunt.now)]
    found = _first_pool(free, hunt)
    if found is None:
        return NoOffer(_why_nobody(candidates, hunt))
    ring_timeout = _ring_timeout(hunt)
    if ring_timeout is None:
        return NoOffer(NoOfferReason.WAIT_EXHAUSTED)
    tier, pool = found
    ids = choose_counsellors(hunt.strategy, pool, hunt.last_offered_on_line)
    return Offer(ids, ring_timeout, tier)


def _may_take(counsellor: CounsellorState, hunt: HuntRequest) -> bool:
    """Could ever take this call: active, speaks the language, reached by the line, on duty."""
    if not counsellor.active or hunt.language not in counsellor.languages:
        return False
    # A centre line never rings another centre; national staff (no centre) back up every line.
    if hunt.line_centre is not None and counsellor.centre not in (hunt.line_centre, None):
        return False
    if is_on_call(counsellor, hunt.now, hunt.shift_zone):
        return True
    # "off" is the counsellor's explicit word (asleep, unsafe): even standby does not override it.
    return counsellor.standby and counsellor.duty != DutyOverride.OFF


def _is_local(counsellor: CounsellorState, hunt: HuntRequest) -> bool:
    if hunt.line_centre is not None:
        return counsellor.centre == hunt.line_centre
    if hunt.caller_oblast in (None, MOBILE):
        return False
    return counsellor.centre is not None and counsellor.oblast == hunt.caller_oblast


def _first_pool(
    free: Sequence[CounsellorState], hunt: HuntRequest
) -> tuple[Tier, list[CounsellorState]] | None:
    """The first tier with somebody free; recomputed per offer, so a freed local comes first."""
    on_call = [c for c in free if is_on_call(c, hunt.now, hunt.shift_zone)]
    local = [c for c in on_call if _is_local(c, hunt)]
    if local:
        return Tier.LOCAL, local
    if on_call:
        return Tier.OVERFLOW, on_call
    standby = [c for c in free if c.standby]
    if standby:
        return Tier.STANDBY, standby
    return None


def _why_nobody(candidates: Sequence[CounsellorState], hunt: HuntRequest) -> NoOfferReason:
    if not candidates:
        return NoOfferReason.NOBODY_ON_CALL
    if any(c.id not in hunt.tried for c in candidates):
        return NoOfferReason.ALL_BUSY
    return NoOfferReason.ALL_TRIED


def _ring_timeout(hunt: HuntRequest) -> int | None:
    """The full ring if it fits the wait bound, else what is left if worth ringing, else None."""
    deadline = hunt.started_at + timedelta(seconds=hunt.max_wait_seconds)
    left = (deadline - hunt.now).total_seconds()
    if left >= hunt.ring_timeout_seconds:
        return hunt.ring_timeout_seconds
    if left >= hunt.min_ring_seconds:
        return int(left)
    return None
