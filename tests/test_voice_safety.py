"""A caller never hears an application error, and a forged webhook writes nothing."""

from __future__ import annotations

import io
import time

from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from twilio.request_validator import RequestValidator

from hotline.models import Call
from hotline.simulator import APPLICATION_ERROR, Behaviour, EventKind, LegResult, TwilioEmulator
from tests.conftest import (
    AUTH_TOKEN,
    LINE,
    PUBLIC_URL,
    RESERVE,
    AppMaker,
    Hotline,
    HotlineCliRunner,
    signed,
    twiml,
    verbs,
    voice_form,
)

CALLER = "+996700123456"
AIGUL = "+996555000101"
FORM = voice_form("CA" + "1" * 32, CALLER, CallStatus="ringing")


def calls(session: Session) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(Call)) or 0


def test_signed_webhook_is_answered_and_forged_ones_get_403_and_write_nothing(
    app: Flask, hotline: Hotline, session: Session
) -> None:
    hotline.line()
    client = app.test_client()
    forged = [
        {},  # no signature header at all: 403, not a 500
        {"X-Twilio-Signature": "bm90IGEgc2lnbmF0dXJl"},
        signed("/voice/incoming", FORM, token="someone-elses-token"),
        signed("/voice/incoming", {**FORM, "From": "+996700000000"}),  # form altered after signing
        {"X-Twilio-Signature": "подпись"},  # not even base64
    ]
    for headers in forged:
        response = client.post("/voice/incoming", data=FORM, headers=headers)
        assert response.status_code == 403
    assert calls(session) == 0
    good = client.post("/voice/incoming", data=FORM, headers=signed("/voice/incoming", FORM))
    assert good.status_code == 200 and good.mimetype == "text/xml"
    assert verbs(good.get_data(as_text=True)) == ["Gather"]  # the language menu
    assert calls(session) == 1


def test_a_webhook_signed_with_the_url_s_port_written_out_is_twilio_s_too(
    app: Flask, hotline: Hotline, session: Session
) -> None:
    hotline.line()
    url = PUBLIC_URL + ":443/voice/incoming"  # Twilio signs some requests so
    headers = {"X-Twilio-Signature": RequestValidator(AUTH_TOKEN).compute_signature(url, FORM)}
    answer = app.test_client().post("/voice/incoming", data=FORM, headers=headers)
    assert answer.status_code == 200 and calls(session) == 1


def test_with_redis_down_the_caller_still_reaches_a_counsellor(
    make_app: AppMaker, app: Flask, session: Session
) -> None:
    no_redis, emulator = make_app(REDIS_URL="redis://127.0.0.1:1/0")
    Hotline(no_redis, emulator).line()
    Hotline(no_redis, emulator).counsellor("Aigul", AIGUL)
    record = emulator.call(CALLER, LINE, keys=["1", "1"])
    legs = [(leg.number, leg.result) for e in record.events(EventKind.DIAL) for leg in e.legs]
    assert legs == [(AIGUL, LegResult.ACCEPTED)]


def test_with_the_database_down_the_caller_reaches_the_reserve_line_within_a_second(
    make_app: AppMaker, app: Flask
) -> None:
    _, emulator = make_app(DATABASE_URL="postgresql+psycopg://x@127.0.0.1:1/none")
    emulator.add_line(LINE)
    emulator.add_phone(RESERVE, Behaviour.ANSWER_ACCEPT)
    started = time.monotonic()
    record = emulator.call(CALLER, LINE)
    first_answer = record.requests[0]
    assert time.monotonic() - started < 1.0
    assert first_answer.path == "/voice/incoming" and first_answer.status == 200
    assert [n.text for n in twiml(first_answer.body).iter("Number")] == [RESERVE]
    assert [e.number for e in record.events(EventKind.CONNECTED)] == [RESERVE]
    assert APPLICATION_ERROR not in str(record.transcript)
    assert not record.requests_to("/voice/fallback")  # our own answer sufficed


def test_fallback_url_dials_the_reserve_line_without_the_database(
    make_app: AppMaker, app: Flask
) -> None:
    no_db, _ = make_app(DATABASE_URL="postgresql+psycopg://x@127.0.0.1:1/none")
    form = {**FORM, "ErrorCode": "11200", "ErrorUrl": PUBLIC_URL + "/voice/incoming"}
    response = no_db.test_client().post(
        "/voice/fallback", data=form, headers=signed("/voice/fallback", form)
    )
    assert response.status_code == 200 and response.mimetype == "text/xml"
    document = twiml(response.get_data(as_text=True))
    # Spoken in Kyrgyz (audio) and Russian (a voice) before the reserve line rings.
    assert [verb.tag for verb in document][:3] == ["Play", "Say", "Dial"]
    assert document[0].text == "/voice/prompts/ky/reserve_connecting.wav"
    assert document[1].get("language") == "ru-RU"
    dial = document[2]
    assert dial.get("callerId") == LINE and [n.text for n in dial] == [RESERVE]


def test_without_a_reserve_number_the_emergency_numbers_are_read(
    make_app: AppMaker, app: Flask
) -> None:
    no_db, _ = make_app(HOTLINE_BACKUP_NUMBER=None, DATABASE_URL="sqlite:////nonexistent/x.db")
    response = no_db.test_client().post(
        "/voice/incoming", data=FORM, headers=signed("/voice/incoming", FORM)
    )
    assert response.status_code == 200
    document = twiml(response.get_data(as_text=True))
    assert [verb.tag for verb in document] == ["Play", "Say", "Hangup"]  # ky audio, ru voice
    assert document[0].text is not None and document[0].text.endswith("/emergency_numbers.wav")


def test_prompt_audio_is_served_with_its_type_and_cacheable(app: Flask) -> None:
    response = app.test_client().get("/voice/prompts/ky/welcome.wav")
    assert response.status_code == 200 and response.mimetype == "audio/wav"
    assert response.data[:4] == b"RIFF"
    assert "max-age=86400" in response.headers["Cache-Control"]
    response.close()
    assert app.test_client().get("/voice/prompts/ky/..%2Fky.yaml").status_code == 404
    assert app.test_client().get("/voice/prompts/xx/welcome.wav").status_code == 404


def test_a_call_to_an_unregistered_number_reaches_the_reserve_line_and_logs_one_clear_line(
    emulator: TwilioEmulator, session: Session, captured_logs: io.StringIO
) -> None:
    unregistered = "+996312900999"  # bought on Twilio, not yet `hotline line add`ed
    emulator.add_line(unregistered)
    emulator.add_phone(RESERVE, Behaviour.ANSWER_ACCEPT)
    record = emulator.call(CALLER, unregistered)

    assert [e.number for e in record.events(EventKind.CONNECTED)] == [RESERVE]
    dial = twiml(record.requests_to("/voice/incoming")[0].body).find("Dial")
    assert dial is not None and dial.get("callerId") == unregistered
    logged = [line for line in captured_logs.getvalue().splitlines() if "hotline." in line]
    assert logged == [
        "hotline.ivr.answer WARNING call to +996 *** *** *99, which is no registered line "
        "(hotline line add): sent to the reserve line"
    ]
    assert calls(session) == 0  # nothing to record it against


def test_make_run_warns_when_no_reserve_number_is_set(make_app: AppMaker, app: Flask) -> None:
    without, _ = make_app(HOTLINE_BACKUP_NUMBER=None)
    warned = HotlineCliRunner(without).invoke(args=["demo", "banner"])
    assert warned.exit_code == 0
    assert "warning: HOTLINE_BACKUP_NUMBER is not set" in warned.output
    quiet = HotlineCliRunner(app).invoke(args=["demo", "banner"])
    assert "warning" not in quiet.output
