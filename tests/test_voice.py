"""Whole calls through the emulator: languages, rotation, screening, and the call log."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session
from twilio.twiml.voice_response import Dial, VoiceResponse

from hotline.db import engine
from hotline.extensions import get_keyring
from hotline.ivr.turn import voice
from hotline.ivr.twiml import CounsellorLeg, Ringing, ring_counsellors
from hotline.models import (
    AttemptResult,
    Block,
    Call,
    CallAttempt,
    CallOutcome,
    Counsellor,
    Strategy,
)
from hotline.simulator import (
    HANGUP,
    Behaviour,
    CallRecord,
    EventKind,
    LegResult,
    TwilioEmulator,
)
from tests.conftest import (
    LINE,
    RESERVE,
    Hotline,
    hunt_answers,
    reads_of,
    signed,
    spoken,
    twiml,
    verbs,
    voice_form,
)

CALLER = "+996700123456"
AIGUL, BAKYT, CHOLPON = "+996555000101", "+996555000202", "+996555000303"
DIGIT = {"ky": "1", "ru": "2", "uz": "3", "en": "4"}
SAY_LANGUAGE = {"ru": "ru-RU", "en": "en-US"}  # Twilio voices; ky and uz are audio


def the_call(session: Session, record: CallRecord) -> Call:
    session.expire_all()
    return session.scalars(select(Call).where(Call.call_sid == record.call_sid)).one()


def attempts(session: Session, call: Call) -> list[tuple[str, AttemptResult]]:
    rows = session.scalars(
        select(CallAttempt).where(CallAttempt.call_id == call.id).order_by(CallAttempt.id)
    )
    return [(session.get_one(Counsellor, a.counsellor_id).name, a.result) for a in rows]


def dials(record: CallRecord) -> list[list[tuple[str, LegResult]]]:
    return [[(leg.number, leg.result) for leg in e.legs] for e in record.events(EventKind.DIAL)]


@pytest.mark.parametrize("lang", ["ky", "ru", "uz", "en"])
def test_caller_picks_a_language_and_reaches_a_counsellor_who_speaks_it(
    lang: str, hotline: Hotline, emulator: TwilioEmulator, session: Session
) -> None:
    hotline.line(language="ky")
    hotline.counsellor("Aigul", AIGUL, languages="ru" if lang != "ru" else "ky")
    hotline.counsellor("Bakyt", BAKYT, languages=lang)
    record = emulator.call(CALLER, LINE, keys=[DIGIT[lang], "1"])

    assert dials(record) == [[(BAKYT, LegResult.ACCEPTED)]]
    dial = record.events(EventKind.DIAL)[0]
    assert dial.number == LINE  # the caller sees the line's number, never a counsellor's
    connected = record.events(EventKind.CONNECTED)
    assert [e.number for e in connected] == [BAKYT]
    # The menu after the language choice speaks that language: audio for ky/uz, a voice else.
    menu_request = record.requests_to("/voice/language")[0].body
    assert verbs(menu_request) == ["Gather"]
    if lang in ("ky", "uz"):
        assert spoken(menu_request) == [
            f"/voice/prompts/{lang}/main_menu.wav",
            f"/voice/prompts/{lang}/main_menu_more.wav",
        ]
    else:
        assert spoken(menu_request) == [f"say:{SAY_LANGUAGE[lang]}"] * 2
    # Asked for a counsellor, the caller is rung through in the menu's own answer: no Redirect
    # to /voice/hunt, a round trip to Twilio fewer before the first ring.
    assert [r.path for r in record.requests][:3] == [
        "/voice/incoming",
        "/voice/language",
        "/voice/menu",
    ]
    dial = twiml(record.requests_to("/voice/menu")[0].body).find("Dial")
    assert dial is not None
    assert (dial.get("callerId"), dial.get("answerOnBridge"), dial.get("record")) == (
        LINE,
        "true",
        "do-not-record",
    )

    call = the_call(session, record)
    assert (call.language, call.outcome, call.menu_path) == (
        lang,
        CallOutcome.ANSWERED,
        f"L{DIGIT[lang]} M1",
    )
    assert call.counsellor_id is not None and call.answered_at is not None
    assert call.ended_at is not None and call.duration_seconds == record.duration
    assert attempts(session, call) == [("Bakyt", AttemptResult.ACCEPTED)]
    offer = session.scalars(select(CallAttempt).where(CallAttempt.call_id == call.id)).one()
    assert offer.ring_seconds is not None and 0 <= offer.ring_seconds <= 30  # how long it rang


def test_voicemail_never_takes_the_call_and_the_next_counsellor_does(
    app: Flask, hotline: Hotline, emulator: TwilioEmulator, session: Session
) -> None:
    hotline.line()
    hotline.counsellor("Aigul", AIGUL, behaviour=Behaviour.VOICEMAIL, position=1)
    hotline.counsellor("Bakyt", BAKYT, position=2)
    call_reads = reads_of("call", app)
    record = emulator.call(CALLER, LINE, keys=["2", "1"])
    # On SQLite each Dial's end read the call once (Aigul's, unanswered, also for the hunt that
    # rang Bakyt; his, after the talk), and the menu's hunt once. PostgreSQL reads it in the
    # statements that write: the menu step's UPDATE, each Dial's end. No hunt reads it again.
    alone = 0 if engine(app).dialect.name == "postgresql" else 3
    assert len(call_reads) == alone

    assert dials(record) == [[(AIGUL, LegResult.SCREEN_DECLINED)], [(BAKYT, LegResult.ACCEPTED)]]
    call = the_call(session, record)
    assert attempts(session, call) == [
        ("Aigul", AttemptResult.DECLINED),
        ("Bakyt", AttemptResult.ACCEPTED),
    ]
    assert call.outcome == CallOutcome.ANSWERED and call.attempt_count == 2
    # Between attempts the caller hears the hold prompt, in Russian, from a Twilio voice.
    assert spoken(hunt_answers(record)[1]) == ["say:ru-RU"]
    # Aigul's Dial ended: its action rings Bakyt in its own answer, with no /voice/hunt between.
    assert twiml(record.requests_to("/voice/dial-done")[0].body).findtext("Dial/Number") == BAKYT
    assert record.requests_to("/voice/hunt") == []


def test_busy_counsellor_is_skipped(
    hotline: Hotline, emulator: TwilioEmulator, session: Session
) -> None:
    hotline.line()
    hotline.counsellor("Aigul", AIGUL, behaviour=Behaviour.BUSY, position=1)
    hotline.counsellor("Bakyt", BAKYT, position=2)
    record = emulator.call(CALLER, LINE, keys=["1", "1"])
    assert dials(record) == [[(AIGUL, LegResult.BUSY)], [(BAKYT, LegResult.ACCEPTED)]]
    assert attempts(session, the_call(session, record)) == [
        ("Aigul", AttemptResult.BUSY),
        ("Bakyt", AttemptResult.ACCEPTED),
    ]


def test_counsellor_in_wrap_up_is_skipped_and_gets_wrap_up_after_a_call(
    hotline: Hotline, emulator: TwilioEmulator, session: Session
) -> None:
    hotline.line()
    hotline.counsellor("Aigul", AIGUL, position=1)
    hotline.counsellor("Bakyt", BAKYT, position=2)
    first = emulator.call(CALLER, LINE, keys=["1", "1"])
    assert dials(first) == [[(AIGUL, LegResult.ACCEPTED)]]
    session.expire_all()
    aigul = session.scalars(select(Counsellor).where(Counsellor.name == "Aigul")).one()
    assert aigul.on_call_sid is None and aigul.wrap_up_until is not None
    assert aigul.wrap_up_until > emulator.clock.now() + timedelta(seconds=100)  # two minutes

    second = emulator.call("+996700999888", LINE, keys=["1", "1"])
    assert dials(second) == [[(BAKYT, LegResult.ACCEPTED)]]


def test_nobody_on_shift_offers_a_callback_and_never_rings_forever(
    hotline: Hotline, emulator: TwilioEmulator, session: Session
) -> None:
    hotline.line()
    hotline.counsellor("Aigul", AIGUL, on_duty=False)  # no shifts, no duty: not on call
    emulator.add_phone(RESERVE)
    record = emulator.call(CALLER, LINE, keys=["2", "1", None])

    assert dials(record) == [[(RESERVE, LegResult.ACCEPTED)]]
    assert AIGUL not in str(record.transcript)
    after_hunt = twiml(hunt_answers(record)[0])
    assert [(v.tag, v.get("action")) for v in after_hunt] == [("Gather", "/voice/after-hunt")]
    assert the_call(session, record).outcome == CallOutcome.RESERVE_LINE
    assert len(record.requests) < 12


def test_every_counsellor_unavailable_ends_within_the_wait_bound(
    hotline: Hotline, emulator: TwilioEmulator, session: Session
) -> None:
    hotline.line(max_wait_seconds=50, ring_seconds=20)
    for i, phone in enumerate((AIGUL, BAKYT, CHOLPON)):
        hotline.counsellor(f"C{i}", phone, behaviour=Behaviour.IGNORE, position=i)
    record = emulator.call(CALLER, LINE, keys=["2", "1", "3", HANGUP])  # 3: emergency numbers
    hunts = hunt_answers(record)
    offered = [int(twiml(h).find("Dial").get("timeout", "0")) for h in hunts[:-1]]  # type: ignore[union-attr]
    assert len(offered) >= 2 and sum(offered) <= 50  # the bound holds, prompts included
    assert len(dials(record)) == len(offered)
    # Then the callback / information menu.
    assert twiml(hunts[-1]).find("Gather").get("action") == "/voice/after-hunt"  # type: ignore[union-attr]
    assert spoken(record.requests_to("/voice/emergency")[0].body) == ["say:ru-RU"]  # a voice
    call = the_call(session, record)
    assert [r for _, r in attempts(session, call)] == [AttemptResult.NO_ANSWER] * len(offered)
    assert call.outcome == CallOutcome.INFORMATION


def test_blocked_caller_hears_a_short_message_and_the_call_ends(
    hotline: Hotline, emulator: TwilioEmulator, session: Session, app: object
) -> None:
    from hotline.extensions import get_keyring

    hotline.line()
    hotline.counsellor("Aigul", AIGUL)
    session.add(Block(caller=get_keyring(app).pseudonym(CALLER), reason="abuse"))  # type: ignore[arg-type]
    session.commit()
    record = emulator.call(CALLER, LINE, keys=["1", "1"])
    assert dials(record) == []
    assert record.events(EventKind.HANGUP)
    answer = record.requests_to("/voice/incoming")[0].body
    assert (spoken(answer), verbs(answer)) == (
        ["/voice/prompts/ky/blocked.wav"],
        ["Play", "Hangup"],
    )
    assert the_call(session, record).outcome == CallOutcome.BLOCKED


@pytest.mark.parametrize("blocked", [False, True])
def test_twilio_retrying_incoming_records_the_call_once(
    blocked: bool, hotline: Hotline, session: Session, app: Flask
) -> None:
    hotline.line()
    if blocked:
        session.add(Block(caller=get_keyring(app).pseudonym(CALLER), reason="abuse"))
        session.commit()
    form = voice_form("CA" + "7" * 32, CALLER, CallStatus="ringing")
    client = app.test_client()
    answers = [
        client.post("/voice/incoming", data=form, headers=signed("/voice/incoming", form))
        for _ in range(2)
    ]

    assert [a.status_code for a in answers] == [200, 200]
    assert answers[0].get_data() == answers[1].get_data()
    calls = session.scalars(select(Call).where(Call.call_sid == form["CallSid"])).all()
    assert len(calls) == 1
    expected = CallOutcome.BLOCKED if blocked else CallOutcome.IN_PROGRESS
    assert (calls[0].outcome, calls[0].menu_path, calls[0].invalid_keys) == (expected, "", 0)


def test_a_caller_blocked_before_twilio_retries_incoming_is_turned_away_and_recorded_so(
    hotline: Hotline, session: Session, app: Flask
) -> None:
    """The first request recorded the call in progress; a supervisor blocks the caller; Twilio
    retries the same request: the caller hears the blocked message and the call is BLOCKED."""
    hotline.line()
    form = voice_form("CA" + "8" * 32, CALLER, CallStatus="ringing")
    client = app.test_client()
    headers = signed("/voice/incoming", form)
    first = client.post("/voice/incoming", data=form, headers=headers)
    session.add(Block(caller=get_keyring(app).pseudonym(CALLER), reason="abuse"))
    session.commit()
    retry = client.post("/voice/incoming", data=form, headers=headers)

    assert (first.status_code, retry.status_code) == (200, 200)
    assert verbs(retry.get_data(as_text=True)) == ["Play", "Hangup"]
    session.expire_all()
    call = session.scalars(select(Call).where(Call.call_sid == form["CallSid"])).one()
    assert call.outcome == CallOutcome.BLOCKED


def test_invalid_keys_repeat_the_menu_twice_then_go_to_a_counsellor(
    hotline: Hotline, emulator: TwilioEmulator, session: Session
) -> None:
    hotline.line()
    hotline.counsellor("Aigul", AIGUL)
    record = emulator.call(CALLER, LINE, keys=["2", "9", "7"])
    assert dials(record) == [[(AIGUL, LegResult.ACCEPTED)]]
    call = the_call(session, record)
    assert call.invalid_keys == 2 and call.outcome == CallOutcome.ANSWERED


def test_wrong_language_keys_twice_reach_a_counsellor_in_the_lines_language(
    hotline: Hotline, emulator: TwilioEmulator, session: Session
) -> None:
    hotline.line(language="ky")
    hotline.counsellor("Aigul", AIGUL, languages="ky")
    record = emulator.call(CALLER, LINE, keys=["9", "9"])
    assert dials(record) == [[(AIGUL, LegResult.ACCEPTED)]]
    assert [r.path for r in record.requests][:4] == [
        "/voice/incoming",
        "/voice/language",
        "/voice/language",  # the second wrong key: its answer rings her
        "/voice/screen",
    ]
    call = the_call(session, record)
    # Wrong keys are counted, never added to the menu path.
    assert (call.language, call.invalid_keys, call.menu_path) == ("ky", 2, "")


def test_a_caller_going_round_the_menus_leaves_a_trail_that_stops_at_its_limit(
    hotline: Hotline, app: Flask, session: Session
) -> None:
    hotline.line()
    client = app.test_client()
    sid = "CA" + "8" * 32
    form = voice_form(sid, CALLER, CallStatus="ringing")
    client.post("/voice/incoming", data=form, headers=signed("/voice/incoming", form))
    for _ in range(30):  # the centres near you, and back to the main menu, again and again
        path, form = "/voice/menu?tries=0", voice_form(sid, CALLER, Digits="3")
        answer = client.post(path, data=form, headers=signed(path, form))
        assert verbs(answer.get_data(as_text=True)) == ["Redirect"]  # on, not the reserve line
    call = session.scalars(select(Call).where(Call.call_sid == sid)).one()
    # 21 steps fill 62 of the path's 64 characters; a 22nd would pass them.
    assert call.menu_path == " ".join(["M3"] * 21)


@pytest.mark.parametrize("path", ["/voice/language?tries=0", "/voice/menu?tries=0"])
def test_a_menu_step_of_a_call_never_recorded_reaches_the_reserve_line(
    path: str, hotline: Hotline, app: Flask, session: Session
) -> None:
    hotline.line()
    form = voice_form("CA" + "9" * 32, CALLER, Digits="1")
    answer = app.test_client().post(path, data=form, headers=signed(path, form))
    assert answer.status_code == 200
    assert twiml(answer.get_data(as_text=True)).findtext("Dial/Number") == RESERVE
    assert session.scalars(select(Call)).all() == []  # nothing made up for it


def test_returning_caller_hears_their_language_first(
    hotline: Hotline, emulator: TwilioEmulator
) -> None:
    hotline.line(language="ky")
    hotline.counsellor("Aigul", AIGUL)
    emulator.call(CALLER, LINE, keys=["3", "1"])  # Uzbek
    again = emulator.call(CALLER, LINE, keys=[None, None])
    heard = spoken(again.requests_to("/voice/incoming")[0].body)
    assert heard == [
        "/voice/prompts/ky/welcome.wav",
        "/voice/prompts/uz/language_option.wav",
        "/voice/prompts/ky/language_option.wav",
        "say:ru-RU",
        "say:en-US",
    ]
    stranger = emulator.call("+996700555444", LINE, keys=[None])
    assert spoken(stranger.requests_to("/voice/incoming")[0].body) == [
        "/voice/prompts/ky/welcome.wav",
        "/voice/prompts/ky/language_option.wav",
        "say:ru-RU",
        "/voice/prompts/uz/language_option.wav",
        "say:en-US",
    ]


def test_a_hunt_on_a_centre_line_reads_the_centre_with_the_call(
    app: Flask, hotline: Hotline, emulator: TwilioEmulator
) -> None:
    hotline.centres()
    hotline.line(centre="sezim")
    hotline.counsellor("National", BAKYT, position=1)
    hotline.counsellor("Aigul", AIGUL, centre="sezim", position=2)
    centre_read_alone = reads_of("centre", app)
    call_read_alone = reads_of("call", app)
    record = emulator.call(CALLER, LINE, keys=["2", "1"])
    assert dials(record) == [[(AIGUL, LegResult.ACCEPTED)]]  # the line's own centre first
    assert centre_read_alone == []  # with the call and its line, not in a round trip of its own
    # The menu's 1 hunts in its answer: on PostgreSQL its step's UPDATE reads back the call
    # and line the hunt needs (SQLite's RETURNING cannot read a joined table). The dial action's
    # read, after the talk, is the same with whether a counsellor took the call.
    hunts_read = [
        s
        for s in call_read_alone
        if s.startswith("SELECT call.id, call.call_sid,") and "counsellor_id IS NOT NULL" not in s
    ]
    assert len(hunts_read) == (0 if engine(app).dialect.name == "postgresql" else 1)


def test_national_line_rings_the_osh_centre_first_for_an_osh_landline(
    hotline: Hotline, emulator: TwilioEmulator, session: Session
) -> None:
    hotline.centres()
    hotline.line(centre=None)
    hotline.counsellor("Bishkek", AIGUL, centre="sezim", position=1)
    hotline.counsellor("Osh", BAKYT, centre="ak-jurok", position=2)
    record = emulator.call("+996322255608", LINE, keys=["1", "1"])  # an Osh city landline
    assert dials(record) == [[(BAKYT, LegResult.ACCEPTED)]]
    assert the_call(session, record).caller_area == "osh-city"
    emulator.clock.advance(180)  # past Osh's wrap-up
    oblast = emulator.call("+996323426033", LINE, keys=["1", "1"])  # Gulcha, Osh oblast
    assert dials(oblast) == [[(BAKYT, LegResult.ACCEPTED)]]  # Osh city's centre serves it
    mobile = emulator.call(CALLER, LINE, keys=["1", "1"])
    assert dials(mobile) == [[(AIGUL, LegResult.ACCEPTED)]]


def test_duplicate_and_reordered_status_callbacks_are_harmless(
    hotline: Hotline, emulator: TwilioEmulator, session: Session
) -> None:
    hotline.line()
    hotline.counsellor("Aigul", AIGUL)
    emulator.duplicate_status_callbacks = True
    emulator.reverse_status_callbacks = True
    record = emulator.call(CALLER, LINE, keys=["1", "1"])
    assert len(record.requests_to("/voice/status")) >= 2
    call = the_call(session, record)
    assert call.outcome == CallOutcome.ANSWERED and call.duration_seconds == record.duration
    assert len(session.scalars(select(Call)).all()) == 1


def test_caller_hanging_up_in_the_menu_is_logged_as_abandoned(
    hotline: Hotline, emulator: TwilioEmulator, session: Session
) -> None:
    hotline.line()
    record = emulator.call(CALLER, LINE, keys=["1", HANGUP])
    call = the_call(session, record)
    assert call.outcome == CallOutcome.ABANDONED_IN_MENU and call.ended_at is not None


def post_signed(app: Flask, path: str, sid: str, **extra: str) -> str:
    """A hand-made voice webhook from CALLER, signed as Twilio would; the answer's body."""
    form = voice_form(sid, CALLER, **extra)
    answer = app.test_client().post(path, data=form, headers=signed(path, form))
    assert answer.status_code in (200, 204)
    return answer.get_data(as_text=True)


def ring_aigul(hotline: Hotline, app: Flask, sid: str) -> None:
    """A line with Aigul alone on it, and a caller in Russian whose hunt is ringing her."""
    hotline.line()
    hotline.counsellor("Aigul", AIGUL)
    post_signed(app, "/voice/incoming", sid, CallStatus="ringing")
    post_signed(app, "/voice/language?tries=0", sid, Digits=DIGIT["ru"])
    assert twiml(post_signed(app, "/voice/hunt", sid)).findtext("Dial/Number") == AIGUL


def test_a_caller_hanging_up_while_a_counsellor_rings_ends_the_offer_and_frees_her(
    hotline: Hotline, emulator: TwilioEmulator, app: Flask, session: Session
) -> None:
    sid = "CA" + "a" * 32
    ring_aigul(hotline, app, sid)
    emulator.clock.advance(12)  # she is still ringing when the caller hangs up
    post_signed(app, "/voice/status", sid, CallStatus="completed", CallDuration="31")

    session.expire_all()
    call = session.scalars(select(Call)).one()
    assert (call.outcome, call.duration_seconds) == (CallOutcome.ABANDONED_WAITING, 31)
    assert call.ended_at == emulator.clock.now()
    attempt = session.scalars(select(CallAttempt)).one()
    assert (attempt.result, attempt.ring_seconds) == (AttemptResult.CANCELED, 12)
    aigul = session.scalars(select(Counsellor)).one()
    assert (aigul.reserved_for, aigul.reserved_until, aigul.on_call_sid) == (None, None, None)
    assert aigul.wrap_up_until is None  # she never talked: no pause
    other = emulator.call("+996700999888", LINE, keys=["2", "1"])
    assert dials(other) == [[(AIGUL, LegResult.ACCEPTED)]]  # free for the next caller at once


def test_each_ring_dials_its_own_counsellors_with_its_lines_number_as_caller_id(
    hotline: Hotline, app: Flask, session: Session
) -> None:
    """The ringing answer's frame is built once for each line (`twiml._ring_frame`), its
    numbers for each offer: a line never lends another its caller ID, an offer never another's
    counsellors."""
    second_line = "+996312900200"
    hotline.line(second_line, strategy=Strategy.LINEAR)
    hotline.line(strategy=Strategy.RINGALL)
    for n, (name, phone) in enumerate([("Aigul", AIGUL), ("Bakyt", BAKYT), ("Cholpon", CHOLPON)]):
        hotline.counsellor(name, phone, position=n + 1)
    dials = {}
    for sid, line in [("CA" + "1" * 32, second_line), ("CA" + "2" * 32, LINE)]:
        post_signed(app, "/voice/incoming", sid, To=line, CallStatus="ringing")
        post_signed(app, "/voice/language?tries=0", sid, To=line, Digits=DIGIT["ru"])
        dials[line] = twiml(post_signed(app, "/voice/hunt", sid, To=line)).find("Dial")

    rows = session.execute(
        select(Counsellor.phone_sealed, CallAttempt.id).join(
            CallAttempt, CallAttempt.counsellor_id == Counsellor.id
        )
    ).all()
    keyring = get_keyring(app)
    attempts = {keyring.unseal(sealed): attempt for sealed, attempt in rows}
    for line, phones in [(second_line, [AIGUL]), (LINE, [BAKYT, CHOLPON])]:
        dial = dials[line]
        assert dial is not None and dial.get("callerId") == line
        assert [number.text for number in dial] == phones  # Aigul rings for the first caller
        assert [(n.get("url"), n.get("method")) for n in dial] == [
            (f"/voice/screen?offer=ru&attempt={attempts[phone]}", "POST") for phone in phones
        ]
        assert (dial.get("answerOnBridge"), dial.get("record")) == ("true", "do-not-record")


def test_the_ringing_answer_is_the_document_twilio_builds_whole(app: Flask) -> None:
    """Its frame is kept and its <Number>s are written by hand (`twiml.ring_counsellors`): the
    answer must still be, byte for byte, what twilio's library writes for the whole, also for a
    URL with characters XML escapes."""
    legs = [
        CounsellorLeg(AIGUL, "/voice/screen?offer=ru&attempt=7"),
        CounsellorLeg(BAKYT, '/voice/screen?offer="ru"&attempt=<8>\t\n'),
    ]
    ringing = Ringing(20, 4 * 3600, "/voice/dial-done")
    with app.test_request_context():
        spoken = voice()
        built = ring_counsellors(spoken, "ru", "connecting", legs, LINE, ringing)
        whole = VoiceResponse()
        spoken.speak(whole, "ru", "connecting")
    dial = Dial(
        caller_id=LINE,
        answer_on_bridge=True,
        record="do-not-record",
        timeout=20,
        time_limit=4 * 3600,
        action="/voice/dial-done",
        method="POST",
    )
    for leg in legs:
        dial.number(leg.number, url=leg.screen_url, method="POST")
    whole.append(dial)
    assert built == str(whole)


def test_a_dial_nobody_took_records_each_ring_and_frees_the_counsellors(
    hotline: Hotline, emulator: TwilioEmulator, session: Session
) -> None:
    hotline.line(ring_seconds=20)
    hotline.counsellor("Aigul", AIGUL, behaviour=Behaviour.IGNORE, position=1)
    hotline.counsellor("Bakyt", BAKYT, behaviour=Behaviour.BUSY, position=2)
    record = emulator.call(CALLER, LINE, keys=["2", "1", HANGUP])
    assert dials(record)[:2] == [[(AIGUL, LegResult.NO_ANSWER)], [(BAKYT, LegResult.BUSY)]]
    rings = session.execute(
        select(Counsellor.name, CallAttempt.result, CallAttempt.ring_seconds)
        .join(Counsellor, CallAttempt.counsellor_id == Counsellor.id)
        .order_by(CallAttempt.id)
    ).all()
    assert [(name, result) for name, result, _ in rings[:2]] == [
        ("Aigul", AttemptResult.NO_ANSWER),
        ("Bakyt", AttemptResult.BUSY),
    ]
    # From the offer: the prompt before the Dial, then Aigul rang its 20 s out; Bakyt's phone
    # was busy at once.
    assert rings[0].ring_seconds >= 20 and rings[1].ring_seconds < 10
    held = session.scalars(select(Counsellor.reserved_for)).all()
    assert held == [None, None]


def test_a_counsellor_who_did_not_answer_is_free_for_other_callers_at_once(
    hotline: Hotline, app: Flask, session: Session
) -> None:
    sid = "CA" + "e" * 32
    ring_aigul(hotline, app, sid)
    aigul = session.scalars(select(Counsellor)).one()
    assert aigul.reserved_for == sid

    post_signed(app, "/voice/dial-done", sid, DialCallStatus="no-answer")
    session.expire_all()
    # The caller is still on the line (she is not rung again for this call), but her
    # reservation ends with the Dial, not with the call.
    assert (aigul.reserved_for, aigul.reserved_until, aigul.wrap_up_until) == (None, None, None)
    attempt = session.scalars(select(CallAttempt)).one()
    assert attempt.result == AttemptResult.NO_ANSWER and attempt.ring_seconds is not None
    assert session.scalars(select(Call.ended_at)).one() is None


def test_a_dial_action_for_a_call_never_recorded_reaches_the_reserve_line(
    hotline: Hotline, app: Flask, session: Session
) -> None:
    hotline.line()
    body = post_signed(app, "/voice/dial-done", "CA" + "d" * 32, DialCallStatus="no-answer")
    assert twiml(body).findtext("Dial/Number") == RESERVE
    assert session.scalars(select(CallAttempt)).all() == []


@pytest.mark.parametrize(
    ("status", "keys", "outcome"),
    [
        ("canceled", [], CallOutcome.FAILED),  # the caller gave up before we answered
        ("completed", [], CallOutcome.ABANDONED_IN_MENU),
        ("completed", ["2", "1"], CallOutcome.NO_COUNSELLOR),  # settled before the end: kept
    ],
)
def test_the_status_callback_closes_a_call_by_where_it_ended(
    status: str,
    keys: list[str],
    outcome: CallOutcome,
    hotline: Hotline,
    app: Flask,
    session: Session,
) -> None:
    hotline.line()  # nobody on duty
    sid = "CA" + "b" * 32
    post_signed(app, "/voice/incoming", sid, CallStatus="ringing")
    if keys:
        post_signed(app, "/voice/language?tries=0", sid, Digits=keys[0])
        post_signed(app, "/voice/menu?tries=0", sid, Digits=keys[1])
        post_signed(app, "/voice/hunt", sid)
    post_signed(app, "/voice/status", sid, CallStatus=status, CallDuration="7")
    post_signed(app, "/voice/status", sid, CallStatus="completed", CallDuration="99")  # a repeat
    call = session.scalars(select(Call)).one()
    assert (call.outcome, call.duration_seconds) == (outcome, 7)


def test_a_status_callback_for_a_call_never_recorded_writes_nothing(
    hotline: Hotline, app: Flask, session: Session
) -> None:
    hotline.line()
    hotline.counsellor("Aigul", AIGUL)
    post_signed(app, "/voice/status", "CA" + "c" * 32, CallStatus="completed", CallDuration="5")
    assert session.scalars(select(Call)).all() == []
    assert session.scalars(select(Counsellor)).one().wrap_up_until is None


def test_a_caller_who_presses_nothing_reaches_a_counsellor_in_the_lines_language(
    hotline: Hotline, emulator: TwilioEmulator, session: Session
) -> None:
    hotline.line(language="uz")
    hotline.counsellor("Aigul", AIGUL, languages="uz")
    record = emulator.call(CALLER, LINE, keys=[])
    assert dials(record) == [[(AIGUL, LegResult.ACCEPTED)]]
    # One menu (the languages), then straight to a counsellor: no main menu, no repeats.
    assert [r.path for r in record.requests][:3] == [
        "/voice/incoming",
        "/voice/language",  # its answer rings her
        "/voice/screen",
    ]
    assert len(record.events(EventKind.GATHER)) == 1
    assert spoken(hunt_answers(record)[0]) == ["/voice/prompts/uz/connecting.wav"]
    call = the_call(session, record)
    assert (call.language, call.menu_path, call.outcome) == ("uz", "L-", CallOutcome.ANSWERED)


def test_a_menus_action_is_under_the_path_the_hotline_is_served_at(
    app: Flask, hotline: Hotline
) -> None:
    """The menus' actions are built once and kept (`twiml_url`): kept for each path the app is
    served under, so a hotline behind a prefix never hands Twilio another's URL."""
    hotline.line()
    client = app.test_client()
    for n, (root, action) in enumerate(
        [
            ("", "/voice/language?tries=0"),
            ("/hotline", "/hotline/voice/language?tries=0"),
            ("", "/voice/language?tries=0"),
        ]
    ):
        form = voice_form(f"CA{n:032d}", CALLER, CallStatus="ringing")
        answer = client.post(
            "/voice/incoming",
            data=form,
            headers=signed("/voice/incoming", form),
            base_url="http://localhost" + root,
        )
        assert twiml(answer.get_data(as_text=True)).find("Gather").get("action") == action  # type: ignore[union-attr]
