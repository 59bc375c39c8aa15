"""Routing: which counsellor(s) to ring next for a call.

A layer without I/O, like Flask's sansio: it imports neither flask, twilio, sqlalchemy nor
redis, and works on frozen dataclasses and an injected `now`. The database adapter builds
`CounsellorState`s and a `HuntRequest`; the voice view turns the `Offer` into a `<Dial>`,
or a `NoOffer` into the callback / SMS / reserve-line menu.

SMS conversations have their own, simpler choice (`texting`): least loaded, language first.

Rules, in order, for every offer (recomputed each time, nothing is remembered here):
1. Candidates for a language: active, speak it, reached by the line (a centre line reaches
   its own centre and national staff with no centre; a national line reaches everyone), and
   on call (a shift covers now in the hunt's `shift_zone`, or duty "on"; duty "off" beats
   shifts) or on standby (rung outside shifts, but never against duty "off").
2. Skip the busy (ringing for a call or on one: reserved), those in wrap-up
   (`wrap_up_until > now`) and those already tried.
3. Tiers: LOCAL (own centre; on a national line the centres in a landline caller's oblast),
   then OVERFLOW (every other on-call candidate; the first tier when the caller's place is
   unknown or a mobile), then STANDBY. The line's strategy orders within the tier.
4. Languages: the caller's own first. While less than half the wait bound has passed, a
   caller holds for a busy counsellor of their own language; then the line's fallback
   languages in order (the caller's own skipped); then the caller holds (`Hold`) for anyone
   not yet tried who will be free before the wait bound: on a call or ringing (it may end
   any moment), or in a wrap-up that ends in time for a ring.
5. Wait bound: offer `ring_timeout_seconds` if it ends by `started_at + max_wait_seconds`,
   else what is left if at least `min_ring_seconds`, else `NoOffer(WAIT_EXHAUSTED)`. When
   nobody could be rung anyway, the roster reason is reported instead.
"""

from __future__ import annotations

from hotline.routing.counsellors import (
    CounsellorState,
    DutyOverride,
    WeeklyShift,
    end_of_wrap_up,
    is_on_call,
)
from hotline.routing.defaults import (
    DEFAULT_MAX_WAIT_SECONDS,
    DEFAULT_MIN_RING_SECONDS,
    DEFAULT_RING_TIMEOUT_SECONDS,
    DEFAULT_WRAP_UP_SECONDS,
    MAX_NUMBERS_PER_DIAL,
    MOBILE,
)
from hotline.routing.hunt import (
    Hold,
    HuntRequest,
    NoOffer,
    NoOfferReason,
    Offer,
    Tier,
    next_offer,
)
from hotline.routing.strategies import Strategy
from hotline.routing.texting import TextRequest, choose_for_text

__all__ = [
    "DEFAULT_MAX_WAIT_SECONDS",
    "DEFAULT_MIN_RING_SECONDS",
    "DEFAULT_RING_TIMEOUT_SECONDS",
    "DEFAULT_WRAP_UP_SECONDS",
    "MAX_NUMBERS_PER_DIAL",
    "MOBILE",
    "CounsellorState",
    "DutyOverride",
    "Hold",
    "HuntRequest",
    "NoOffer",
    "NoOfferReason",
    "Offer",
    "Strategy",
    "TextRequest",
    "Tier",
    "WeeklyShift",
    "choose_for_text",
    "end_of_wrap_up",
    "is_on_call",
    "next_offer",
]
