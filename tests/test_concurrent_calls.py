"""Simultaneous calls against PostgreSQL: one call per counsellor, and the offers spread as the
line's strategy says. Eight callers ring at once, through two app instances (two web servers
with their own connection pools) driven from eight threads, on a sped-up real clock. And a
caller whose counsellors other callers' offers are taking that very moment (their rows held by
a transaction left open) rings the next one, or holds a turn: never the reserve line."""

from __future__ import annotations

import itertools
import threading
from collections import Counter
from collections.abc import Mapping

import pytest
from flask import Flask
from sqlalchemy import Connection, Engine, event, func, select, text, update
from sqlalchemy.orm import Session

from hotline.calls.reservations import callback_holder
from hotline.db import engine
from hotline.models import (
    AttemptResult,
    Call,
    CallAttempt,
    Callback,
    CallOutcome,
    Counsellor,
    Line,
    Strategy,
)
from hotline.simulator import (
    CallRecord,
    Event,
    EventKind,
    ScaledClock,
    TwilioEmulator,
    WebhookResponse,
    WsgiTransport,
)
from tests.conftest import ACCOUNT_SID, AUTH_TOKEN, LINE, PUBLIC_URL, AppMaker, Hotline
from workers import placing

COUNSELLORS = {"Aigul": "+996555000101", "Bakyt": "+996555000202", "Cholpon": "+996555000303"}
COUNSELLORS["Dilnoza"] = "+996555000404"
CALLERS = [f"+99670012340{i}" for i in range(8)]
SPEEDUP = 20  # simulated seconds a real second: a 30 s talk lasts 1.5 real seconds


class Servers:
    """A load balancer: each request goes to the next app instance in turn."""

    def __init__(self, apps: list[Flask]) -> None:
        self._next = itertools.cycle([WsgiTransport(app) for app in apps])
        self._lock = threading.Lock()

    def deliver(
        self, method: str, url: str, form: Mapping[str, str], headers: Mapping[str, str]
    ) -> WebhookResponse:
        """Deliver through the next instance."""
        with self._lock:
            transport = next(self._next)
        return transport.deliver(method, url, form, headers)


@pytest.fixture
def line_of_four(make_app: AppMaker, app: Flask) -> tuple[list[Flask], TwilioEmulator]:
    """Two app instances on one PostgreSQL database, four Russian-speaking counsellors."""
    if engine(app).dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: SQLite has one writer (make test's PostgreSQL pass runs it)")
    clock = ScaledClock(SPEEDUP)
    emulator = TwilioEmulator(None, ACCOUNT_SID, AUTH_TOKEN, PUBLIC_URL, clock=clock)
    changes = {"HOTLINE_CLOCK": clock.now, "HOTLINE_WRAP_UP_SECONDS": 10}
    apps = [make_app(TWILIO_HTTP_CLIENT=emulator.http_client, **changes)[0] for _ in range(2)]
    emulator.connect(Servers(apps))
    return apps, emulator


def call_at_once(emulator: TwilioEmulator) -> list[CallRecord]:
    """Every caller rings at the same moment, each in their own thread."""
    start = threading.Barrier(len(CALLERS))
    records: dict[str, CallRecord] = {}

    def caller(number: str) -> None:
        start.wait()
        records[number] = emulator.call(number, LINE, keys=["2", "1"])

    threads = [threading.Thread(target=caller, args=(number,)) for number in CALLERS]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return [records[number] for number in CALLERS]


@pytest.mark.slow
@pytest.mark.parametrize("strategy", [Strategy.RRMEMORY, Strategy.LEASTRECENT])
def test_simultaneous_calls_never_share_a_counsellor_and_spread_evenly(
    strategy: Strategy, line_of_four: tuple[list[Flask], TwilioEmulator], session: Session
) -> None:
    apps, emulator = line_of_four
    hotline = Hotline(apps[0], emulator)
    hotline.line(language="ru", strategy=strategy)
    for name, phone in COUNSELLORS.items():
        hotline.counsellor(name, phone, languages="ru")
        emulator.add_phone(phone, talk_seconds=30)

    records = call_at_once(emulator)

    assert emulator.collisions == []  # no phone rang while ringing or talking for another
    connected = Counter(e.number for r in records for e in r.events(EventKind.CONNECTED))
    assert connected == Counter({phone: 2 for phone in COUNSELLORS.values()})
    assert [r.notifications for r in records] == [[]] * len(CALLERS)
    calls = session.scalars(select(Call)).all()
    assert [c.outcome for c in calls] == [CallOutcome.ANSWERED] * len(CALLERS)
    names = {c.id: c.name for c in session.scalars(select(Counsellor))}
    offers = session.scalars(select(CallAttempt).order_by(CallAttempt.id)).all()
    assert {o.result for o in offers} == {AttemptResult.ACCEPTED}  # nobody was offered twice
    # The first four offers go to the four counsellors, one each, then everyone again. (Offers
    # made at the same moment are recorded in whichever order their transactions run, so the
    # order within a round is not routing's; tests/test_routing.py checks that order.)
    first_round = [names[o.counsellor_id] for o in offers[:4]]
    assert sorted(first_round) == sorted(COUNSELLORS)
    assert sorted(names[o.counsellor_id] for o in offers[4:]) == sorted(COUNSELLORS)
    for counsellor in session.scalars(select(Counsellor)):
        assert counsellor.reserved_for is None and counsellor.on_call_sid is None


def taking(connection: Connection, *names: str) -> None:
    """What other callers' offers do to these counsellors' rows, left uncommitted."""
    connection.execute(
        update(Counsellor).where(Counsellor.name.in_(names)).values(reserved_for="CA-other")
    )


@pytest.fixture
def alike_counsellors(hotline: Hotline, app: Flask, request: pytest.FixtureRequest) -> Engine:
    """Three Russian-speaking counsellors routing cannot tell apart but by their order, on a
    line of the strategy given (rrmemory unless parametrized)."""
    bound = engine(app)
    if bound.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: SQLite has one writer (make test's PostgreSQL pass runs it)")
    hotline.line(language="ru", strategy=getattr(request, "param", Strategy.RRMEMORY))
    for name in ("Aigul", "Bakyt", "Cholpon"):
        hotline.counsellor(name, COUNSELLORS[name], languages="ru")
    return bound


@pytest.mark.parametrize(
    "alike_counsellors",
    [Strategy.RRMEMORY, Strategy.LINEAR, Strategy.LEASTRECENT],
    indirect=True,
)
def test_counsellors_other_offers_are_taking_are_passed_over_for_the_next_free(
    alike_counsellors: Engine, emulator: TwilioEmulator
) -> None:
    """Other callers' offers have taken Aigul and Bakyt but not yet committed: this caller rings
    Cholpon at once, rather than holding till those offers end (alike counsellors are shown to
    routing one at a time; the reservation itself takes the first free one nobody is taking)."""
    with alike_counsellors.connect() as other_offers:
        taking(other_offers, "Aigul", "Bakyt")
        record = emulator.call(CALLERS[0], LINE, keys=["2", "1"])
        other_offers.rollback()

    dialled = [leg.number for e in record.events(EventKind.DIAL) for leg in e.legs]
    assert dialled == [COUNSELLORS["Cholpon"]]  # at once: no hold before it
    assert [e.number for e in record.events(EventKind.CONNECTED)] == [COUNSELLORS["Cholpon"]]
    assert not [e for e in record.events(EventKind.PLAY) if "hold" in e.text]


def test_a_callback_whose_counsellors_other_offers_are_taking_rings_the_next_free_noted_on_it(
    alike_counsellors: Engine, app: Flask, emulator: TwilioEmulator
) -> None:
    """As a caller's hunt does: other offers are taking Aigul and Bakyt (not yet committed), so
    the callback rings Cholpon, and she is the counsellor noted on the callback (the sweeper
    and the screen read it), by the statement that reserved her."""
    emulator.call(CALLERS[0], LINE, keys=["2", "2", "1", "1", "1"])  # Russian; call me back now
    with Session(alike_counsellors) as session:
        callback_id = session.scalars(select(Callback.id)).one()
    with alike_counsellors.connect() as other_offers:
        taking(other_offers, "Aigul", "Bakyt")
        assert placing.place(app, callback_id) == "counsellor-rung"
        other_offers.rollback()

    with Session(alike_counsellors) as session:
        noted = session.scalar(select(Counsellor.name).join(Callback))
        reserved = session.scalars(
            select(Counsellor.name).where(Counsellor.reserved_for == callback_holder(callback_id))
        ).all()
    assert noted == "Cholpon" and reserved == ["Cholpon"]
    rung = [r.to for r in emulator.run_pending() if r.direction == "outbound-api"]
    assert rung == [COUNSELLORS["Cholpon"]]


def test_a_caller_whose_counsellors_other_offers_keep_taking_holds_a_turn(
    alike_counsellors: Engine, emulator: TwilioEmulator
) -> None:
    """A crowd is after every counsellor at once: the caller holds one turn (never the reserve
    line), and rings the first one free when the hold ends."""
    with alike_counsellors.connect() as other_offers:
        taking(other_offers, "Aigul", "Bakyt", "Cholpon")

        def other_offers_end(event: Event) -> None:
            if event.kind is EventKind.PLAY and "hold" in event.text:
                other_offers.rollback()

        record = emulator.call(CALLERS[0], LINE, keys=["2", "1"], listener=other_offers_end)
        other_offers.rollback()

    first_ring = next(n for n, e in enumerate(record.transcript) if e.kind is EventKind.DIAL)
    before_it = record.transcript[:first_ring]
    assert [e for e in before_it if e.kind is EventKind.PLAY and "hold" in e.text]  # held first
    dialled = [leg.number for e in record.events(EventKind.DIAL) for leg in e.legs]
    assert dialled == [COUNSELLORS["Aigul"]]  # first again: rrmemory's memory did not move
    assert [e.number for e in record.events(EventKind.CONNECTED)] == [COUNSELLORS["Aigul"]]


def the_lines_memory(bound: Engine) -> str | None:
    """Whom rrmemory's memory of the line names, as committed."""
    with bound.connect() as connection:
        remembered = connection.scalar(
            select(Counsellor.name).join(Line, Line.last_offered_counsellor_id == Counsellor.id)
        )
    return remembered


def test_an_offer_that_finds_the_line_held_by_another_rings_and_leaves_the_memory_to_it(
    alike_counsellors: Engine, emulator: TwilioEmulator
) -> None:
    """Another caller's offer holds the line's row (not yet committed): this caller rings the
    first counsellor at once, never waiting for that offer, and leaves the memory alone."""
    with alike_counsellors.connect() as other_offer:
        other_offer.execute(update(Line).values(max_wait_seconds=Line.max_wait_seconds))
        record = emulator.call(CALLERS[0], LINE, keys=["2", "1"])
        other_offer.rollback()

    dialled = [leg.number for e in record.events(EventKind.DIAL) for leg in e.legs]
    assert dialled == [COUNSELLORS["Aigul"]]
    assert not [e for e in record.events(EventKind.PLAY) if "hold" in e.text]
    assert the_lines_memory(alike_counsellors) is None  # as the other offer would leave it


def test_an_offer_that_finds_the_memory_moved_since_it_looked_follows_it(
    alike_counsellors: Engine, emulator: TwilioEmulator
) -> None:
    """Between this hunt's reading of the candidates and its reservation, another caller's
    offer rings Cholpon and moves the memory to her (committed): this caller is offered the
    one after Cholpon, Aigul (round from the top), not the Bakyt it would have been next to
    its stale view. Nothing is reserved or recorded for whom the stale view chose."""
    other_offer_done = threading.Event()

    def other_offer_moves_the_memory(connection: Connection, *_: object) -> None:
        if other_offer_done.is_set():
            return
        other_offer_done.set()  # before its own statements, which pass through here too
        with alike_counsellors.begin() as other:
            cholpon = other.scalar(select(Counsellor.id).where(Counsellor.name == "Cholpon"))
            other.execute(update(Line).values(last_offered_counsellor_id=cholpon))
            other.execute(
                update(Counsellor)
                .where(Counsellor.id == cholpon)
                .values(reserved_for="CA-other", reserved_until=func.now() + text("'1 hour'"))
            )

    def before_the_reservation(
        connection: Connection, cursor: object, statement: str, *_: object
    ) -> None:
        if "UPDATE counsellor SET reserved_for" in statement and "line_free" in statement:
            other_offer_moves_the_memory(connection)

    event.listen(alike_counsellors, "before_cursor_execute", before_the_reservation)
    try:
        record = emulator.call(CALLERS[0], LINE, keys=["2", "1"])
    finally:
        event.remove(alike_counsellors, "before_cursor_execute", before_the_reservation)

    assert other_offer_done.is_set()
    dialled = [leg.number for e in record.events(EventKind.DIAL) for leg in e.legs]
    assert dialled == [COUNSELLORS["Aigul"]]
    with alike_counsellors.connect() as connection:
        offered = connection.scalars(
            select(Counsellor.name).join(CallAttempt).order_by(CallAttempt.id)
        ).all()
        reserved = connection.scalars(
            select(Counsellor.name).where(Counsellor.reserved_for.is_not(None))
        ).all()
    assert offered == ["Aigul"]
    assert sorted(reserved) == ["Cholpon"]  # the other offer's; Aigul's ended with the call
    assert the_lines_memory(alike_counsellors) == "Aigul"
