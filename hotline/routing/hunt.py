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

    NOBODY_ON_CALL = "nobody_on_call"  # no one reachable speaks a language and is on call
    ALL_BUSY = "all_busy"  # those not yet tried stay busy or in wrap-up past the wait bound
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
    fallback_languages: tuple[str, ...] = ()  # the line's, in order; the caller's own skipped
    last_offered_on_line: int | None  # rrmemory's memory, kept per line
    started_at: datetime  # when the caller asked for a counsellor
    now: datetime
    shift_zone: tzinfo  # the zone shifts are written in (HOTLINE_TIMEZONE)
    max_wait_seconds: int = DEFAULT_MAX_WAIT_SECONDS
    ring_timeout_seconds: int = DEFAULT_RING_TIMEOUT_SECONDS
    min_ring_seconds: int = DEFAULT_MIN_RING_SECONDS

    @property
    def languages(self) -> tuple[str, ...]:
        """The caller's language, then the line's fallback languages, each once."""
        return tuple(dict.fromkeys((self.language, *self.fallback_languages)))

    @property
    def deadline(self) -> datetime:
        """When the caller has waited long enough: the after-hunt menu."""
        return self.started_at + timedelta(seconds=self.max_wait_seconds)

    @property
    def own_language_until(self) -> datetime:
        """Until then a caller waits for a busy counsellor of their own language rather than
        take a free one of a fallback language: half the wait bound."""
        return self.started_at + timedelta(seconds=self.max_wait_seconds / 2)

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
    language: str  # the language they were chosen for: the caller's own, or a fallback


@dataclass(frozen=True)
class Hold:
    """Nobody is free yet, but someone who could take the call will be before `deadline`:
    the caller holds and asks again."""

    deadline: datetime


@dataclass(frozen=True)
class NoOffer:
    """Ring nobody, for this reason."""

    reason: NoOfferReason


def next_offer(roster: Iterable[CounsellorState], hunt: HuntRequest) -> Offer | Hold | NoOffer:
    """Who to ring next for this caller, or hold, or why nobody: pure, decided from `hunt.now`.

    The caller's own language first; while it is early in the wait, the caller holds for a
    busy counsellor of their language; then the fallback languages in order; then holding
    for anyone who will be free before the wait bound.
    """
    counsellors = list(roster)
    ring_timeout = _ring_timeout(hunt)
    own, *fallbacks = hunt.languages
    offer = _offer_in(counsellors, hunt, own, ring_timeout)
    if offer is not None:
        return offer
    if hunt.now < hunt.own_language_until and _will_be_free(counsellors, hunt, [own]):
        return _hold(hunt, ring_timeout)
    for language in fallbacks:
        offer = _offer_in(counsellors, hunt, language, ring_timeout)
        if offer is not None:
            return offer
    if _will_be_free(counsellors, hunt, hunt.languages):
        return _hold(hunt, ring_timeout)
    return NoOffer(_why_nobody(counsellors, hunt))


def _offer_in(
    roster: Sequence[CounsellorState], hunt: HuntRequest, language: str, ring_timeout: int | None
) -> Offer | NoOffer | None:
    """An offer of the free counsellors of `language`, best tier first; None if none is free."""
    free = [
        c
        for c in roster
        if _may_take(c, hunt, language) and c.id not in hunt.tried and c.is_free(hunt.now)
    ]
    found = _first_pool(free, hunt)
    if found is None:
        return None
    if ring_timeout is None:
        return NoOffer(NoOfferReason.WAIT_EXHAUSTED)
    tier, pool = found
    ids = choose_counsellors(hunt.strategy, pool, hunt.last_offered_on_line)
    return Offer(ids, ring_timeout, tier, language)


def _hold(hunt: HuntRequest, ring_timeout: int | None) -> Hold | NoOffer:
    if ring_timeout is None:  # too late for even a short ring
        return NoOffer(NoOfferReason.WAIT_EXHAUSTED)
    return Hold(hunt.deadline)


def _will_be_free(
    roster: Sequence[CounsellorState], hunt: HuntRequest, languages: Sequence[str]
) -> bool:
    """Someone not yet tried who is on a call or ringing (it may end any moment), or whose
    wrap-up ends in time for a ring within the wait bound."""
    last_ring = hunt.deadline - timedelta(seconds=hunt.min_ring_seconds)
    return any(
        c.id not in hunt.tried
        and not c.is_free(hunt.now)
        and (c.busy or (c.wrap_up_until is not None and c.wrap_up_until <= last_ring))
        for c in roster
        if any(_may_take(c, hunt, language) for language in languages)
    )


def _may_take(counsellor: CounsellorState, hunt: HuntRequest, language: str) -> bool:
    """Could ever take this call in `language`: active, speaks it, reached by the line, on duty."""
    if not counsellor.active or language not in counsellor.languages:
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


def _why_nobody(roster: Sequence[CounsellorState], hunt: HuntRequest) -> NoOfferReason:
    candidates = [
        c for c in roster if any(_may_take(c, hunt, language) for language in hunt.languages)
    ]
    if not candidates:
        return NoOfferReason.NOBODY_ON_CALL
    if any(c.id not in hunt.tried for c in candidates):
        return NoOfferReason.ALL_BUSY
    return NoOfferReason.ALL_TRIED


def _ring_timeout(hunt: HuntRequest) -> int | None:
    """The full ring if it fits the wait bound, else what is left if worth ringing, else None."""
    left = (hunt.deadline - hunt.now).total_seconds()
    if left >= hunt.ring_timeout_seconds:
        return hunt.ring_timeout_seconds
    if left >= hunt.min_ring_seconds:
        return int(left)
    return None
