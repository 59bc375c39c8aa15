"""The outbox: SMS the hotline writes itself, sent through RQ by reference, once each, with
retries, status callbacks kept as metadata and every body redacted at Twilio afterwards."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import pytest
from flask import Flask
from redis import Redis
from rq.job import Job
from rq.serializers import JSONSerializer
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline import outbox
from hotline.db import session_scope
from hotline.extensions import get_queue, now
from hotline.models import Counsellor, Direction, Line, Message, SendState
from hotline.simulator import RestFault, TwilioEmulator
from tests.callback_support import Deliveries
from tests.conftest import LINE, AppMaker, Hotline, redis_text
from workers import sending
from workers.runner import make_worker
from workers.sms_sweeping import sweep

AIGUL = "+996555000101"
REGISTERED_RU = "Принято, позвоним с этого номера. Отменить: ОТМЕНА"


@pytest.fixture
def deliveries(app: Flask, emulator: TwilioEmulator, redis: Redis) -> Deliveries:
    return Deliveries(app, emulator, redis)


def queue_notice(app: Flask, key: str = "registered", **args: object) -> int:
    """Put an SMS to Aigul in the outbox, as a sender would, and hand its id to RQ."""
    with session_scope(app) as session:
        line = session.scalars(select(Line)).one()
        counsellor = session.scalars(select(Counsellor)).one()
        message = outbox.put(
            session,
            outbox.Outgoing(
                line_id=line.id,
                recipient_sealed=counsellor.phone_sealed,
                text_ref=f"sms:{key}",
                intent=key,
                language="ru",
                text_args=dict(args),
                counsellor_id=counsellor.id,
            ),
            now(app),
        )
        message_id = message.id
    outbox.deliver_send(get_queue(app), message_id)
    return message_id


def row(session: Session, message_id: int) -> Message:
    session.expire_all()
    return session.get_one(Message, message_id)


@pytest.fixture
def arranged(hotline: Hotline) -> None:
    hotline.line()
    hotline.counsellor("Aigul", AIGUL)


@pytest.mark.usefixtures("arranged")
def test_a_queued_sms_is_sent_once_from_the_line_and_its_body_blanked_after_delivery(
    app: Flask,
    emulator: TwilioEmulator,
    deliveries: Deliveries,
    session: Session,
    redis: Redis,
) -> None:
    message_id = queue_notice(app)
    job = Job.fetch(outbox.send_job_id(message_id), connection=redis, serializer=JSONSerializer)
    assert (job.func_name, job.args) == (outbox.SEND_JOB, [message_id])  # an id, nothing else
    assert AIGUL[1:] not in redis_text(redis) and "Принято" not in redis_text(redis)

    deliveries.run()

    [sent] = emulator.outbox
    assert (sent.from_, sent.to, sent.status) == (LINE, AIGUL, "delivered")
    assert sent.body == ""  # redacted at Twilio once delivered
    message = row(session, message_id)
    assert (message.send_state, message.status, message.message_sid) == (
        SendState.HANDED,
        "delivered",
        sent.message_sid,
    )
    assert message.recipient_sealed is None and message.redacted_at is not None
    assert (message.direction, message.segments, message.attempts) == (Direction.OUTBOUND, 1, 1)


@pytest.mark.usefixtures("arranged")
def test_the_same_message_queued_or_run_twice_is_sent_once(
    app: Flask, emulator: TwilioEmulator, deliveries: Deliveries
) -> None:
    message_id = queue_notice(app)
    outbox.deliver_send(get_queue(app), message_id)  # a second delivery replaces the job
    deliveries.run()
    assert sending.send(app, message_id) == "not-waiting"  # a job that runs again
    assert len(emulator.outbox) == 1


@pytest.mark.usefixtures("arranged")
def test_too_many_requests_is_retried_with_backoff(
    app: Flask, emulator: TwilioEmulator, deliveries: Deliveries, session: Session
) -> None:
    emulator.message_faults.extend([RestFault(429, 20429), RestFault(429, 20429)])
    message_id = queue_notice(app)
    deliveries.run()
    message = row(session, message_id)
    assert (message.send_state, message.attempts, message.error_code) == (
        SendState.WAITING,
        1,
        20429,
    )
    assert message.next_attempt_at == now(app) + timedelta(seconds=30)
    assert emulator.outbox == []
    deliveries.later(0.5)  # 30 s: the second try meets the second refusal
    assert row(session, message_id).next_attempt_at == now(app) + timedelta(seconds=120)
    deliveries.later(2)
    assert [m.to for m in emulator.outbox] == [AIGUL]
    assert row(session, message_id).attempts == 3


@pytest.mark.usefixtures("arranged")
def test_an_opted_out_phone_fails_at_once_and_the_number_is_erased(
    app: Flask, emulator: TwilioEmulator, deliveries: Deliveries, session: Session
) -> None:
    emulator.send_sms(AIGUL, LINE, "STOP")  # Twilio opts the phone out of the line
    message_id = queue_notice(app)
    deliveries.run()
    message = row(session, message_id)
    assert (message.send_state, message.status, message.error_code) == (
        SendState.FAILED,
        "failed",
        21610,
    )
    assert message.recipient_sealed is None and message.attempts == 1


@pytest.mark.usefixtures("arranged")
def test_an_answer_lost_after_twilio_took_the_message_is_adopted_not_sent_again(
    app: Flask,
    emulator: TwilioEmulator,
    deliveries: Deliveries,
    session: Session,
    captured_logs: io.StringIO,
) -> None:
    emulator.message_faults.append(RestFault(503, 20503, taken=True))
    message_id = queue_notice(app)
    deliveries.run()
    assert row(session, message_id).send_state == SendState.SENDING  # unknown: claim kept
    assert len(emulator.outbox) == 1
    assert (
        sweep(app) == "reassigned 0, closed 0, settled 0, queued 0, redactions 0"
    )  # too fresh to call it stale
    emulator.clock.advance(200)
    # Its status callback named the row: the sid is known, the body already blanked.
    assert sweep(app) == "reassigned 0, closed 0, settled 1, queued 0, redactions 0"
    deliveries.run()
    [sent] = emulator.outbox
    message = row(session, message_id)
    assert (message.send_state, message.message_sid) == (SendState.HANDED, sent.message_sid)
    assert message.redacted_at is not None and sent.body == ""
    assert AIGUL[4:] not in captured_logs.getvalue()


@pytest.mark.usefixtures("arranged")
def test_a_claim_twilio_never_saw_is_released_and_sent_once(
    make_app: AppMaker,
    app: Flask,
    emulator: TwilioEmulator,
    deliveries: Deliveries,
    session: Session,
    captured_logs: io.StringIO,
) -> None:
    cut_off, _ = make_app(TWILIO_HTTP_CLIENT=None, TWILIO_API_URL="http://127.0.0.1:1")
    message_id = queue_notice(app)
    get_queue(app).empty()
    assert sending.send(cut_off, message_id) == "twilio-unreachable"
    emulator.clock.advance(200)
    assert sweep(cut_off).endswith(
        "settled 1, queued 0, redactions 0"
    )  # the lookup failed too: claim kept
    assert row(session, message_id).send_state == SendState.SENDING
    assert (
        sweep(app) == "reassigned 0, closed 0, settled 1, queued 0, redactions 0"
    )  # released, after the backoff
    assert row(session, message_id).send_state == SendState.WAITING
    deliveries.later(0.5)
    assert sweep(app) == "reassigned 0, closed 0, settled 0, queued 0, redactions 0"
    assert [m.to for m in emulator.outbox] == [AIGUL]
    logged = captured_logs.getvalue()
    assert "Twilio unreachable (ConnectionError)" in logged and AIGUL[4:] not in logged


@pytest.mark.usefixtures("arranged")
def test_redis_lost_the_job_the_sweeper_queues_it_again(
    app: Flask, emulator: TwilioEmulator, deliveries: Deliveries, redis: Redis
) -> None:
    queue_notice(app)
    redis.flushdb()
    assert sweep(app) == "reassigned 0, closed 0, settled 0, queued 1, redactions 0"
    assert (
        sweep(app) == "reassigned 0, closed 0, settled 0, queued 0, redactions 0"
    )  # its job waits: not twice
    deliveries.run()
    assert len(emulator.outbox) == 1


@pytest.mark.usefixtures("arranged")
def test_redaction_waits_until_the_message_is_final(
    app: Flask, emulator: TwilioEmulator, deliveries: Deliveries, session: Session
) -> None:
    message_id = queue_notice(app)
    make_worker(app, deliveries.redis).work(burst=True)  # sent, not yet delivered
    assert sending.redact(app, message_id) == "redact-later"  # still queued at Twilio: 20009
    message = row(session, message_id)
    assert message.redacted_at is None and message.redact_attempts == 1
    deliveries.run()  # delivered; the status callback queues the redaction
    assert row(session, message_id).redacted_at is not None
    assert emulator.outbox[0].body == ""


def test_redaction_can_be_turned_off(make_app: AppMaker, redis: Redis, session: Session) -> None:
    keeping, emulator = make_app(HOTLINE_SMS_REDACT=0)
    hotline = Hotline(keeping, emulator)
    hotline.line()
    hotline.counsellor("Aigul", AIGUL)
    message_id = queue_notice(keeping)
    Deliveries(keeping, emulator, redis).run()
    assert emulator.outbox[0].body == REGISTERED_RU
    assert row(session, message_id).redacted_at is None
    assert sweep(keeping) == "reassigned 0, closed 0, settled 0, queued 0, redactions 0"


@pytest.mark.usefixtures("arranged")
def test_the_sms_sweeper_job_keeps_itself_scheduled(
    app: Flask, deliveries: Deliveries, redis: Redis
) -> None:
    deliveries.queue.enqueue(outbox.delivery.SWEEP_JOB, job_id="first-sms-sweep")
    make_worker(app, redis).work(burst=True)
    job = Job.fetch("first-sms-sweep", connection=redis, serializer=JSONSerializer)
    assert job.return_value() == "reassigned 0, closed 0, settled 0, queued 0, redactions 0"
    scheduled = Job.fetch(outbox.SMS_SWEEPER_JOB_ID, connection=redis, serializer=JSONSerializer)
    assert scheduled.get_status() == "scheduled" and json.dumps(scheduled.args) == "[]"
