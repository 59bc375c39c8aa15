"""Routing: on-call windows, eligibility, strategies, tiers, standby and the wait bound."""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

import hotline.routing
from hotline.routing import (
    CounsellorState,
    DutyOverride,
    Hold,
    HuntRequest,
    NoOffer,
    NoOfferReason,
    Offer,
    Strategy,
    TextRequest,
    Tier,
    WeeklyShift,
    choose_for_text,
    end_of_wrap_up,
    is_on_call,
    next_offer,
)

BISHKEK = ZoneInfo("Asia/Bishkek")  # the hotline's default HOTLINE_TIMEZONE
# 2024-01-01 is a Monday; 06:00 UTC is noon in Bishkek (UTC+6).
NOW = datetime(2024, 1, 1, 6, 0, tzinfo=UTC)
MONDAY_OFFICE = WeeklyShift(0, time(9), time(18))
SUNDAY_NIGHT = WeeklyShift(6, time(20), time(8))


def utc(month: int, day: int, hour: int, minute: int = 0, year: int = 2024) -> datetime:
    """A fixed instant in UTC."""
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def counsellor(id: int, **changes: Any) -> CounsellorState:
    """A free, active, on-duty Sezim counsellor speaking Kyrgyz and Russian, with changes."""
    base = CounsellorState(
        id=id,
        languages=frozenset({"ky", "ru"}),
        centre="sezim",
        oblast="bishkek",
        active=True,
        duty=DutyOverride.ON,
        shifts=(),
        standby=False,
        busy=False,
        wrap_up_until=None,
        last_offered_at=None,
        last_answered_at=None,
        position=id,
    )
    return replace(base, **changes)


def hunt(**changes: Any) -> HuntRequest:
    """A Russian-speaking caller on a national line who just asked for a counsellor."""
    base = HuntRequest(
        strategy=Strategy.LINEAR,
        language="ru",
        line_centre=None,
        caller_oblast=None,
        tried=frozenset(),
        last_offered_on_line=None,
        started_at=NOW,
        now=NOW,
        shift_zone=BISHKEK,
        max_wait_seconds=90,
    )
    return replace(base, **changes)


def offered(result: Offer | NoOffer) -> tuple[int, ...]:
    """The ids of an Offer, failing the test on a NoOffer."""
    assert isinstance(result, Offer), result
    return result.counsellor_ids


@pytest.mark.parametrize(
    ("shift", "instant", "covered"),
    [
        (MONDAY_OFFICE, utc(1, 1, 3, 0), True),  # 09:00 Bishkek
        (MONDAY_OFFICE, utc(1, 1, 2, 59), False),
        (MONDAY_OFFICE, utc(1, 1, 11, 59), True),
        (MONDAY_OFFICE, utc(1, 1, 12, 0), False),  # 18:00 Bishkek: end is exclusive
        (MONDAY_OFFICE, utc(1, 2, 3, 0), False),  # Tuesday
        (MONDAY_OFFICE, utc(1, 8, 3, 0), True),  # every Monday
        (MONDAY_OFFICE, datetime(2024, 1, 1, 9, 0, tzinfo=BISHKEK), True),
        (MONDAY_OFFICE, datetime(2024, 1, 1, 6, 0, tzinfo=ZoneInfo("Europe/Moscow")), True),
        (SUNDAY_NIGHT, utc(12, 31, 21, 0, year=2023), True),  # Monday 03:00 Bishkek
        (SUNDAY_NIGHT, utc(1, 7, 14, 0), True),  # Sunday 20:00 Bishkek
        (SUNDAY_NIGHT, utc(1, 7, 13, 59), False),
        (SUNDAY_NIGHT, utc(1, 1, 1, 59), True),  # Monday 07:59 Bishkek
        (SUNDAY_NIGHT, utc(1, 1, 2, 0), False),  # Monday 08:00 Bishkek
        (SUNDAY_NIGHT, utc(1, 6, 21, 0), False),  # Sunday 03:00 Bishkek: Saturday's night
        (SUNDAY_NIGHT, utc(1, 5, 21, 0), False),  # Saturday 03:00 Bishkek
        # Monday 01:00 in Bishkek is still Sunday in UTC.
        (WeeklyShift(0, time(0), time(6)), utc(12, 31, 19, 0, year=2023), True),
        (WeeklyShift(0, time(0), time(6)), utc(1, 1, 0, 0), False),  # Monday 06:00 Bishkek
        # start == end: a 24-hour shift from Wednesday 08:00.
        (WeeklyShift(2, time(8), time(8)), utc(1, 3, 2, 0), True),
        (WeeklyShift(2, time(8), time(8)), utc(1, 4, 1, 59), True),
        (WeeklyShift(2, time(8), time(8)), utc(1, 4, 2, 0), False),
        (WeeklyShift(2, time(8), time(8)), utc(1, 3, 1, 59), False),
    ],
)
def test_shift_covers_instant_in_bishkek_time(
    shift: WeeklyShift, instant: datetime, covered: bool
) -> None:
    assert shift.covers(instant, BISHKEK) is covered
    on_shift = counsellor(1, duty=None, shifts=(WeeklyShift(4, time(0), time(1)), shift))
    assert is_on_call(on_shift, instant, BISHKEK) is covered


def test_shift_zone_is_configurable() -> None:
    on_shift = counsellor(1, duty=None, shifts=(MONDAY_OFFICE,))
    utc_office_hours = utc(1, 1, 13, 0)  # 19:00 in Bishkek
    assert next_offer(
        [on_shift], hunt(now=utc_office_hours, started_at=utc_office_hours)
    ) == NoOffer(NoOfferReason.NOBODY_ON_CALL)
    request = hunt(now=utc_office_hours, started_at=utc_office_hours, shift_zone=UTC)
    assert offered(next_offer([on_shift], request)) == (1,)


@pytest.mark.parametrize(
    ("duty", "in_shift", "active", "on_call"),
    [
        (None, True, True, True),
        (None, False, True, False),
        (DutyOverride.ON, False, True, True),
        (DutyOverride.OFF, True, True, False),
        ("off", True, True, False),  # a plain string from the database works too
        (DutyOverride.ON, True, False, False),
        (None, True, False, False),
    ],
)
def test_duty_override_beats_shifts(
    duty: DutyOverride | None, in_shift: bool, active: bool, on_call: bool
) -> None:
    instant = NOW if in_shift else utc(1, 1, 13, 0)
    person = counsellor(1, duty=duty, shifts=(MONDAY_OFFICE,), active=active)
    assert is_on_call(person, instant, BISHKEK) is on_call
    result = next_offer([person], hunt(now=instant, started_at=instant))
    assert isinstance(result, Offer) is on_call


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("ky", (1, 3)),
        ("ru", (2, 3)),
        ("uz", (3,)),
        ("en", NoOffer(NoOfferReason.NOBODY_ON_CALL)),
    ],
)
def test_only_counsellors_speaking_the_language_ring(
    language: str, expected: tuple[int, ...] | NoOffer
) -> None:
    roster = [
        counsellor(1, languages=frozenset({"ky"})),
        counsellor(2, languages=frozenset({"ru"})),
        counsellor(3, languages=frozenset({"ky", "ru", "uz"})),
    ]
    result = next_offer(roster, hunt(strategy=Strategy.RINGALL, language=language))
    assert (result if isinstance(result, NoOffer) else offered(result)) == expected


@pytest.mark.parametrize(
    ("changes", "tried", "expected"),
    [
        ({}, frozenset(), 1),
        ({"busy": True}, frozenset(), 2),
        ({"wrap_up_until": NOW + timedelta(seconds=1)}, frozenset(), 2),
        ({"wrap_up_until": NOW}, frozenset(), 1),
        ({"wrap_up_until": NOW - timedelta(minutes=1)}, frozenset(), 1),
        ({"active": False}, frozenset(), 2),
        ({}, frozenset({1}), 2),
    ],
)
def test_busy_wrap_up_inactive_and_tried_are_skipped(
    changes: dict[str, Any], tried: frozenset[int], expected: int
) -> None:
    roster = [counsellor(1, **changes), counsellor(2)]
    assert offered(next_offer(roster, hunt(tried=tried))) == (expected,)


def test_rrmemory_rotates_over_consecutive_calls_and_wraps() -> None:
    roster = [counsellor(3), counsellor(1), counsellor(2)]
    memory = None
    seen = []
    for _ in range(5):
        ids = offered(
            next_offer(roster, hunt(strategy=Strategy.RRMEMORY, last_offered_on_line=memory))
        )
        seen.append(ids)
        memory = ids[0]
    assert seen == [(1,), (2,), (3,), (1,), (2,)]


@pytest.mark.parametrize(
    ("memory", "tried", "expected"),
    [
        (5, frozenset(), 7),  # the remembered counsellor left the roster
        (7, frozenset(), 1),
        (1, frozenset({2}), 3),
        (1, frozenset({2, 3, 7}), 1),
    ],
)
def test_rrmemory_starts_after_the_last_offered(
    memory: int, tried: frozenset[int], expected: int
) -> None:
    roster = [counsellor(i) for i in (1, 2, 3, 7)]
    request = hunt(strategy=Strategy.RRMEMORY, last_offered_on_line=memory, tried=tried)
    assert offered(next_offer(roster, request)) == (expected,)


def test_linear_always_starts_from_the_first_position() -> None:
    roster = [counsellor(1, position=2), counsellor(2, position=1), counsellor(3, position=1)]
    for call in range(3):
        # Memory and idle times must not matter to linear.
        later = NOW + timedelta(minutes=10 * call)
        roster = [replace(c, last_answered_at=later) if c.id == 2 else c for c in roster]
        request = hunt(last_offered_on_line=2, now=later, started_at=later)
        assert offered(next_offer(roster, request)) == (2,)
    hunted = []
    tried: frozenset[int] = frozenset()
    while isinstance(result := next_offer(roster, hunt(tried=tried)), Offer):
        hunted.append(result.counsellor_ids[0])
        tried |= set(result.counsellor_ids)
    assert hunted == [2, 3, 1]
    assert result == NoOffer(NoOfferReason.ALL_TRIED)


def test_leastrecent_rings_the_longest_idle_over_consecutive_calls() -> None:
    roster = [
        counsellor(1, last_answered_at=utc(1, 1, 4)),
        counsellor(2, last_answered_at=utc(1, 1, 3)),
        counsellor(3),
        counsellor(4),
    ]
    seen = []
    for call in range(6):
        now = NOW + timedelta(minutes=10 * call)
        request = hunt(strategy=Strategy.LEASTRECENT, now=now, started_at=now)
        chosen = offered(next_offer(roster, request))[0]
        seen.append(chosen)
        roster = [
            replace(c, last_answered_at=now, last_offered_at=now) if c.id == chosen else c
            for c in roster
        ]
    assert seen == [3, 4, 2, 1, 3, 4]


@pytest.mark.parametrize(
    ("offered_1", "offered_2", "expected"),
    [
        (utc(1, 1, 5), None, 2),  # never answered: the one never offered either goes first
        (utc(1, 1, 5), utc(1, 1, 5, 30), 1),
        (utc(1, 1, 5, 30), utc(1, 1, 5), 2),
        (None, None, 1),
    ],
)
def test_leastrecent_breaks_ties_by_last_offer_then_id(
    offered_1: datetime | None, offered_2: datetime | None, expected: int
) -> None:
    roster = [counsellor(2, last_offered_at=offered_2), counsellor(1, last_offered_at=offered_1)]
    assert offered(next_offer(roster, hunt(strategy=Strategy.LEASTRECENT))) == (expected,)


def test_ringall_rings_everyone_longest_idle_first_capped_at_ten() -> None:
    roster = [
        counsellor(i, last_answered_at=None if i == 5 else NOW - timedelta(minutes=i))
        for i in range(1, 13)
    ]
    first = next_offer(roster, hunt(strategy="ringall"))  # a plain string from the database
    assert first == Offer((5, 12, 11, 10, 9, 8, 7, 6, 4, 3), 20, Tier.OVERFLOW, "ru")
    rest = hunt(strategy=Strategy.RINGALL, tried=frozenset(offered(first)))
    assert offered(next_offer(roster, rest)) == (2, 1)


OSH = [counsellor(i, centre="osh-crisis", oblast="osh", position=10 + i) for i in (1, 2)]
SEZIM = [counsellor(i, centre="sezim", oblast="bishkek") for i in (3, 4)]
NATIONAL_STAFF = [counsellor(5, centre=None, oblast=None)]
COUNTRY = OSH + SEZIM + NATIONAL_STAFF


def test_national_line_rings_an_osh_landline_callers_oblast_first_then_overflows() -> None:
    request = hunt(strategy=Strategy.RINGALL, caller_oblast="osh")
    assert next_offer(COUNTRY, request) == Offer((1, 2), 20, Tier.LOCAL, "ru")
    overflow = replace(request, tried=frozenset({1, 2}))
    assert next_offer(COUNTRY, overflow) == Offer((3, 4, 5), 20, Tier.OVERFLOW, "ru")


def test_local_tier_beats_linear_position() -> None:
    tiers = []
    tried: frozenset[int] = frozenset()
    while isinstance(result := next_offer(COUNTRY, hunt(caller_oblast="osh", tried=tried)), Offer):
        tiers.append((result.counsellor_ids[0], result.tier))
        tried |= set(result.counsellor_ids)
    local, overflow = Tier.LOCAL, Tier.OVERFLOW
    assert tiers == [(1, local), (2, local), (3, overflow), (4, overflow), (5, overflow)]
    assert result == NoOffer(NoOfferReason.ALL_TRIED)


def test_busy_local_counsellors_overflow_at_once() -> None:
    roster = [replace(c, busy=True) for c in OSH] + SEZIM + NATIONAL_STAFF
    result = next_offer(roster, hunt(caller_oblast="osh"))
    assert result == Offer((3,), 20, Tier.OVERFLOW, "ru")


@pytest.mark.parametrize("caller_oblast", ["mobile", None, "naryn"])
def test_national_line_rings_everyone_when_place_unknown_or_without_centre(
    caller_oblast: str | None,
) -> None:
    request = hunt(strategy=Strategy.RINGALL, caller_oblast=caller_oblast)
    assert next_offer(COUNTRY, request) == Offer((1, 2, 3, 4, 5), 20, Tier.OVERFLOW, "ru")


@pytest.mark.parametrize("caller_oblast", ["osh", "mobile", None])
def test_centre_line_rings_its_own_centre_then_national_staff_only(
    caller_oblast: str | None,
) -> None:
    request = hunt(strategy=Strategy.RINGALL, line_centre="sezim", caller_oblast=caller_oblast)
    assert next_offer(COUNTRY, request) == Offer((3, 4), 20, Tier.LOCAL, "ru")
    assert next_offer(COUNTRY, replace(request, tried=frozenset({3, 4}))) == Offer(
        (5,), 20, Tier.OVERFLOW, "ru"
    )
    assert next_offer(COUNTRY, replace(request, tried=frozenset({3, 4, 5}))) == NoOffer(
        NoOfferReason.ALL_TRIED
    )


OFF_SHIFT = counsellor(1, duty=None, shifts=(WeeklyShift(5, time(9), time(18)),))
STANDBY = counsellor(6, duty=None, standby=True)


def test_standby_group_rings_when_nobody_is_on_call() -> None:
    assert next_offer([OFF_SHIFT, STANDBY], hunt()) == Offer((6,), 20, Tier.STANDBY, "ru")


def test_standby_waits_until_on_call_counsellors_are_tried() -> None:
    on_call = counsellor(2, centre=None, oblast=None)
    on_call_standby = counsellor(7, standby=True, centre=None, oblast=None)
    roster = [OFF_SHIFT, on_call, STANDBY, on_call_standby]
    assert next_offer(roster, hunt()) == Offer((2,), 20, Tier.OVERFLOW, "ru")
    assert next_offer(roster, hunt(tried=frozenset({2}))) == Offer((7,), 20, Tier.OVERFLOW, "ru")
    assert next_offer(roster, hunt(tried=frozenset({2, 7}))) == Offer((6,), 20, Tier.STANDBY, "ru")


HOLD = Hold(NOW + timedelta(seconds=90))  # the default hunt's wait bound


@pytest.mark.parametrize(
    ("changes", "request_changes", "expected"),
    [
        ({"busy": True}, {}, HOLD),
        ({"wrap_up_until": NOW + timedelta(seconds=30)}, {}, HOLD),
        ({"languages": frozenset({"ky"})}, {}, NoOffer(NoOfferReason.NOBODY_ON_CALL)),
        ({"duty": DutyOverride.OFF}, {}, NoOffer(NoOfferReason.NOBODY_ON_CALL)),
        ({"active": False}, {}, NoOffer(NoOfferReason.NOBODY_ON_CALL)),
        ({}, {"tried": frozenset({6})}, NoOffer(NoOfferReason.ALL_TRIED)),
        ({"centre": "osh-crisis"}, {"line_centre": "sezim"}, NoOffer(NoOfferReason.NOBODY_ON_CALL)),
    ],
)
def test_standby_still_skips_busy_tried_language_off_duty_and_other_centres(
    changes: dict[str, Any], request_changes: dict[str, Any], expected: Hold | NoOffer
) -> None:
    roster = [OFF_SHIFT, replace(STANDBY, **changes)]
    assert next_offer(roster, hunt(**request_changes)) == expected


@pytest.mark.parametrize(
    ("roster", "tried", "reason"),
    [
        ([], frozenset(), NoOfferReason.NOBODY_ON_CALL),
        ([OFF_SHIFT], frozenset(), NoOfferReason.NOBODY_ON_CALL),
        ([counsellor(1), counsellor(2)], frozenset({1, 2}), NoOfferReason.ALL_TRIED),
        (
            [counsellor(1, wrap_up_until=NOW + timedelta(seconds=81)), counsellor(2, busy=True)],
            frozenset({2}),
            NoOfferReason.ALL_BUSY,  # the wrap-up ends too late for a ring within the bound
        ),
    ],
)
def test_no_offer_reasons(
    roster: list[CounsellorState], tried: frozenset[int], reason: NoOfferReason
) -> None:
    assert next_offer(roster, hunt(tried=tried)) == NoOffer(reason)


@pytest.mark.parametrize(
    ("elapsed", "settings", "ring_timeout"),
    [
        (0, {}, 20),
        (-2, {}, 20),  # a web worker's clock slightly behind
        (70, {}, 20),  # 70 + 20 == 90: still a full ring
        (70.5, {}, 19),
        (80, {}, 10),
        (80.5, {}, None),
        (90, {}, None),
        (300, {}, None),
        (10, {"max_wait_seconds": 30, "ring_timeout_seconds": 25, "min_ring_seconds": 5}, 20),
        (25, {"max_wait_seconds": 30, "ring_timeout_seconds": 25, "min_ring_seconds": 5}, 5),
        (25.5, {"max_wait_seconds": 30, "ring_timeout_seconds": 25, "min_ring_seconds": 5}, None),
    ],
)
def test_wait_bound_shortens_then_stops(
    elapsed: float, settings: dict[str, int], ring_timeout: int | None
) -> None:
    request = hunt(now=NOW + timedelta(seconds=elapsed), **settings)
    result = next_offer([counsellor(1)], request)
    if ring_timeout is None:
        assert result == NoOffer(NoOfferReason.WAIT_EXHAUSTED)
    else:
        assert result == Offer((1,), ring_timeout, Tier.OVERFLOW, "ru")


def test_unanswered_hunt_ends_within_the_maximum_wait() -> None:
    roster = [counsellor(i) for i in range(1, 8)]
    now, tried, rings = NOW, frozenset[int](), []
    while isinstance(result := next_offer(roster, hunt(now=now, tried=tried)), Offer):
        rings.append(result.ring_timeout)
        tried |= set(result.counsellor_ids)
        now += timedelta(seconds=result.ring_timeout + 5)  # no answer, then a hold prompt
    assert rings == [20, 20, 20, 15]
    assert result == NoOffer(NoOfferReason.WAIT_EXHAUSTED)


@pytest.mark.parametrize(
    ("roster", "tried"),
    [
        ([counsellor(1, busy=True), counsellor(2, busy=True)], frozenset()),  # on calls
        ([counsellor(1), counsellor(2, busy=True)], frozenset({1})),
        ([counsellor(1, wrap_up_until=NOW + timedelta(seconds=80))], frozenset()),  # just in time
    ],
)
def test_a_caller_holds_for_someone_who_will_be_free_within_the_bound(
    roster: list[CounsellorState], tried: frozenset[int]
) -> None:
    assert next_offer(roster, hunt(tried=tried)) == Hold(NOW + timedelta(seconds=90))
    late = hunt(tried=tried, now=NOW + timedelta(seconds=81))  # less than a short ring left
    assert next_offer(roster, late) == NoOffer(NoOfferReason.WAIT_EXHAUSTED)


KYRGYZ_ONLY = counsellor(1, languages=frozenset({"ky"}))
RUSSIAN_ONLY = counsellor(2, languages=frozenset({"ru"}))
ENGLISH_AND_RUSSIAN = counsellor(3, languages=frozenset({"en", "ru"}))


def test_fallback_languages_are_offered_in_order_after_the_callers_own() -> None:
    kyrgyz_caller = hunt(language="ky", fallback_languages=("ru", "ky"))
    roster = [RUSSIAN_ONLY, KYRGYZ_ONLY]
    assert next_offer(roster, kyrgyz_caller) == Offer((1,), 20, Tier.OVERFLOW, "ky")
    tried_own = replace(kyrgyz_caller, tried=frozenset({1}))
    assert next_offer(roster, tried_own) == Offer((2,), 20, Tier.OVERFLOW, "ru")
    # Nobody of their own on duty: the fallback at once.
    assert next_offer([RUSSIAN_ONLY], kyrgyz_caller) == Offer((2,), 20, Tier.OVERFLOW, "ru")
    # A Russian caller's fallback is Kyrgyz (their own language is skipped in the list).
    russian_caller = hunt(language="ru", fallback_languages=("ru", "ky"))
    assert next_offer([KYRGYZ_ONLY], russian_caller) == Offer((1,), 20, Tier.OVERFLOW, "ky")
    # Without fallback languages only the caller's own are rung.
    no_fallback = hunt(language="ky")
    assert next_offer([RUSSIAN_ONLY], no_fallback) == NoOffer(NoOfferReason.NOBODY_ON_CALL)


def test_a_busy_counsellor_of_the_callers_language_is_waited_for_half_the_bound() -> None:
    in_wrap_up = replace(KYRGYZ_ONLY, wrap_up_until=NOW + timedelta(seconds=60))
    roster = [in_wrap_up, ENGLISH_AND_RUSSIAN]
    caller = hunt(language="ky", fallback_languages=("ru",))
    assert next_offer(roster, caller) == Hold(NOW + timedelta(seconds=90))
    halfway = replace(caller, now=NOW + timedelta(seconds=45))
    assert next_offer(roster, halfway) == Offer((3,), 20, Tier.OVERFLOW, "ru")
    freed = replace(caller, now=NOW + timedelta(seconds=60))
    assert next_offer(roster, freed) == Offer((1,), 20, Tier.OVERFLOW, "ky")


@pytest.mark.parametrize("language", ["ky", "ru", "uz", "en"])
@pytest.mark.parametrize("elapsed", [0, 30, 45, 60])
@pytest.mark.parametrize("own_state", ["absent", "busy", "wrap_up", "tried", "off_duty"])
def test_nobody_can_answer_is_never_said_while_a_fallback_counsellor_is_free(
    language: str, elapsed: int, own_state: str
) -> None:
    fallback = "ky" if language == "ru" else "ru"
    free_fallback = counsellor(9, languages=frozenset({fallback}))
    own = counsellor(
        1,
        languages=frozenset({language}),
        busy=own_state == "busy",
        wrap_up_until=NOW + timedelta(seconds=100) if own_state == "wrap_up" else None,
        duty=DutyOverride.OFF if own_state == "off_duty" else DutyOverride.ON,
    )
    roster = [free_fallback] + ([] if own_state == "absent" else [own])
    request = hunt(
        language=language,
        fallback_languages=("ru", "ky"),
        tried=frozenset({1}) if own_state == "tried" else frozenset(),
        now=NOW + timedelta(seconds=elapsed),
    )
    result = next_offer(roster, request)
    assert not isinstance(result, NoOffer)
    if isinstance(result, Offer):
        assert result == Offer((9,), 20, Tier.OVERFLOW, fallback)
    else:  # only while early in the wait, for their own language's busy counsellor
        assert own_state == "busy" and elapsed < 45


def test_roster_reason_wins_over_an_exhausted_wait() -> None:
    late = hunt(now=NOW + timedelta(minutes=5), tried=frozenset({1}))
    assert next_offer([counsellor(1)], late) == NoOffer(NoOfferReason.ALL_TRIED)


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [(None, NOW + timedelta(minutes=2)), (30, NOW + timedelta(seconds=30)), (0, NOW)],
)
def test_end_of_wrap_up(seconds: int | None, expected: datetime) -> None:
    ended = end_of_wrap_up(NOW) if seconds is None else end_of_wrap_up(NOW, seconds)
    assert ended == expected
    roster = [counsellor(1, wrap_up_until=ended)]
    just_before = expected - timedelta(seconds=1)
    if just_before >= NOW:
        early = hunt(now=just_before, started_at=just_before)
        assert next_offer(roster, early) == Hold(just_before + timedelta(seconds=90))
    assert offered(next_offer(roster, hunt(now=expected, started_at=expected))) == (1,)


NAIVE = datetime(2024, 1, 1, 12, 0)


@pytest.mark.parametrize(
    "mistake",
    [
        lambda: is_on_call(counsellor(1), NAIVE, BISHKEK),
        lambda: MONDAY_OFFICE.covers(NAIVE, BISHKEK),
        lambda: hunt(now=NAIVE),
        lambda: hunt(started_at=NAIVE),
        lambda: counsellor(1, wrap_up_until=NAIVE),
        lambda: counsellor(1, last_answered_at=NAIVE),
        lambda: counsellor(1, last_offered_at=NAIVE),
        lambda: end_of_wrap_up(NAIVE),
        lambda: end_of_wrap_up(NOW, -1),
        lambda: WeeklyShift(7, time(9), time(18)),
        lambda: WeeklyShift(-1, time(9), time(18)),
        lambda: WeeklyShift(0, time(9, tzinfo=UTC), time(18)),
        lambda: hunt(ring_timeout_seconds=4),
        lambda: hunt(ring_timeout_seconds=601),
        lambda: hunt(min_ring_seconds=4),
        lambda: hunt(min_ring_seconds=21),
        lambda: hunt(max_wait_seconds=9),
        lambda: hunt(strategy="random"),
    ],
)
def test_mistakes_raise_value_error(mistake: Callable[[], object]) -> None:
    with pytest.raises(ValueError):
        mistake()


def test_routing_does_no_io() -> None:
    forbidden = {"flask", "twilio", "sqlalchemy", "redis", "rq", "requests"}
    imported = set()
    for source in Path(hotline.routing.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(source.read_text())):
            if isinstance(node, ast.Import):
                imported |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module:
                imported.add(node.module)
    assert "hotline.routing.hunt" in imported  # the walk really saw our imports
    assert not {name for name in imported if name.split(".")[0] in forbidden}


def test_a_texter_goes_to_the_first_in_the_rosters_order_among_equals_however_read() -> None:
    """Equally loaded, never given a conversation, same position: the lower id takes it, in
    whatever order the database returned the roster (PostgreSQL's varies with updates)."""
    request = TextRequest(
        language="ru",
        fallback_languages=(),
        line_centre=None,
        tried=frozenset(),
        now=NOW,
        shift_zone=BISHKEK,
        max_open=3,
    )
    equals = [counsellor(7, position=0), counsellor(3, position=0)]
    assert choose_for_text(equals, {}, {}, request) == 3
    assert choose_for_text(equals[::-1], {}, {}, request) == 3
    ahead = [counsellor(3, position=1), counsellor(7, position=0)]
    assert choose_for_text(ahead, {}, {}, request) == 7  # position first, then id
