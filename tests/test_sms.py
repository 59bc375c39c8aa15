"""The SMS channel: ask for a callback and cancel it by SMS, in four languages, body never kept."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from flask import Flask
from redis import Redis
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.db import engine
from hotline.extensions import get_keyring
from hotline.models import Base, Block, Callback, CallbackState, Direction, Message, SafeWindow
from hotline.simulator import TwilioEmulator
from hotline.sms import memory
from hotline.sms.keywords import Intent, detect_language, read
from hotline.sms.replies import REPLY_KEYS, load_replies
from hotline.sms.segments import is_gsm7, segments
from tests.callback_support import hours_until_bishkek, the_callback
from tests.conftest import ACCOUNT_SID, LINE, RESERVE, AppMaker, Hotline, signed, verbs

CALLER = "+996700123456"
REPLIES = load_replies(Path(__file__).resolve().parent.parent / "config")
CALL_ME = {"ky": "чалып коюңуз", "ru": "ПОЗВОНИТЕ", "uz": "QO'NG'IROQ", "en": "Call me!"}
# A word each language's "is it safe, and when?" question must contain.
SAFE_WORD = {"ky": "коопсуз", "ru": "безопасно", "uz": "xavfsiz", "en": "safe"}
# The word each help reply offers, and the cancel word the "registered" reply offers; they
# must be words the hotline understands.
ADVERTISED = {
    "ky": ("ЧАЛ", "ТОКТОТ"),
    "ru": ("ПОЗВОНИТЕ", "ОТМЕНА"),
    "uz": ("QO'NG'IROQ", "BEKOR"),
    "en": ("CALL", "CANCEL CALL"),
}


def nobody(lang: str) -> str:
    """The honest reply when nobody can answer by SMS, with the reserve line."""
    return REPLIES[lang]["nobody_on_call"].format(reserve=RESERVE)


def texts(emulator: TwilioEmulator, body: str, sender: str = CALLER) -> list[str]:
    """Send an SMS to the line; the bodies of the app's replies."""
    return [reply.body for reply in emulator.send_sms(sender, LINE, body)]


def messages(session: Session) -> list[Message]:
    session.expire_all()
    return list(session.scalars(select(Message).order_by(Message.id)))


def callbacks(session: Session) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(Callback)) or 0


def sms_form(body: str, sid: str = "SM" + "a" * 32) -> dict[str, str]:
    return {
        "MessageSid": sid,
        "AccountSid": ACCOUNT_SID,
        "From": CALLER,
        "To": LINE,
        "Body": body,
        "NumSegments": "1",
        "ApiVersion": "2010-04-01",
    }


@pytest.mark.parametrize("lang", ["ky", "ru", "uz", "en"])
def test_call_me_then_a_digit_books_a_sealed_callback_in_the_senders_language(
    lang: str, app: Flask, hotline: Hotline, emulator: TwilioEmulator, session: Session
) -> None:
    hotline.line(language="ky")
    [question] = texts(emulator, CALL_ME[lang])
    assert question == REPLIES[lang]["ask_when"] and SAFE_WORD[lang] in question
    assert callbacks(session) == 0  # asking is not consent

    [registered] = emulator.send_sms(CALLER, LINE, "2")

    assert registered.body == REPLIES[lang]["registered"] and registered.num_segments == 1
    callback = the_callback(session)
    assert callback.state in (CallbackState.SCHEDULED, CallbackState.PENDING)
    assert callback.safe_window == SafeWindow.MORNING and callback.language == lang
    assert callback.consent and callback.caller == get_keyring(app).pseudonym(CALLER)
    assert callback.number_sealed and CALLER not in callback.number_sealed
    assert get_keyring(app).unseal(callback.number_sealed) == CALLER
    assert callback.source_call_sid and callback.source_call_sid.startswith("SM")
    # The question was answered: a second digit is not a second consent, but a person writing.
    assert texts(emulator, "3") == [nobody("ky")]
    assert the_callback(session).safe_window == SafeWindow.MORNING


def test_replies_get_their_status_and_sid_from_twilios_callbacks(
    hotline: Hotline, emulator: TwilioEmulator, session: Session
) -> None:
    hotline.line()
    [reply] = emulator.send_sms(CALLER, LINE, "ПЕРЕЗВОНИТЕ 4")
    emulator.run_pending()
    inbound, outbound = messages(session)
    assert (inbound.direction, inbound.intent, inbound.language) == (
        Direction.INBOUND,
        "call-me-at",
        "ru",
    )
    assert (outbound.direction, outbound.intent, outbound.message_sid, outbound.status) == (
        Direction.OUTBOUND,
        "registered",
        reply.message_sid,
        "delivered",
    )
    assert outbound.party == inbound.party == the_callback(session).caller
    assert the_callback(session).safe_window == SafeWindow.EVENING


def test_inline_call_with_a_digit_works_with_redis_down(
    make_app: AppMaker, app: Flask, session: Session
) -> None:
    no_redis, emulator = make_app(REDIS_URL="redis://127.0.0.1:1/0")
    Hotline(no_redis, emulator).line()

    # Nowhere to keep the question: the sender is asked for keyword and digit together.
    assert texts(emulator, "CALL") == [REPLIES["en"]["send_inline"]]
    assert texts(emulator, "1") == [REPLIES["ky"]["send_inline"]]
    assert callbacks(session) == 0

    assert texts(emulator, "CALL 1") == [REPLIES["en"]["registered"]]
    callback = the_callback(session)
    assert callback.state == CallbackState.PENDING and callback.safe_window == SafeWindow.ASAP
    assert callback.number_sealed and get_keyring(no_redis).unseal(callback.number_sealed) == CALLER


def test_a_digit_without_a_question_books_nothing_and_is_a_message_for_a_counsellor(
    hotline: Hotline, emulator: TwilioEmulator, session: Session
) -> None:
    hotline.line(language="ru")
    assert texts(emulator, "2") == [nobody("ru")]
    assert callbacks(session) == 0
    assert [m.intent for m in messages(session)] == ["nobody-on-call", "nobody_on_call"]


@pytest.mark.parametrize(
    ("lang", "book", "cancel"),
    [
        ("ky", "ЧАЛЫҢЫЗ 2", "ТОКТОТ"),
        ("ky", "ЧАЛ 2", "Жокко чыгар!"),
        ("ru", "ПОЗВОНИТЕ 2", "отменить"),
        ("uz", "QONGIROQ 2", "bekor"),
        ("uz", "ҚЎНҒИРОҚ 2", "БЕКОР"),
        ("en", "CALL 2", "cancel call"),
    ],
)
def test_cancel_by_sms_erases_the_number_and_says_so(
    lang: str,
    book: str,
    cancel: str,
    hotline: Hotline,
    emulator: TwilioEmulator,
    session: Session,
) -> None:
    hotline.line()
    assert texts(emulator, book) == [REPLIES[lang]["registered"]]

    assert texts(emulator, cancel) == [REPLIES[lang]["cancelled"]]
    callback = the_callback(session)
    assert callback.state == CallbackState.CANCELLED and callback.number_sealed is None

    assert texts(emulator, cancel) == [REPLIES[lang]["nothing_waiting"]]


def test_stop_is_twilios_opt_out_and_leaves_the_callback_alone(
    hotline: Hotline, emulator: TwilioEmulator, session: Session
) -> None:
    hotline.line()
    emulator.clock.advance(hours_until_bishkek(emulator, 22).total_seconds())  # 22:00 Bishkek
    texts(emulator, "CALL 3")  # the afternoon: it waits for tomorrow
    assert texts(emulator, "STOP") == []  # Twilio confirms the opt-out itself
    assert emulator.notifications == []  # and we sent nothing it would have refused (21610)
    callback = the_callback(session)
    assert callback.state == CallbackState.SCHEDULED and callback.number_sealed is not None
    assert messages(session)[-1].intent == "opted-out"


def test_a_bare_cancel_is_twilios_opt_out_too_but_still_cancels_the_callback(
    hotline: Hotline, emulator: TwilioEmulator, session: Session
) -> None:
    hotline.line()
    texts(emulator, "CALL 3")
    assert texts(emulator, "Cancel") == []
    assert emulator.notifications == []
    assert the_callback(session).state == CallbackState.CANCELLED


@pytest.mark.parametrize(
    ("body", "lang"),
    [("ЖАРДАМ", "ky"), ("Помощь", "ru"), ("YORDAM", "uz"), ("Ёрдам!", "uz"), ("INFO", "en")],
)
def test_the_help_keyword_gets_the_help_reply_in_its_language(
    body: str, lang: str, hotline: Hotline, emulator: TwilioEmulator
) -> None:
    hotline.line()
    [reply] = texts(emulator, body)
    assert reply == REPLIES[lang]["help"]
    assert all(number in reply for number in ("102", "103", "112"))
    call_word, cancel_word = ADVERTISED[lang]
    assert call_word in reply and cancel_word in REPLIES[lang]["registered"]
    assert (read(call_word).intent, read(call_word).language) == (Intent.CALL_ME, lang)
    assert (read(cancel_word).intent, read(cancel_word).twilio_opted_out) == (Intent.CANCEL, False)


@pytest.mark.parametrize(
    ("body", "lang"),
    [
        ("Саламатсызбы, мага жардам керекпи", "ky"),
        ("Менин үйүмдө коркунучтуу", "ky"),
        ("помогите", "ru"),
        ("ПОЗВОНИТЕ, он опять пришёл пьяный", "ru"),
        ("Ассалому алайкум, ёрдам керак, ўзим", "uz"),
        ("salom, men o'zim", "uz"),
        ("Assalomu alaykum", "uz"),
        ("Salom", "uz"),
        ("hello?", "en"),
    ],
)
def test_a_person_writing_with_nobody_on_call_hears_the_truth_in_their_language(
    body: str, lang: str, hotline: Hotline, emulator: TwilioEmulator, session: Session
) -> None:
    hotline.line()
    assert texts(emulator, body) == [nobody(lang)]
    assert all(n in nobody(lang) for n in ("102", "103", "112", RESERVE))
    assert callbacks(session) == 0
    assert [m.intent for m in messages(session)] == ["nobody-on-call", "nobody_on_call"]


@pytest.mark.parametrize(
    ("text", "lang"),
    [("Менин үйүм", "ky"), ("Ўзим", "uz"), ("Qo'shni", "uz"), ("Привет", "ru"), ("Hi", "en")],
)
def test_language_is_told_by_the_script(text: str, lang: str) -> None:
    assert detect_language(text) == lang
    assert detect_language("123 !") is None


def test_rate_limit_goes_quiet_after_ten_messages_in_ten_minutes(
    app: Flask, hotline: Hotline, emulator: TwilioEmulator, session: Session, redis: Redis
) -> None:
    hotline.line()
    assert texts(emulator, "CALL 2") == [REPLIES["en"]["registered"]]
    for _ in range(memory.RATE_LIMIT - 1):
        assert texts(emulator, "hello") == [nobody("en")]
    assert texts(emulator, "hello") == []
    # Over the limit a cancel still cancels (a safety step); only the reply is withheld.
    assert texts(emulator, "ОТМЕНА") == []
    assert the_callback(session).state == CallbackState.CANCELLED
    assert texts(emulator, "hello", sender="+996700999888") == [nobody("en")]
    limited = [m for m in messages(session) if m.intent == "rate-limited"]
    assert len(limited) == 2 and limited[0].party == get_keyring(app).pseudonym(CALLER)
    ttl = redis.ttl(memory.rate_key(get_keyring(app).pseudonym(CALLER)))
    assert 0 < ttl <= memory.RATE_WINDOW_SECONDS


def test_blocked_senders_unknown_lines_and_hidden_senders_get_silence(
    app: Flask, hotline: Hotline, emulator: TwilioEmulator, session: Session
) -> None:
    hotline.line()
    session.add(Block(caller=get_keyring(app).pseudonym(CALLER), reason="abuse"))
    session.commit()
    assert texts(emulator, "CALL 1") == []
    assert texts(emulator, "CALL 1", sender="anonymous") == []
    emulator.add_line("+996312900999")  # Twilio's number, but not a line of ours
    assert emulator.send_sms("+996700999888", "+996312900999", "CALL 1") == []
    assert [m.intent for m in messages(session)] == ["blocked", "no-sender", "unknown-line"]
    assert callbacks(session) == 0


def test_forged_sms_webhooks_get_403_and_write_nothing(
    app: Flask, hotline: Hotline, session: Session
) -> None:
    hotline.line()
    client = app.test_client()
    form = sms_form("CALL 1")
    for headers in ({}, {"X-Twilio-Signature": "bm90IGEgc2lnbmF0dXJl"}):
        assert client.post("/sms/incoming", data=form, headers=headers).status_code == 403
    altered = {**form, "Body": "CALL 2"}
    assert (
        client.post(
            "/sms/incoming", data=altered, headers=signed("/sms/incoming", form)
        ).status_code
        == 403
    )
    status = {"MessageSid": form["MessageSid"], "MessageStatus": "delivered"}
    assert client.post("/sms/status", data=status).status_code == 403
    assert messages(session) == [] and callbacks(session) == 0


def test_a_replayed_message_is_answered_once(
    app: Flask, hotline: Hotline, session: Session
) -> None:
    hotline.line()
    client = app.test_client()
    form = sms_form("CALL 1")
    first = client.post("/sms/incoming", data=form, headers=signed("/sms/incoming", form))
    again = client.post("/sms/incoming", data=form, headers=signed("/sms/incoming", form))
    assert verbs(first.get_data(as_text=True)) == ["Message"]
    assert again.status_code == 200 and verbs(again.get_data(as_text=True)) == []
    assert callbacks(session) == 1 and len(messages(session)) == 2


def test_a_failing_sms_webhook_answers_an_empty_response_not_a_500(
    make_app: AppMaker, app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    no_db, _ = make_app(DATABASE_URL="sqlite:////nonexistent/x.db")
    form = sms_form("CALL 1 please, my secret words")
    with caplog.at_level(logging.INFO):
        response = no_db.test_client().post(
            "/sms/incoming", data=form, headers=signed("/sms/incoming", form)
        )
    assert response.status_code == 200 and response.mimetype == "text/xml"
    assert verbs(response.get_data(as_text=True)) == []
    assert "OperationalError" in caplog.text and "secret words" not in caplog.text


def test_no_body_or_number_is_kept_in_the_database_redis_or_the_log(
    app: Flask,
    hotline: Hotline,
    emulator: TwilioEmulator,
    session: Session,
    redis: Redis,
    caplog: pytest.LogCaptureFixture,
) -> None:
    hotline.line()
    sentinel = "Sentinel-7f3a9 my husband"
    with caplog.at_level(logging.DEBUG):
        texts(emulator, f"ПОЗВОНИТЕ {sentinel}")
        texts(emulator, "2")
        texts(emulator, sentinel)
        emulator.run_pending()
    assert len(messages(session)) == 6
    with engine(app).connect() as connection:
        stored = " ".join(
            repr(row)
            for table in Base.metadata.sorted_tables
            for row in connection.execute(table.select())
        )
    kept = [*redis.keys("*"), *(redis.get(k) or b"" for k in redis.keys("hotline:sms:*"))]
    for where in (stored, repr(kept), caplog.text):
        assert "Sentinel-7f3a9" not in where and "husband" not in where
        assert CALLER not in where and CALLER[1:] not in where


@pytest.mark.parametrize("lang", ["ky", "ru", "uz", "en"])
def test_short_replies_fit_one_sms_segment(lang: str) -> None:
    assert set(REPLIES[lang]) == set(REPLY_KEYS)
    for key in ("registered", "cancelled", "nothing_waiting"):
        text = REPLIES[lang][key]
        assert segments(text) == 1, (lang, key)
        if lang in ("ky", "ru"):
            assert not is_gsm7(text) and len(text) <= 70  # Cyrillic goes as UCS-2
    if lang in ("uz", "en"):
        # Uzbek Latin keeps the plain apostrophe, so every reply stays GSM-7.
        assert all(is_gsm7(text) for text in REPLIES[lang].values())
        assert all(segments(REPLIES[lang][key]) == 1 for key in ("ask_when", "help"))
