"""Replays act once: every webhook that creates or sends something does it once per Twilio
event, however often the same signed request arrives (Twilio retrying, or someone who captured
it). Each request here is the one Twilio really sent, posted again three times."""

from __future__ import annotations

from flask import Flask
from redis import Redis
from rq.registry import ScheduledJobRegistry
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from hotline.extensions import get_queue
from hotline.models import Call, Callback, Counsellor, Message
from hotline.simulator import HANGUP, Behaviour, TwilioEmulator, WebhookRequest
from tests.callback_support import Deliveries, the_callback
from tests.conftest import LINE, Hotline, Phones, verbs

CALLER = "+996700123456"
AIGUL = "+996555000101"
REPLAYS = 3


def replay(app: Flask, request: WebhookRequest, times: int = REPLAYS) -> list[str]:
    """Post Twilio's own signed request again; the answers' bodies."""
    client = app.test_client()
    answers = []
    for _ in range(times):
        response = client.post(
            request.url, data=request.params, headers={"X-Twilio-Signature": request.signature}
        )
        assert response.status_code in (200, 204), response.status_code
        answers.append(response.get_data(as_text=True))
    return answers


def count(session: Session, table: type, *where: object) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(table).where(*where)) or 0


def test_a_hidden_caller_s_callback_is_booked_once(
    app: Flask, hotline: Hotline, emulator: TwilioEmulator, redis: Redis, session: Session
) -> None:
    hotline.line(language="ru")
    record = emulator.call("anonymous", LINE, keys=["2", "2", "1", "0555123456", "4"])
    booked = record.requests_to("/voice/callback/when")[-1]
    # Each replay hears "registered" again, not the reserve line of a failure.
    assert all(verbs(body) == verbs(booked.body) for body in replay(app, booked))
    assert count(session, Callback) == 1
    assert the_callback(session).source_call_sid == record.call_sid
    assert len(ScheduledJobRegistry(queue=get_queue(app)).get_job_ids()) == 1  # one job too


def test_the_centres_sms_is_sent_once_per_call(
    app: Flask,
    hotline: Hotline,
    emulator: TwilioEmulator,
    phones: Phones,
    redis: Redis,
    session: Session,
) -> None:
    hotline.centres()
    hotline.line(language="ru")
    record = emulator.call("+996322255608", LINE, keys=["2", "3", "1", HANGUP])
    asked = record.requests_to("/voice/centres/sms")[0]
    assert all(verbs(body)[-1] == "Redirect" for body in replay(app, asked))
    Deliveries(app, emulator, redis).run()
    assert count(session, Message, Message.intent == "centres") == 1
    assert len(phones.received["+996322255608"]) == 1


def test_an_sms_callback_request_is_booked_and_answered_once(
    app: Flask, hotline: Hotline, emulator: TwilioEmulator, session: Session
) -> None:
    hotline.line()
    emulator.send_sms(CALLER, LINE, "CALL 1")
    request = emulator.requests[-1]
    assert request.path == "/sms/incoming"
    answers = replay(app, request)
    assert all(verbs(body) == [] for body in answers)  # the replays get silence
    assert count(session, Callback) == 1
    assert count(session, Message, Message.message_sid == request.params["MessageSid"]) == 1


def test_a_relayed_message_reaches_the_counsellor_once(
    app: Flask, hotline: Hotline, emulator: TwilioEmulator, session: Session
) -> None:
    hotline.line(language="ru")
    hotline.counsellor("Aigul", AIGUL, languages="ru")
    emulator.send_sms(CALLER, LINE, "Мне нужна помощь, я не могу говорить")
    request = emulator.requests[-1]
    assert all(verbs(body) == [] for body in replay(app, request))
    relayed = count(session, Message, Message.counsellor_id.is_not(None))
    assert relayed == 1


def test_a_call_s_end_closes_it_once_and_the_wrap_up_is_not_stretched(
    app: Flask, hotline: Hotline, emulator: TwilioEmulator, session: Session
) -> None:
    hotline.line()
    hotline.counsellor("Aigul", AIGUL)
    record = emulator.call(CALLER, LINE, keys=["1", "1"])
    session.expire_all()
    before = session.scalars(select(Counsellor)).one().wrap_up_until
    ended = session.scalars(select(Call)).one().ended_at
    emulator.clock.advance(30)
    replay(app, record.requests_to("/voice/status")[-1])
    session.expire_all()
    assert session.scalars(select(Counsellor)).one().wrap_up_until == before
    assert session.scalars(select(Call)).one().ended_at == ended


def test_a_callback_counsellor_s_yes_dials_the_caller_once(
    app: Flask,
    hotline: Hotline,
    emulator: TwilioEmulator,
    redis: Redis,
    session: Session,
) -> None:
    hotline.line()
    hotline.counsellor("Aigul", AIGUL)
    emulator.add_phone(CALLER, Behaviour.ANSWER_ACCEPT)
    emulator.call(CALLER, LINE, keys=["1", "2", "1", "1", "1"])
    placed = Deliveries(app, emulator, redis).run()
    [counsellor_call] = [r for r in placed if r.to == AIGUL]
    accepted = counsellor_call.requests_to("/voice/callback/accept")[0]
    assert all(verbs(body) == ["Hangup"] for body in replay(app, accepted))
    assert the_callback(session).attempts == 1


def test_the_dial_s_end_gives_the_counsellor_who_talked_her_wrap_up_before_the_call_s_end(
    app: Flask, hotline: Hotline, emulator: TwilioEmulator, session: Session
) -> None:
    hotline.line()
    hotline.counsellor("Aigul", AIGUL)
    record = emulator.call(CALLER, LINE, keys=["1", "1"])
    dial_end = record.requests_to("/voice/dial-done")[-1]
    # As she was while they talked, before the Dial ended: on the call, no pause yet.
    on_call = update(Counsellor).values(on_call_sid=dial_end.params["CallSid"], wrap_up_until=None)
    session.execute(on_call)
    session.commit()
    replay(app, dial_end, times=1)
    session.expire_all()
    aigul = session.scalars(select(Counsellor)).one()
    assert aigul.on_call_sid is None and aigul.wrap_up_until is not None
