"""Callbacks end to end: asked for in the IVR, placed by RQ through the emulator, once."""

from __future__ import annotations

import json
import threading
import zlib
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from redis import Redis
from rq.job import Job
from rq.serializers import JSONSerializer
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from hotline import callbacks
from hotline.callbacks.delivery import JOB_TIMEOUT, PLACE_CALLBACK, job_id
from hotline.db import engine, steps_engine
from hotline.extensions import get_keyring
from hotline.models import (
    Callback,
    CallbackState,
    Counsellor,
    HeldNumber,
    Line,
    SafeWindow,
    Strategy,
)
from hotline.queue_jobs import FAILURE_TTL, RESULT_TTL
from hotline.simulator import HANGUP, Behaviour, CallRecord, EventKind, TwilioEmulator
from tests.callback_support import Deliveries, hours_until_bishkek, the_callback
from tests.conftest import LINE, Hotline, reads_of, spoken, twiml, verbs
from workers import placing
from workers.sweeping import sweep

CALLER = "+996700123456"
AIGUL, BAKYT = "+996555000101", "+996555000202"
LANG_KEY = {"ky": "1", "ru": "2", "uz": "3", "en": "4"}
SAY_LANGUAGE = {"ru": "ru-RU", "en": "en-US"}  # Twilio voices; ky and uz are audio


def ask_callback(emulator: TwilioEmulator, lang: str = "ky", when: str = "1") -> CallRecord:
    """Language, main menu 2 (callback), 1 safe, 1 this number, `when`."""
    return emulator.call(CALLER, LINE, keys=[LANG_KEY[lang], "2", "1", "1", when])


def outbound_to(records: list[CallRecord], number: str) -> list[CallRecord]:
    return [r for r in records if r.to == number and r.direction == "outbound-api"]


@pytest.fixture
def deliveries(app: Flask, emulator: TwilioEmulator, redis: Redis) -> Deliveries:
    return Deliveries(app, emulator, redis)


@pytest.mark.parametrize("lang", ["ky", "ru", "uz", "en"])
def test_full_callback_counsellor_first_then_the_caller_from_the_lines_number(
    lang: str,
    hotline: Hotline,
    emulator: TwilioEmulator,
    deliveries: Deliveries,
    session: Session,
) -> None:
    hotline.line()
    hotline.counsellor("Aigul", AIGUL, languages=lang)
    emulator.add_phone(CALLER, Behaviour.ANSWER_ACCEPT)  # answers and presses 1
    asked = ask_callback(emulator, lang)
    registered = asked.requests_to("/voice/callback/when")[0].body
    if lang in ("ky", "uz"):
        assert spoken(registered) == [
            f"/voice/prompts/{lang}/callback_registered.wav",
            f"/voice/prompts/{lang}/goodbye.wav",
        ]
    else:
        assert spoken(registered) == [f"say:{SAY_LANGUAGE[lang]}"] * 2
    assert verbs(registered)[-1] == "Hangup"
    placed = deliveries.run()

    [counsellor_call] = outbound_to(placed, AIGUL)
    assert counsellor_call.from_ == LINE  # the counsellor sees the line, not the caller
    [dial] = counsellor_call.events(EventKind.DIAL)
    assert dial.number == LINE and [leg.number for leg in dial.legs] == [CALLER]
    caller_heard = dial.legs[0].transcript
    assert any(
        "callback_caller_screen" in e.text or "Вам звонят" in e.text or "You have a call" in e.text
        for e in caller_heard
    )
    screen = counsellor_call.requests_to("/voice/callback/screen")[0].body
    # The language's "asked at", the time in digits, then what to do, all inside "press 1".
    [gather] = twiml(screen)
    assert gather.tag == "Gather" and gather.get("action", "").startswith("/voice/callback/accept")
    heard = spoken(screen)
    assert heard[1] == "say:ru-RU" and len(heard) == 3
    if lang in ("ky", "uz"):
        assert heard[0] == f"/voice/prompts/{lang}/callback_asked_at.wav"
        assert heard[2] == f"/voice/prompts/{lang}/callback_screen.wav"
    callback = the_callback(session)
    assert callback.state == CallbackState.COMPLETED and callback.number_sealed is None
    assert callback.attempts == 1 and callback.closed_at is not None


def test_a_callback_on_a_centre_line_reads_the_centre_with_its_line(
    app: Flask,
    hotline: Hotline,
    emulator: TwilioEmulator,
    deliveries: Deliveries,
) -> None:
    hotline.centres()
    hotline.line(centre="sezim")
    hotline.counsellor("Aigul", AIGUL, languages="ky", centre="sezim")
    emulator.add_phone(CALLER, Behaviour.ANSWER_ACCEPT)
    ask_callback(emulator)
    centre_read_alone = reads_of("centre", app)
    assert len(outbound_to(deliveries.run(), AIGUL)) == 1
    assert centre_read_alone == []  # with the line, not in a round trip of its own


def test_placing_a_callback_reads_it_in_its_claim_and_its_line_and_centre_with_it(
    app: Flask, hotline: Hotline, emulator: TwilioEmulator, session: Session
) -> None:
    hotline.centres()
    hotline.line(centre="sezim")
    hotline.counsellor("Aigul", AIGUL, languages="ky", centre="sezim")
    emulator.add_phone(CALLER)
    ask_callback(emulator)
    callback_id = the_callback(session).id
    read_alone = {table: reads_of(table, app) for table in ("callback", "line", "centre")}

    assert placing.place(app, callback_id) == "counsellor-rung"

    # The claim's UPDATE reads the callback back; on PostgreSQL it reads the line and its
    # centre too. SQLite's RETURNING reads no other table: there, one SELECT of both follows.
    lines_read = 0 if engine(app).dialect.name == "postgresql" else 1
    assert [len(read_alone[table]) for table in read_alone] == [0, lines_read, 0]
    assert len(outbound_to(emulator.run_pending(), AIGUL)) == 1


def test_placing_a_callback_notes_its_counsellor_and_moves_the_lines_memory_as_it_reserves(
    app: Flask, hotline: Hotline, emulator: TwilioEmulator, session: Session
) -> None:
    hotline.line(strategy=Strategy.RRMEMORY)
    hotline.counsellor("Aigul", AIGUL, languages="ky")
    emulator.add_phone(CALLER)
    ask_callback(emulator)
    callback_id = the_callback(session).id
    run: list[str] = []
    event.listen(engine(app), "before_cursor_execute", lambda *args: run.append(args[2]))

    assert placing.place(app, callback_id) == "counsellor-rung"

    aigul = session.scalars(select(Counsellor.id).where(Counsellor.name == "Aigul")).one()
    assert the_callback(session).counsellor_id == aigul  # the sweeper and the screen read it
    assert session.scalars(select(Line.last_offered_counsellor_id)).one() == aigul
    if engine(app).dialect.name == "postgresql":  # SQLite: each a statement of its own
        own = ("UPDATE line", "UPDATE callback SET counsellor_id")
        assert [s for s in run if s.lstrip().startswith(own)] == []
    assert len(outbound_to(emulator.run_pending(), AIGUL)) == 1


def test_placing_a_callback_writes_its_callsid_as_a_step_that_does_not_wait_for_the_disk(
    app: Flask, hotline: Hotline, emulator: TwilioEmulator, session: Session
) -> None:
    """PostgreSQL: the claim and the reservation commit on the main engine, waiting for the
    disk. The CallSid Twilio answers with is written on the steps' engine, whose commits do not
    wait (hotline.db.call_steps): if the server loses it, the sweeper adopts the call at Twilio
    (test_callback_worker_killed)."""
    if engine(app).dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: make test runs it in its PostgreSQL pass")
    hotline.line()
    hotline.counsellor("Aigul", AIGUL, languages="ky")
    emulator.add_phone(CALLER)
    ask_callback(emulator)
    callback_id = the_callback(session).id
    on_main: list[str] = []
    on_steps: list[str] = []
    event.listen(engine(app), "before_cursor_execute", lambda *args: on_main.append(args[2]))
    event.listen(steps_engine(app), "before_cursor_execute", lambda *args: on_steps.append(args[2]))

    assert placing.place(app, callback_id) == "counsellor-rung"

    def sid_written(statements: list[str]) -> list[str]:
        return [s for s in statements if "SET counsellor_call_sid" in s]

    assert len(sid_written(on_steps)) == 1 and sid_written(on_main) == []
    assert any("WITH claimed" in s for s in on_main)  # the claim: on the main engine
    sid = the_callback(session).counsellor_call_sid
    assert [r.call_sid for r in outbound_to(emulator.run_pending(), AIGUL)] == [sid]


def test_counsellor_ignores_then_another_accepts(
    hotline: Hotline, emulator: TwilioEmulator, deliveries: Deliveries, session: Session
) -> None:
    hotline.line()
    hotline.counsellor("Aigul", AIGUL, behaviour=Behaviour.IGNORE, position=1)
    hotline.counsellor("Bakyt", BAKYT, position=2)
    emulator.add_phone(CALLER)
    ask_callback(emulator)
    placed = deliveries.run()
    assert len(outbound_to(placed, AIGUL)) == 1 and len(outbound_to(placed, BAKYT)) == 1
    assert the_callback(session).state == CallbackState.COMPLETED


def test_voicemail_on_the_callers_phone_is_retried_and_answered_later(
    hotline: Hotline, emulator: TwilioEmulator, deliveries: Deliveries, session: Session
) -> None:
    hotline.line()
    hotline.counsellor("Aigul", AIGUL)
    emulator.add_phone(CALLER, Behaviour.BUSY)
    ask_callback(emulator)
    first = deliveries.run()
    assert len(outbound_to(first, AIGUL)) == 1
    missed = the_callback(session)
    assert (missed.state, missed.attempts) == (CallbackState.SCHEDULED, 1)
    assert missed.number_sealed is not None  # kept for the retry, sealed
    assert deliveries.later(minutes=5) == []  # backoff: nothing before 10 minutes
    emulator.add_phone(CALLER, Behaviour.VOICEMAIL)  # a machine answers: presses nothing
    deliveries.later(minutes=6)
    assert (the_callback(session).state, the_callback(session).attempts) == (
        CallbackState.SCHEDULED,
        2,
    )
    emulator.add_phone(CALLER, Behaviour.ANSWER_ACCEPT)
    deliveries.later(minutes=31)
    done = the_callback(session)
    assert (done.state, done.attempts, done.number_sealed) == (CallbackState.COMPLETED, 3, None)


def test_a_caller_who_never_answers_expires_after_the_attempts(
    hotline: Hotline, emulator: TwilioEmulator, deliveries: Deliveries, session: Session
) -> None:
    hotline.line()
    hotline.counsellor("Aigul", AIGUL)
    emulator.add_phone(CALLER, Behaviour.IGNORE)
    ask_callback(emulator)
    deliveries.run()
    deliveries.later(minutes=11)
    deliveries.later(minutes=31)
    expired = the_callback(session)
    assert (expired.state, expired.attempts, expired.number_sealed) == (
        CallbackState.EXPIRED,
        3,
        None,
    )
    assert deliveries.later(minutes=120) == []


def test_outside_the_safe_window_nothing_rings_until_it_opens(
    hotline: Hotline, emulator: TwilioEmulator, deliveries: Deliveries, session: Session
) -> None:
    hotline.line()
    hotline.counsellor("Aigul", AIGUL)
    emulator.add_phone(CALLER)
    emulator.clock.advance(hours_until_bishkek(emulator, 22).total_seconds())  # 22:00 Bishkek
    ask_callback(emulator, when="2")  # morning, 08:00-12:00
    waiting = the_callback(session)
    assert (waiting.state, waiting.safe_window) == (CallbackState.SCHEDULED, SafeWindow.MORNING)
    assert deliveries.run() == []
    assert deliveries.later(minutes=9 * 60) == []  # 07:00: still too early
    placed = deliveries.later(minutes=61)  # 08:01
    assert len(outbound_to(placed, AIGUL)) == 1
    assert the_callback(session).state == CallbackState.COMPLETED


def test_no_counsellor_free_reschedules_without_counting_an_attempt(
    app: Flask,
    hotline: Hotline,
    emulator: TwilioEmulator,
    deliveries: Deliveries,
    session: Session,
) -> None:
    hotline.line()
    hotline.counsellor("Aigul", AIGUL, on_duty=False)
    emulator.add_phone(CALLER)
    ask_callback(emulator)
    assert deliveries.run() == []
    waiting = the_callback(session)
    assert (waiting.state, waiting.attempts) == (CallbackState.SCHEDULED, 0)
    # Bakyt comes on duty. A job that comes before the callback is due again (delivered twice,
    # or by hand) neither claims it nor rings anyone; once it is due, one does.
    hotline.counsellor("Bakyt", BAKYT)
    assert placing.place(app, waiting.id) == "not-due"
    assert emulator.run_pending() == []
    emulator.clock.advance(60 * callbacks.policy_from(app.config).no_counsellor_minutes)
    assert placing.place(app, waiting.id) == "counsellor-rung"
    assert len(outbound_to(emulator.run_pending(), BAKYT)) == 1


def test_the_same_job_enqueued_twice_places_one_call(
    hotline: Hotline, emulator: TwilioEmulator, deliveries: Deliveries, session: Session
) -> None:
    hotline.line()
    hotline.counsellor("Aigul", AIGUL)
    emulator.add_phone(CALLER)
    ask_callback(emulator)
    callback_id = the_callback(session).id
    for copy in ("a", "b"):  # two more jobs for the same callback, under other ids
        deliveries.queue.enqueue("workers.jobs.place_callback", callback_id, job_id=f"dup-{copy}")
    placed = deliveries.run()
    assert len(outbound_to(placed, AIGUL)) == 1
    assert the_callback(session).state == CallbackState.COMPLETED


def test_a_caller_cancels_a_waiting_callback_from_the_ivr(
    hotline: Hotline, emulator: TwilioEmulator, deliveries: Deliveries, session: Session
) -> None:
    hotline.line()
    hotline.counsellor("Aigul", AIGUL)
    ask_callback(emulator, when="4")  # evening
    record = emulator.call(CALLER, LINE, keys=["1", "2", "1"])  # callback -> pending -> cancel
    assert spoken(record.requests_to("/voice/callback")[0].body) == [
        "/voice/prompts/ky/callback_pending.wav"
    ]
    cancelled = the_callback(session)
    assert (cancelled.state, cancelled.number_sealed) == (CallbackState.CANCELLED, None)
    assert deliveries.later(minutes=24 * 60) == []


def test_a_hidden_caller_keys_in_a_number_and_bad_ones_are_refused(
    app: Flask, hotline: Hotline, emulator: TwilioEmulator, session: Session
) -> None:
    hotline.line()
    refused = emulator.call(
        "anonymous", LINE, keys=["1", "2", "1", "0900123456", "0079121234567", HANGUP]
    )
    answers = [r.body for r in refused.requests_to("/voice/callback/number")]
    assert len(answers) == 2 and all("callback_number_refused" in a for a in answers)
    assert session.scalars(select(Callback)).all() == []
    emulator.call("anonymous", LINE, keys=["1", "2", "1", "0555123456", "1"])
    callback = the_callback(session)
    assert callback.caller is None and callback.number_sealed
    assert get_keyring(app).unseal(callback.number_sealed) == "+996555123456"


def test_callbacks_list_shows_the_queue_but_never_a_number(
    hotline: Hotline, emulator: TwilioEmulator, runner: FlaskCliRunner
) -> None:
    hotline.line()
    ask_callback(emulator, lang="uz", when="3")
    listing = runner.invoke(args=["callbacks", "list"]).output
    assert "uz" in listing and "afternoon" in listing and "1 callback(s)" in listing
    assert "123456" not in listing.replace(" ", "")


def test_no_consent_no_callback_and_no_job(
    hotline: Hotline, emulator: TwilioEmulator, deliveries: Deliveries, session: Session
) -> None:
    hotline.line()
    emulator.call(CALLER, LINE, keys=["1", "2", "2", HANGUP])
    assert deliveries.redis.keys("rq:job:*") == []
    assert deliveries.run() == []


def test_the_job_holds_only_the_id_as_json_with_explicit_ttls(
    hotline: Hotline, emulator: TwilioEmulator, deliveries: Deliveries, session: Session
) -> None:
    hotline.line()
    ask_callback(emulator, when="3")
    callback_id = the_callback(session).id
    job = Job.fetch(job_id(callback_id), connection=deliveries.redis, serializer=JSONSerializer)
    assert (job.func_name, job.args, job.kwargs) == (PLACE_CALLBACK, [callback_id], {})
    assert (job.timeout, job.result_ttl, job.failure_ttl) == (JOB_TIMEOUT, RESULT_TTL, FAILURE_TTL)
    raw = deliveries.redis.hget(f"rq:job:{job.id}", "data")
    assert raw is not None and json.loads(zlib.decompress(raw))  # JSON, not pickle


def test_two_workers_racing_place_one_call(
    app: Flask,
    hotline: Hotline,
    emulator: TwilioEmulator,
    deliveries: Deliveries,
    session: Session,
) -> None:
    hotline.line()
    hotline.counsellor("Aigul", AIGUL)
    emulator.add_phone(CALLER)
    ask_callback(emulator)
    callback_id = the_callback(session).id
    start = threading.Barrier(2)
    results: list[str] = []

    def worker() -> None:
        start.wait()
        results.append(placing.place(app, callback_id))

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    # The loser either saw the claim already made or lost the compare-and-set itself.
    assert sorted(results)[0] == "counsellor-rung" and sorted(results)[1] in ("not-due", "not-open")
    placed = emulator.run_pending()
    assert len(outbound_to(placed, AIGUL)) == 1


def test_a_keyed_in_number_stays_on_the_server_and_is_erased_once_used_or_old(
    app: Flask, hotline: Hotline, emulator: TwilioEmulator, session: Session
) -> None:
    hotline.line(language="ru")
    booked = emulator.call("anonymous", LINE, keys=["2", "2", "1", "0555123456", "4"])
    # No URL, asked or given in an answer, carries the number in any form (sealed included).
    urls = [r.url for r in booked.requests]
    urls += [
        node.get("action") or node.text or ""
        for r in booked.requests
        if r.body.startswith("<?xml")
        for node in twiml(r.body).iter()
        if node.tag in ("Gather", "Redirect")
    ]
    queries = {key for url in urls for key in parse_qs(urlsplit(url).query)}
    assert queries <= {"tries"} and not any("555123456" in url for url in urls)
    assert session.scalars(select(HeldNumber)).all() == []  # sealed in the callback now
    # A caller who keys a number in and hangs up: it is held a quarter of an hour, no more.
    emulator.call("anonymous", LINE, keys=["2", "2", "1", "0555123456", HANGUP])
    assert len(session.scalars(select(HeldNumber)).all()) == 1
    emulator.clock.advance(16 * 60)
    sweep(app)
    session.expire_all()
    assert session.scalars(select(HeldNumber)).all() == []
