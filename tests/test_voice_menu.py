"""The main menu's other options: crisis centres (read out, and by SMS), callbacks, ringall."""

from __future__ import annotations

from flask import Flask
from redis import Redis
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.models import (
    AttemptResult,
    CallAttempt,
    Direction,
    Message,
    Strategy,
)
from hotline.simulator import HANGUP, Behaviour, EventKind, LegResult, TwilioEmulator
from tests.callback_support import Deliveries
from tests.conftest import LINE, Hotline, Phones

OSH_CALLER = "+996322255608"
MOBILE_CALLER = "+996700123456"


def test_centres_near_an_osh_caller_are_read_out_and_sent_by_sms_on_request(
    app: Flask,
    hotline: Hotline,
    emulator: TwilioEmulator,
    phones: Phones,
    redis: Redis,
    session: Session,
) -> None:
    hotline.centres()
    hotline.line(language="ru")
    record = emulator.call(OSH_CALLER, LINE, keys=["2", "3", "1", HANGUP])
    read_out = record.requests_to("/voice/centres")[0].body
    assert "Ак-Журок" in read_out  # an Osh centre, in Russian, with its number in words
    assert "Сезим" not in read_out  # Bishkek is not near Osh
    assert emulator.outbox == []  # not sent from inside the call: the worker sends it
    Deliveries(app, emulator, redis).run()
    assert len(emulator.outbox) == 1
    sms, body = emulator.outbox[0], phones.last(OSH_CALLER)  # as the phone got it
    assert (sms.to, sms.from_) == (OSH_CALLER, LINE)
    # A neutral word and the numbers as dialled at home (Ak-Jurok first): nothing says what
    # they are on a shared phone's screen, and it fits one SMS.
    assert body.splitlines()[0] == "Номера:"
    assert body.splitlines()[1:] == ["03222 29757", "03222 55608", "03222 74006"]
    assert sms.num_segments == 1 and sms.body == ""  # blanked at Twilio once delivered
    for word in ("кризис", "Кризис", "центр", "доверия", "Ак-Журок"):
        assert word not in body
    message = session.scalars(select(Message)).one()
    assert (message.direction, message.intent, message.language) == (
        Direction.OUTBOUND,
        "centres",
        "ru",
    )
    assert (message.message_sid, message.segments) == (sms.message_sid, sms.num_segments)


def test_centres_are_not_texted_unless_the_caller_asks(
    hotline: Hotline, emulator: TwilioEmulator, session: Session
) -> None:
    hotline.centres()
    hotline.line(language="ru")
    emulator.call(OSH_CALLER, LINE, keys=["2", "3", None, HANGUP])
    assert emulator.outbox == []
    assert session.scalars(select(Message)).all() == []


def test_ringall_rings_everyone_and_the_first_to_accept_gets_the_call(
    hotline: Hotline, emulator: TwilioEmulator, session: Session
) -> None:
    hotline.line(strategy=Strategy.RINGALL)
    hotline.counsellor("Aigul", "+996555000101", behaviour=Behaviour.IGNORE)
    hotline.counsellor("Bakyt", "+996555000202", behaviour=Behaviour.VOICEMAIL)
    hotline.counsellor("Cholpon", "+996555000303")
    record = emulator.call(MOBILE_CALLER, LINE, keys=["1", "1"])
    dial = record.events(EventKind.DIAL)[0]
    assert {leg.number for leg in dial.legs} == {"+996555000101", "+996555000202", "+996555000303"}
    accepted = [leg.number for leg in dial.legs if leg.result is LegResult.ACCEPTED]
    assert accepted == ["+996555000303"]
    offers = session.scalars(select(CallAttempt)).all()
    results = {a.result for a in offers}
    assert AttemptResult.ACCEPTED in results and AttemptResult.RINGING not in results
    assert all(a.ring_seconds is not None for a in offers)  # the others' too, as they ended
