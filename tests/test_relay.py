"""The SMS relay: a texter and a counsellor write to each other through the line's number,
neither sees the other's number, and no body is kept anywhere."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from flask import Flask
from redis import Redis
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.extensions import get_keyring
from hotline.models import (
    Block,
    Callback,
    CallbackState,
    Conversation,
    Counsellor,
    DutyOverride,
    Message,
)
from hotline.simulator import TwilioEmulator
from hotline.sms.replies import load_replies
from tests.callback_support import Deliveries
from tests.conftest import LINE, RESERVE, AppMaker, Hotline, Phones, database_text, redis_text
from workers.sms_sweeping import sweep

TEXTER, OTHER_TEXTER = "+996700123456", "+996700654321"
AIGUL, BAKYT, DILNOZA = "+996555000101", "+996555000202", "+996700000303"
REPLIES = load_replies(Path(__file__).resolve().parent.parent / "config")
FIRST = {
    "ky": "Саламатсызбы, үйдө коркунучтуу",
    "ru": "Здравствуйте, мне страшно дома",
    "uz": "Assalomu alaykum, uyda qo'rqinchli",
    "en": "Hello, I am scared at home",
}


@pytest.fixture
def deliveries(app: Flask, emulator: TwilioEmulator, redis: Redis) -> Deliveries:
    return Deliveries(app, emulator, redis)


def counsellor_id(session: Session, name: str) -> int:
    return session.scalars(select(Counsellor.id).where(Counsellor.name == name)).one()


def conversation(session: Session) -> Conversation:
    session.expire_all()
    return session.scalars(select(Conversation).order_by(Conversation.id.desc())).first()  # type: ignore[return-value]


def text(emulator: TwilioEmulator, sender: str, body: str) -> None:
    emulator.send_sms(sender, LINE, body)


@pytest.mark.parametrize("lang", ["ky", "ru", "uz", "en"])
def test_a_whole_relay_both_ways_from_the_lines_number(
    lang: str,
    app: Flask,
    hotline: Hotline,
    emulator: TwilioEmulator,
    phones: Phones,
    session: Session,
) -> None:
    hotline.line()
    other = "ru" if lang != "ru" else "ky"
    hotline.counsellor("Bakyt", BAKYT, languages=other)
    hotline.counsellor("Aigul", AIGUL, languages=f"{lang},{other}" if lang != "ky" else "ky")

    text(emulator, TEXTER, FIRST[lang])
    opened = conversation(session)
    tag = opened.tag
    assert phones.bodies[AIGUL] == [f"#{tag} ({lang}) {FIRST[lang]}"]  # the speaker of her language
    assert phones.bodies[TEXTER] == [REPLIES[lang]["relay_opened"]]
    assert opened.language == lang and opened.caller == get_keyring(app).pseudonym(TEXTER)
    assert get_keyring(app).unseal(opened.caller_number_sealed or "") == TEXTER

    text(emulator, AIGUL, f"#{tag.lower()} I hear you. Are you safe now?")
    assert phones.last(TEXTER) == "I hear you. Are you safe now?"
    text(emulator, TEXTER, "yes, for now")
    assert phones.last(AIGUL) == f"#{tag} yes, for now"
    text(emulator, AIGUL, "Good. Write when you can.")  # her only conversation: no tag needed
    assert phones.last(TEXTER) == "Good. Write when you can."

    assert phones.senders() == {LINE}  # everyone hears from the line, never from each other
    assert not any(TEXTER[4:] in b for b in phones.bodies[AIGUL])
    assert not any(AIGUL[4:] in b for b in phones.bodies[TEXTER])
    assert phones.bodies[BAKYT] == []
    rows = list(session.scalars(select(Message).order_by(Message.id)))
    assert [(m.direction.value, m.intent) for m in rows][:3] == [
        ("inbound", "relay-opened"),
        ("outbound", "relay"),
        ("outbound", "relay_opened"),
    ]
    assert {m.conversation_id for m in rows if m.intent and "relay" in m.intent} == {opened.id}


def test_no_speaker_of_the_language_the_lines_fallback_languages_answer(
    hotline: Hotline, emulator: TwilioEmulator, phones: Phones
) -> None:
    hotline.line()  # fallbacks: ru, then ky
    hotline.counsellor("Sarah", DILNOZA, languages="en")
    hotline.counsellor("Bakyt", BAKYT, languages="ky")
    hotline.counsellor("Aigul", AIGUL, languages="ru")
    text(emulator, TEXTER, "Assalomu alaykum")
    assert len(phones.bodies[AIGUL]) == 1 and phones.bodies[BAKYT] == []


def test_the_least_loaded_counsellor_takes_each_new_texter_three_at_most(
    hotline: Hotline, emulator: TwilioEmulator, phones: Phones, session: Session
) -> None:
    hotline.line()
    hotline.counsellor("Aigul", AIGUL, languages="ru")
    hotline.counsellor("Bakyt", BAKYT, languages="ru")
    texters = [f"+99670012340{i}" for i in range(7)]
    for texter in texters:
        text(emulator, texter, "Здравствуйте")
    assert (len(phones.bodies[AIGUL]), len(phones.bodies[BAKYT])) == (3, 3)
    assert phones.bodies[texters[6]] == [REPLIES["ru"]["nobody_on_call"].format(reserve=RESERVE)]
    holders = [c.counsellor_id for c in session.scalars(select(Conversation))]
    ids = (counsellor_id(session, "Aigul"), counsellor_id(session, "Bakyt"))
    assert [holders.count(i) for i in ids] == [3, 3]


def test_a_silent_counsellor_s_texter_goes_to_the_next_and_hears_someone_is_coming(
    app: Flask,
    hotline: Hotline,
    emulator: TwilioEmulator,
    phones: Phones,
    deliveries: Deliveries,
    session: Session,
) -> None:
    hotline.line()
    hotline.counsellor("Aigul", AIGUL, languages="ru", position=0)
    hotline.counsellor("Bakyt", BAKYT, languages="ru,ky", position=1)
    text(emulator, TEXTER, "Здравствуйте, мне нужна помощь")
    tag = conversation(session).tag
    assert len(phones.bodies[AIGUL]) == 1
    emulator.clock.advance(4 * 60)
    assert sweep(app).startswith("reassigned 0")
    emulator.clock.advance(61)
    assert sweep(app).startswith("reassigned 1, closed 0")
    deliveries.run()
    assert phones.bodies[BAKYT] == [REPLIES["ru"]["relay_new"].format(tag=tag, language="ru")]
    assert phones.last(AIGUL) == REPLIES["ru"]["relay_passed"].format(tag=tag, minutes=5)
    assert phones.last(TEXTER) == REPLIES["ru"]["relay_reassigned"]
    text(emulator, TEXTER, "вы здесь?")
    assert phones.last(BAKYT) == f"#{tag} вы здесь?"
    text(emulator, AIGUL, f"#{tag} простите, я здесь")  # too late: it is no longer hers
    assert phones.last(AIGUL) == REPLIES["ru"]["counsellor_unknown_tag"].format(tag=tag)
    assert phones.last(TEXTER) == REPLIES["ru"]["relay_reassigned"]  # her late reply: not sent
    assert conversation(session).counsellors_tried == [counsellor_id(session, "Aigul")]


def test_nobody_else_on_call_the_texter_hears_the_truth_once(
    app: Flask,
    hotline: Hotline,
    emulator: TwilioEmulator,
    phones: Phones,
    deliveries: Deliveries,
    session: Session,
) -> None:
    hotline.line()
    hotline.counsellor("Aigul", AIGUL, languages="ru")
    text(emulator, TEXTER, "Здравствуйте")
    emulator.clock.advance(6 * 60)
    assert sweep(app).startswith("reassigned 0, closed 0")
    deliveries.run()
    assert phones.last(TEXTER) == REPLIES["ru"]["nobody_on_call"].format(reserve=RESERVE)
    emulator.clock.advance(6 * 60)
    sweep(app)
    deliveries.run()
    assert len(phones.bodies[TEXTER]) == 2  # "passed on" and the truth, not again
    # Still hers, should she answer.
    assert conversation(session).counsellor_id == counsellor_id(session, "Aigul")


@pytest.mark.parametrize("end", ["END {tag}", "КОНЕЦ #{tag}", "бүттү", "TUGADI {tag}", "close"])
def test_end_closes_the_conversation_and_erases_the_number(
    end: str, hotline: Hotline, emulator: TwilioEmulator, phones: Phones, session: Session
) -> None:
    hotline.line()
    hotline.counsellor("Aigul", AIGUL, languages="ru")
    text(emulator, TEXTER, "Здравствуйте")
    tag = conversation(session).tag
    text(emulator, AIGUL, end.format(tag=tag))
    closed = conversation(session)
    assert closed.closed_at is not None and closed.caller_number_sealed is None
    assert closed.close_reason == "counsellor"
    assert phones.last(AIGUL) == REPLIES["ru"]["counsellor_ended"].format(tag=tag)
    text(emulator, TEXTER, "ещё вопрос")  # a new conversation, maybe a new tag
    assert conversation(session).id != closed.id and conversation(session).closed_at is None


def test_end_alone_is_twilio_s_opt_out_too_it_closes_without_an_answer(
    hotline: Hotline, emulator: TwilioEmulator, phones: Phones, session: Session
) -> None:
    hotline.line()
    hotline.counsellor("Aigul", AIGUL, languages="ru")
    text(emulator, TEXTER, "Здравствуйте")
    text(emulator, AIGUL, "END")
    assert conversation(session).closed_at is not None
    assert len(phones.bodies[AIGUL]) == 1 and emulator.notifications == []
    text(emulator, AIGUL, "START")  # back in at Twilio; the hotline says where she stands
    assert phones.last(AIGUL) == REPLIES["ru"]["counsellor_status_on"].format(tags="-")


def test_an_idle_conversation_closes_after_an_hour_and_its_number_is_erased(
    app: Flask,
    hotline: Hotline,
    emulator: TwilioEmulator,
    phones: Phones,
    deliveries: Deliveries,
    session: Session,
) -> None:
    hotline.line()
    hotline.counsellor("Aigul", AIGUL, languages="ru")
    text(emulator, TEXTER, "Здравствуйте")
    tag = conversation(session).tag
    text(emulator, AIGUL, "Здравствуйте, я слушаю")
    emulator.clock.advance(59 * 60)
    assert sweep(app).startswith("reassigned 0, closed 0")
    emulator.clock.advance(61)
    assert sweep(app).startswith("reassigned 0, closed 1")
    deliveries.run()
    closed = conversation(session)
    assert (closed.close_reason, closed.caller_number_sealed) == ("idle", None)
    assert phones.last(AIGUL) == REPLIES["ru"]["relay_closed"].format(tag=tag, minutes=60)
    assert len(phones.bodies[TEXTER]) == 2  # the texter is not texted out of the blue


@pytest.mark.parametrize(
    ("lang", "on", "off", "status", "listing"),
    [
        ("en", "ON", "off", "Status", "LIST"),
        ("ru", "вкл", "ВЫКЛ", "СТАТУС", "список"),
        ("ky", "Иштейм", "эс алам", "АБАЛ", "тизме"),
        ("uz", "ISHDAMAN", "dam olaman", "holat", "Ro'yxat"),
    ],
)
def test_duty_commands_from_a_counsellor_s_phone_in_every_language(
    lang: str,
    on: str,
    off: str,
    status: str,
    listing: str,
    hotline: Hotline,
    emulator: TwilioEmulator,
    phones: Phones,
    session: Session,
) -> None:
    hotline.line()
    hotline.counsellor("Aigul", AIGUL, languages=lang, on_duty=False)
    texts = REPLIES[lang]
    text(emulator, AIGUL, status)
    assert phones.last(AIGUL) == texts["counsellor_status_off"].format(tags="-")
    text(emulator, AIGUL, listing)
    assert phones.last(AIGUL) == texts["counsellor_none"]
    text(emulator, AIGUL, on)
    assert phones.last(AIGUL) == texts["counsellor_on"].format(count=0)
    assert session.scalars(select(Counsellor)).one().duty == DutyOverride.ON
    text(emulator, TEXTER, FIRST[lang])
    tag = conversation(session).tag
    text(emulator, AIGUL, status)
    assert phones.last(AIGUL) == texts["counsellor_status_on"].format(tags=f"#{tag}")
    text(emulator, AIGUL, listing)
    assert phones.last(AIGUL) == texts["counsellor_list"].format(items=f"#{tag} {lang} 0m")
    text(emulator, AIGUL, off)
    assert phones.last(AIGUL) == texts["counsellor_off"].format(count=1)
    session.expire_all()
    assert session.scalars(select(Counsellor)).one().duty == DutyOverride.OFF


def test_the_same_words_from_an_unregistered_phone_are_a_texter_s_message(
    hotline: Hotline, emulator: TwilioEmulator, phones: Phones, session: Session
) -> None:
    hotline.line()
    hotline.counsellor("Aigul", AIGUL, languages="en", on_duty=True)
    text(emulator, TEXTER, "OFF")
    assert phones.bodies[AIGUL][0].endswith(" OFF")  # relayed to her, not obeyed
    assert session.scalars(select(Counsellor)).one().duty == DutyOverride.ON


def test_several_open_a_reply_without_a_tag_is_not_guessed(
    hotline: Hotline, emulator: TwilioEmulator, phones: Phones, session: Session
) -> None:
    hotline.line()
    hotline.counsellor("Aigul", AIGUL, languages="ru")
    text(emulator, TEXTER, "Здравствуйте")
    text(emulator, OTHER_TEXTER, "Добрый день")
    first = session.scalars(select(Conversation).order_by(Conversation.id)).first()
    assert first is not None
    text(emulator, AIGUL, "Как вы?")
    assert phones.last(AIGUL) == REPLIES["ru"]["counsellor_which"].format(tag=first.tag)
    assert len(phones.bodies[TEXTER]) == 1 and len(phones.bodies[OTHER_TEXTER]) == 1


def test_delete_my_data_takes_the_pseudonym_off_every_row_and_ends_open_requests(
    app: Flask,
    hotline: Hotline,
    emulator: TwilioEmulator,
    phones: Phones,
    deliveries: Deliveries,
    session: Session,
    redis: Redis,
) -> None:
    hotline.line()
    hotline.counsellor("Aigul", AIGUL, languages="ru")
    pseudonym = get_keyring(app).pseudonym(TEXTER)
    emulator.call(TEXTER, LINE, keys=[])  # a call on record too
    text(emulator, TEXTER, "ПОЗВОНИТЕ 2")
    text(emulator, TEXTER, "English")  # a saved language choice
    text(emulator, TEXTER, "Hello, can we write instead?")
    tag = conversation(session).tag
    text(emulator, TEXTER, "delete my data")

    assert phones.last(TEXTER) == REPLIES["en"]["data_deleted"]
    deliveries.run()
    assert phones.last(AIGUL) == REPLIES["ru"]["relay_gone"].format(tag=tag)
    session.expire_all()
    callback = session.scalars(select(Callback)).one()
    assert callback.state == CallbackState.CANCELLED and callback.number_sealed is None
    closed = conversation(session)
    assert (closed.close_reason, closed.caller, closed.caller_number_sealed) == (
        "deleted",
        None,
        None,
    )
    assert pseudonym not in database_text(session.get_bind())  # type: ignore[arg-type]
    assert pseudonym not in redis_text(redis).replace(f"rate:{pseudonym}", "")


def test_blocks_stay_after_delete_my_data(
    app: Flask, hotline: Hotline, emulator: TwilioEmulator, phones: Phones, session: Session
) -> None:
    hotline.line()
    pseudonym = get_keyring(app).pseudonym(TEXTER)
    session.add(Block(caller=pseudonym, reason="abuse"))
    session.commit()
    text(emulator, TEXTER, "delete my data")  # a blocked sender gets nothing, and stays blocked
    session.expire_all()
    assert session.scalars(select(Block)).one().caller == pseudonym
    assert phones.bodies[TEXTER] == []


@pytest.mark.parametrize(
    ("body", "lang"), [("БОРБОР ОШ", "ky"), ("ЦЕНТРЫ Ош", "ru"), ("CENTRES OSH", "en")]
)
def test_centres_of_an_oblast_by_sms_numbers_only(
    body: str, lang: str, hotline: Hotline, emulator: TwilioEmulator, phones: Phones
) -> None:
    hotline.centres()
    hotline.line()
    text(emulator, TEXTER, body)
    lines = phones.last(TEXTER).split("\n")
    assert lines[0] == REPLIES[lang]["centres"]
    # Osh oblast's centre first, then Osh city's (one catchment); four numbers at most.
    assert lines[1:] == ["+996323426033", "+996322229757", "+996322255608", "+996322274006"]


def test_a_chosen_language_is_used_for_the_relay_and_the_replies(
    hotline: Hotline, emulator: TwilioEmulator, phones: Phones, session: Session
) -> None:
    hotline.line()
    hotline.counsellor("Sarah", DILNOZA, languages="en")
    hotline.counsellor("Aigul", AIGUL, languages="ru")
    text(emulator, TEXTER, "ENGLISH")
    assert phones.last(TEXTER) == REPLIES["en"]["language_set"]
    text(emulator, TEXTER, "Привет, мне нужна помощь")  # typed in Russian, asked in English
    assert len(phones.bodies[DILNOZA]) == 1 and conversation(session).language == "en"


def test_kyrgyz_typed_on_a_russian_keypad_is_understood(
    hotline: Hotline, emulator: TwilioEmulator, phones: Phones
) -> None:
    hotline.line(language="ru")
    text(emulator, TEXTER, "ЧАЛЫНЫЗ")
    assert phones.last(TEXTER) == REPLIES["ky"]["ask_when"]


def test_new_conversations_per_line_per_hour_are_capped(make_app: AppMaker) -> None:
    capped, emulator = make_app(HOTLINE_SMS_NEW_CONVERSATIONS_PER_HOUR=2)
    phones = Phones(emulator)
    hotline = Hotline(capped, emulator)
    hotline.line()
    hotline.counsellor("Aigul", AIGUL, languages="ru")
    for i in range(3):
        text(emulator, f"+99670012340{i}", "Здравствуйте")
    assert len(phones.bodies[AIGUL]) == 2
    assert phones.bodies["+996700123402"] == []  # silence: against SMS pumping


def test_no_body_or_number_anywhere_after_a_whole_relay(
    app: Flask,
    hotline: Hotline,
    emulator: TwilioEmulator,
    phones: Phones,
    deliveries: Deliveries,
    session: Session,
    redis: Redis,
    captured_logs: io.StringIO,
) -> None:
    hotline.line()
    hotline.counsellor("Aigul", AIGUL, languages="ru")
    hotline.counsellor("Bakyt", BAKYT, languages="ru")
    texter = "+996700271828"
    sentinel = "Sentinel-7f3a9 муж вернулся"
    text(emulator, texter, f"Здравствуйте {sentinel}")
    tag = conversation(session).tag
    emulator.clock.advance(6 * 60)
    sweep(app)  # reassigned: notices by reference through RQ
    job_data = redis_text(redis)
    deliveries.run()
    text(emulator, texter, f"ещё {sentinel}")
    text(emulator, BAKYT, f"#{tag} ответ {sentinel}")
    text(emulator, BAKYT, f"END {tag}")
    deliveries.run()
    assert any(sentinel in b for b in phones.bodies[texter])
    assert any(sentinel in b for b in phones.bodies[BAKYT])  # the relay did carry it
    stored = database_text(session.get_bind())  # type: ignore[arg-type]
    for where in (stored, job_data, redis_text(redis), captured_logs.getvalue()):
        assert "Sentinel-7f3a9" not in where and "вернулся" not in where
        for number in (texter, AIGUL, BAKYT):
            assert number[4:] not in where
    assert all(m.body == "" for m in emulator.messages.values())  # redacted at Twilio too
