"""The hunt's candidates: routing shown only them decides as it would on the whole roster.

Random rosters (centres, languages, duty, standby, shifts across midnight, reservations,
wrap-ups, idle times, calls already tried) on this pass's database; every strategy, language
and kind of line is asked at random instants, once of the whole roster as the console reads
it and once of the candidates' query.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from sqlalchemy import event, text
from sqlalchemy.orm import Session

from hotline.calls.candidates import WALK_AT_MOST, hunt_candidates
from hotline.calls.hunt import roster_states
from hotline.db import engine
from hotline.models import Call, CallAttempt, Centre, Counsellor, DutyOverride, Shift, Strategy
from hotline.routing import HuntRequest, Offer, next_offer

BISHKEK = ZoneInfo("Asia/Bishkek")
BEGIN = datetime(2024, 1, 1, 6, 0, tzinfo=UTC)  # a Monday, noon in Bishkek
CENTRES = {"sezim": "bishkek", "osh-crisis": "osh", "naryn-help": "naryn"}
# Daily shifts (start hour, hours long): office, evening past midnight, the whole day.
PATTERNS = ((9, 9), (18, 10), (7, 24))
SHIFTS = ((0, time(22), time(6)), (6, time(20), time(8)), (2, time(10), time(14)))
LANGUAGES = (["ky"], ["ru"], ["ky", "ru"], ["ru", "ky"], ["uz", "ru"], ["en"], ["ky", "uz", "en"])


def some_time(rng: random.Random, none: float) -> datetime | None:
    """None (with chance `none`), or an instant within two hours either side of the week."""
    if rng.random() < none:
        return None
    return BEGIN + timedelta(minutes=rng.randrange(-120, 7 * 24 * 60 + 120))


def roster(session: Session, rng: random.Random) -> tuple[dict[str, int], list[int]]:
    """Three centres and sixty counsellors as chance has them, many alike (routing then tells
    them apart by its strategy's order alone); the centres' ids, and the counsellors'."""
    centres = {slug: Centre(slug=slug, name=slug, oblast=area) for slug, area in CENTRES.items()}
    session.add_all(centres.values())
    patterns = [[(d, time(h), time((h + n) % 24)) for d in range(7)] for h, n in PATTERNS]
    people = []
    for n in range(60):
        pattern = rng.choice([[], *patterns]) + [SHIFTS[rng.randrange(len(SHIFTS))]] * (n % 9 == 0)
        people.append(
            Counsellor(
                name=f"C{n}",
                phone_sealed="sealed",
                phone_pseudonym=f"p{n}",
                phone_hint="+996***",
                languages=rng.choice(LANGUAGES[:3] if n % 2 else LANGUAGES),
                centre=rng.choice([None, centres["sezim"]] if n % 3 else [*centres.values()]),
                active=rng.random() < 0.95,
                standby=rng.random() < 0.15,
                position=rng.randrange(3),
                duty=rng.choice([None, DutyOverride.ON, DutyOverride.ON, DutyOverride.OFF]),
                reserved_until=some_time(rng, 0.7),
                wrap_up_until=some_time(rng, 0.7),
                last_offered_at=some_time(rng, 0.3),
                last_answered_at=rng.choice([None, BEGIN, some_time(rng, 0.3)]),  # ties too
                shifts=[Shift(weekday=d, start=a, end=b) for d, a, b in dict.fromkeys(pattern)],
            )
        )
    session.add_all(people)
    session.flush()
    return {slug: c.id for slug, c in centres.items()}, [c.id for c in people]


@pytest.mark.parametrize("seed", range(8))
def test_routing_decides_the_same_from_the_candidates_as_from_the_whole_roster(
    session: Session, seed: int
) -> None:
    decides_the_same(session, random.Random(seed), seed, walked_only=False)


@pytest.mark.parametrize("seed", range(4))
def test_the_walk_to_the_first_free_decides_as_routing_does_on_the_whole_roster(
    session: Session, seed: int
) -> None:
    """Hunts the database answers by walking the strategy's order to the first free counsellor
    when there is one: rrmemory and linear, a national line, the caller's area unknown."""
    decides_the_same(session, random.Random(100 + seed), seed, walked_only=True)


def decides_the_same(session: Session, rng: random.Random, seed: int, walked_only: bool) -> None:
    """Sixty hunts on a random roster: the candidates' decision is the whole roster's."""
    centres, people = roster(session, rng)
    # Instants just before wrap-ups end too: who will be free in time decides holding.
    ends = [c.wrap_up_until for c in session.query(Counsellor) if c.wrap_up_until is not None]
    for n in range(60):
        now = BEGIN + timedelta(minutes=rng.randrange(7 * 24 * 60))
        if n % 2:
            now = rng.choice(ends) - timedelta(seconds=rng.randrange(200))
        call = Call(call_sid=f"CA{seed}-{n}", started_at=now)
        session.add(call)
        session.flush()
        tried = rng.sample(people, rng.randrange(20 if walked_only else 4))
        session.add_all(CallAttempt(call_id=call.id, counsellor_id=c) for c in tried)
        session.flush()
        centre = None if walked_only else rng.choice([None, *centres])
        walked = [Strategy.RRMEMORY, Strategy.LINEAR]
        hunt = HuntRequest(
            strategy=rng.choice(walked if walked_only else list(Strategy)),
            language=rng.choice(["ky", "ru", "uz", "en"]),
            fallback_languages=tuple(rng.sample(["ru", "ky", "uz"], rng.randrange(3))),
            line_centre=centre,
            caller_oblast=rng.choice([None, "mobile", *([] if walked_only else CENTRES.values())]),
            tried=frozenset(),
            last_offered_on_line=rng.choice([None, *people]),
            started_at=now - timedelta(seconds=rng.randrange(200)),
            now=now,
            shift_zone=BISHKEK,
        )
        line_centre_id = centres[centre] if centre else None
        expected = next_offer(roster_states(session, now), replace(hunt, tried=frozenset(tried)))
        # A call's own attempts are its tried; a callback names them in the hunt instead.
        of_call = hunt_candidates(session.connection(), hunt, line_centre_id, call.id)
        assert next_offer(of_call.states, replace(hunt, tried=of_call.tried)) == expected
        assert of_call.tried == {s.id for s in of_call.states} & set(tried)
        named = replace(hunt, tried=frozenset(tried))
        assert next_offer(
            hunt_candidates(session.connection(), named, line_centre_id, None).states, named
        ) == (expected)
        if walked_only:  # counsellors just taken by another caller's offer count as busy
            lost = frozenset(rng.sample(people, rng.randrange(6)))
            whole = [replace(s, busy=s.busy or s.id in lost) for s in roster_states(session, now)]
            shown = hunt_candidates(session.connection(), hunt, line_centre_id, call.id, lost)
            states = [replace(s, busy=s.busy or s.id in lost) for s in shown.states]
            assert next_offer(states, replace(hunt, tried=shown.tried)) == next_offer(whole, named)


def national_hunt(last_offered: int | None) -> HuntRequest:
    """A Russian speaker's hunt on a national rrmemory line at BEGIN, their area unknown."""
    return HuntRequest(
        strategy=Strategy.RRMEMORY,
        language="ru",
        line_centre=None,
        caller_oblast=None,
        tried=frozenset(),
        last_offered_on_line=last_offered,
        started_at=BEGIN,
        now=BEGIN,
        shift_zone=BISHKEK,
    )


def russian_speakers_on_duty(session: Session, count: int, busy: int) -> list[Counsellor]:
    """`count` alike counsellors on duty who speak Russian, the first `busy` on a call at BEGIN."""
    people = [
        Counsellor(
            name=f"C{n}",
            phone_sealed="sealed",
            phone_pseudonym=f"p{n}",
            phone_hint="+996***",
            languages=["ru"],
            duty=DutyOverride.ON,
            reserved_until=BEGIN + timedelta(minutes=5) if n < busy else None,
        )
        for n in range(count)
    ]
    session.add_all(people)
    session.flush()
    return people


def test_of_alike_counsellors_in_wrap_up_the_first_to_be_free_is_the_one_shown(
    session: Session,
) -> None:
    """Two alike counsellors in wrap-up, the first ending after the wait bound: the caller holds
    for the second, as routing would with the whole roster."""
    late, in_time = (
        Counsellor(
            name=name,
            phone_sealed="sealed",
            phone_pseudonym=name,
            phone_hint="+996***",
            languages=["ru"],
            duty=DutyOverride.ON,
            wrap_up_until=BEGIN + timedelta(seconds=seconds),
        )
        for name, seconds in (("late", 900), ("in-time", 60))
    )
    session.add_all([late, in_time])
    session.flush()
    hunt = national_hunt(last_offered=None)
    shown = hunt_candidates(session.connection(), hunt, None, None).states
    assert [s.id for s in shown] == [in_time.id]
    assert next_offer(shown, hunt) == next_offer(roster_states(session, BEGIN), hunt)


def test_past_the_walks_reach_the_first_free_is_still_the_one_offered(session: Session) -> None:
    """More busy counsellors on call than the walk reads before the first free one: the walk
    gives up and the groups are read; routing offers the same as from the whole roster. The
    first of all is free too, but comes round only after the last one offered: the walk must
    not take them for the first free."""
    people = russian_speakers_on_duty(session, WALK_AT_MOST + 5, busy=WALK_AT_MOST + 3)
    people[0].reserved_until = None
    session.flush()
    hunt = national_hunt(last_offered=people[1].id)
    decision = next_offer(hunt_candidates(session.connection(), hunt, None, None).states, hunt)
    assert decision == next_offer(roster_states(session, BEGIN), hunt)
    assert isinstance(decision, Offer) and decision.counsellor_ids == (people[WALK_AT_MOST + 3].id,)


def test_after_a_walk_in_vain_the_groups_are_read_at_once_until_someone_is_free(
    app: Flask, session: Session
) -> None:
    """Everyone busy: one walk finds nobody, and the hunts after it read only the groups. Once
    the groups show someone free, they are offered, and the next hunt walks again."""
    people = russian_speakers_on_duty(session, 3, busy=0)
    hunt = national_hunt(last_offered=None)
    run: list[str] = []

    def note(*cursor_run: object) -> None:
        statement = str(cursor_run[2])
        run.append("walk" if "first_free" in statement else "groups")

    def look() -> tuple[object, list[str]]:
        run.clear()
        shown = hunt_candidates(session.connection(), hunt, None, None)
        return next_offer(shown.states, hunt), list(run)

    event.listen(engine(app), "before_cursor_execute", note)
    try:
        first, _ = look()  # someone free: whatever an earlier test left, the walk is back on
        assert isinstance(first, Offer) and first.counsellor_ids == (people[0].id,)
        for person in people:
            person.reserved_until = BEGIN + timedelta(minutes=5)
        session.flush()
        for statements in (["walk", "groups"], ["groups"]):
            decision, run_now = look()
            assert not isinstance(decision, Offer) and run_now == statements
        people[2].reserved_until = None
        session.flush()
        offered, statements = look()
        assert statements == ["groups"]
        assert isinstance(offered, Offer) and offered.counsellor_ids == (people[2].id,)
        assert look()[1] == ["walk"]
    finally:
        event.remove(engine(app), "before_cursor_execute", note)


def test_the_walk_is_planned_once_not_at_every_hunt(app: Flask, session: Session) -> None:
    """A roster all on duty by their own word, as the planner's statistics know it: the walk's
    plan for any caller (PostgreSQL's generic plan) costs what one for this caller does, so
    PostgreSQL keeps it instead of planning the statement afresh at every hunt. Constants
    bound as values had made that plan look dear."""
    if engine(app).dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: its plan cache")
    russian_speakers_on_duty(session, 1000, busy=0)
    session.execute(text("ANALYZE counsellor"))  # what autovacuum does after such a change
    connection = session.connection()
    connection.execute(text("DEALLOCATE ALL"))  # this test's walk alone: none the pool kept
    for _ in range(12):  # PostgreSQL weighs its generic plan after five planned for the values
        hunt_candidates(connection, national_hunt(last_offered=None), None, None)
    plans = connection.execute(
        text(
            "SELECT generic_plans, custom_plans FROM pg_prepared_statements"
            " WHERE statement LIKE 'WITH first_free AS %'"
        )
    ).one()
    assert plans.generic_plans > 0, plans
