"""A caller who must wait: holding for the first counsellor free, the line's fallback
languages, and one call per counsellor (a reservation that expires when a callback is lost)."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask, has_request_context, request
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from hotline.db import engine
from hotline.models import Call, CallAttempt, Counsellor
from hotline.simulator import HANGUP, Behaviour, CallRecord, EventKind, LegResult, TwilioEmulator
from tests.conftest import (
    ACCOUNT_SID,
    LINE,
    AppMaker,
    Hotline,
    hunt_answers,
    signed,
    spoken,
    twiml,
)

AIGUL, DILNOZA, SARAH = "+996555000101", "+996700000202", "+996772000303"
CALLER, OTHER_CALLER = "+996700123456", "+996700999888"


def dials(record: CallRecord) -> list[list[tuple[str, LegResult]]]:
    return [[(leg.number, leg.result) for leg in e.legs] for e in record.events(EventKind.DIAL)]


def held_turns(record: CallRecord) -> list[str]:
    """The hunt answers that held the caller (music, then ask again)."""
    return [body for body in hunt_answers(record) if "/voice/hold-music.wav" in body]


def test_a_caller_holds_for_the_only_counsellor_of_her_language_in_wrap_up(
    hotline: Hotline, emulator: TwilioEmulator
) -> None:
    hotline.line(language="ky")
    hotline.counsellor("Dilnoza", DILNOZA, languages="uz")
    first = emulator.call(OTHER_CALLER, LINE, keys=["3", "1"])
    assert dials(first) == [[(DILNOZA, LegResult.ACCEPTED)]]  # now 120 s of wrap-up

    record = emulator.call(CALLER, LINE, keys=["3", "1"])

    assert dials(record) == [[(DILNOZA, LegResult.ACCEPTED)]]  # she took it when free
    holding = held_turns(record)
    assert len(holding) >= 15  # over a minute of music, four seconds a turn here
    assert spoken(holding[0])[:2] == ["/voice/prompts/uz/hold.wav", "/voice/hold-music.wav"]
    assert spoken(holding[1]) == ["/voice/hold-music.wav"]  # no prompt every turn
    assert spoken(holding[4]) == ["/voice/prompts/uz/still_trying.wav", "/voice/hold-music.wav"]
    for body in holding:  # music, then ask again: never a silence
        assert [verb.tag for verb in twiml(body)][-2:] == ["Play", "Redirect"]
    assert spoken(hunt_answers(record)[-1]) == ["/voice/prompts/uz/connecting.wav"]
    assert not any("no_counsellor" in body for body in hunt_answers(record))


def test_turns_on_hold_are_steps_of_the_call_and_only_the_ring_takes_a_transaction(
    app: Flask, hotline: Hotline, emulator: TwilioEmulator
) -> None:
    """PostgreSQL: holding reserves nobody, so no turn on hold (nor the menu's key that began
    it) takes a connection of the main pool: they run on the steps' connections, which do not
    wait for the disk (hotline.db.call_steps). Only the hunt that rings takes one, for its
    reservation's transaction."""
    bound = engine(app)
    if bound.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: make test runs it in its PostgreSQL pass")
    hotline.line(language="ky")
    hotline.counsellor("Dilnoza", DILNOZA, languages="uz")
    emulator.call(OTHER_CALLER, LINE, keys=["3", "1"])  # she is in wrap-up for 120 s
    taken_in: list[str] = []

    def taken(*_: Any) -> None:
        if has_request_context():
            taken_in.append(request.path)

    event.listen(bound, "checkout", taken)
    try:
        record = emulator.call(CALLER, LINE, keys=["3", "1"])
    finally:
        event.remove(bound, "checkout", taken)

    assert len(held_turns(record)) >= 15
    assert dials(record) == [[(DILNOZA, LegResult.ACCEPTED)]]
    assert taken_in.count("/voice/hunt") == 1  # the ring, of all the hunt's turns
    assert not {"/voice/incoming", "/voice/language", "/voice/menu"} & set(taken_in)
    assert "/voice/status" in taken_in  # the call's end waits for the disk, as before


def test_after_half_the_wait_a_free_counsellor_of_a_fallback_language_is_rung(
    make_app: AppMaker, app: Flask, session: Session
) -> None:
    long_pauses, emulator = make_app(HOTLINE_WRAP_UP_SECONDS=170)  # ends after half the wait
    hotline = Hotline(long_pauses, emulator)
    hotline.line(language="ky")
    hotline.counsellor("Dilnoza", DILNOZA, languages="uz")
    emulator.call(OTHER_CALLER, LINE, keys=["3", "1"])  # Dilnoza: wrap-up
    hotline.counsellor("Sarah", SARAH, languages="en,ru")

    record = emulator.call(CALLER, LINE, keys=["3", "1"])

    assert dials(record) == [[(SARAH, LegResult.ACCEPTED)]]
    call = session.scalars(select(Call).where(Call.call_sid == record.call_sid)).one()
    assert call.hunt_started_at is not None
    offered = session.scalars(select(CallAttempt).where(CallAttempt.call_id == call.id)).one()
    # Half the line's 180 s bound held for her own language, then the fallback at once.
    assert 90 <= (offered.offered_at - call.hunt_started_at).total_seconds() <= 96
    # Sarah hears, in Russian, that the caller chose Uzbek, before she presses 1.
    screen = record.events(EventKind.DIAL)[0].legs[0].transcript
    said = [event.text for event in screen if event.kind is EventKind.SAY]
    assert said[0].startswith("Звонок на телефон доверия, человек выбрал узбекский язык.")
    assert [event.language for event in screen if event.kind is EventKind.SAY] == ["ru-RU"] * 2
    assert call.language == "uz" and call.counsellor_id is not None


def test_a_silent_caller_on_a_kyrgyz_line_reaches_a_russian_speaker_at_once(
    hotline: Hotline, emulator: TwilioEmulator
) -> None:
    hotline.line(language="ky")
    hotline.counsellor("Sarah", SARAH, languages="en,ru")
    record = emulator.call(CALLER, LINE)
    assert dials(record) == [[(SARAH, LegResult.ACCEPTED)]]
    assert held_turns(record) == []
    screen = record.events(EventKind.DIAL)[0].legs[0].transcript
    assert "кыргызский" in [e.text for e in screen if e.kind is EventKind.SAY][0]


def test_nobody_can_answer_only_when_nobody_will_be_free_within_the_bound(
    hotline: Hotline, emulator: TwilioEmulator
) -> None:
    hotline.line(language="ru")
    hotline.counsellor("Aigul", AIGUL, languages="ru", behaviour=Behaviour.IGNORE)
    record = emulator.call(CALLER, LINE, keys=["2", "1", HANGUP])
    assert dials(record) == [[(AIGUL, LegResult.NO_ANSWER)]]  # tried: nobody else to wait for
    assert held_turns(record) == []
    assert twiml(hunt_answers(record)[-1]).find("Gather").get("action") == "/voice/after-hunt"  # type: ignore[union-attr]


def hand_made_call(app: Flask, call_sid: str) -> str:
    """A call whose hunt rings a counsellor, and then Twilio never says another word."""
    form = {
        "CallSid": call_sid,
        "AccountSid": ACCOUNT_SID,
        "From": OTHER_CALLER,
        "To": LINE,
        "CallStatus": "in-progress",
        "Direction": "inbound",
        "ApiVersion": "2010-04-01",
    }
    client = app.test_client()
    for path, digits in (
        ("/voice/incoming", None),
        ("/voice/language", "2"),
        ("/voice/hunt", None),
    ):
        data = {**form, "Digits": digits} if digits else form
        answer = client.post(path, data=data, headers=signed(path, data))
        assert answer.status_code == 200
    return answer.get_data(as_text=True)


def test_a_counsellor_ringing_for_one_call_is_not_offered_another_until_the_reservation_lapses(
    app: Flask, hotline: Hotline, emulator: TwilioEmulator, session: Session
) -> None:
    hotline.line(language="ru")
    hotline.counsellor("Aigul", AIGUL, languages="ru")
    ringing = hand_made_call(app, "CA" + "7" * 32)
    assert [n.text for n in twiml(ringing).iter("Number")] == [AIGUL]
    aigul = session.scalars(select(Counsellor)).one()
    assert aigul.reserved_for == "CA" + "7" * 32

    record = emulator.call(CALLER, LINE, keys=["2", "1"])  # the first call's callbacks are lost

    assert dials(record) == [[(AIGUL, LegResult.ACCEPTED)]]
    assert held_turns(record)
    # Held until the lost call's reservation lapsed: its 20 s ring and 30 s of grace.
    offers = session.scalars(select(CallAttempt).order_by(CallAttempt.id)).all()
    waited = (offers[1].offered_at - offers[0].offered_at).total_seconds()
    assert 50 <= waited <= 55
    session.expire_all()
    assert aigul.reserved_for is None and aigul.on_call_sid is None  # this call ended: freed


def test_a_declined_offer_frees_the_counsellor_at_once(
    hotline: Hotline, emulator: TwilioEmulator, session: Session
) -> None:
    hotline.line(language="ru")
    hotline.counsellor("Aigul", AIGUL, languages="ru", behaviour=Behaviour.REJECT_SCREEN)
    emulator.call(CALLER, LINE, keys=["2", "1", "3"])
    aigul = session.scalars(select(Counsellor)).one()
    assert (aigul.reserved_for, aigul.reserved_until, aigul.wrap_up_until) == (None, None, None)
