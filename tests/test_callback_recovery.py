"""Callbacks survive what goes wrong: Redis flushed or down, old requests, a dead worker."""

from __future__ import annotations

import io

from flask import Flask
from redis import Redis
from rq.job import Job
from rq.registry import ScheduledJobRegistry
from rq.serializers import JSONSerializer
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from hotline import callbacks
from hotline.callbacks.delivery import SWEEPER_JOB_ID
from hotline.db import session_scope
from hotline.models import Callback, CallbackState
from hotline.simulator import Behaviour, TwilioEmulator
from tests.callback_support import Deliveries, the_callback
from tests.conftest import LINE, AppMaker, Hotline, database_text, redis_text, verbs
from workers import placing
from workers.sweeping import sweep

CALLER = "+996700271828"
AIGUL = "+996555314159"


def ask(emulator: TwilioEmulator) -> None:
    emulator.call(CALLER, LINE, keys=["2", "2", "1", "1", "1"])  # ru, callback, safe, this, asap


def test_redis_flushed_the_sweeper_restores_the_job(
    app: Flask, hotline: Hotline, emulator: TwilioEmulator, redis: Redis, session: Session
) -> None:
    hotline.line()
    hotline.counsellor("Aigul", AIGUL)
    emulator.add_phone(CALLER)
    ask(emulator)
    deliveries = Deliveries(app, emulator, redis)
    redis.flushdb()  # Redis lost everything (no AOF, a crash)
    assert deliveries.run() == []  # nothing queued any more
    assert sweep(app) == "expired 0, recovered 0, queued 1"
    placed = deliveries.run()
    assert [r.to for r in placed if r.direction == "outbound-api"] == [AIGUL]
    assert the_callback(session).state == CallbackState.COMPLETED


def test_redis_down_when_asked_the_request_is_kept_and_queued_later(
    make_app: AppMaker, app: Flask, redis: Redis, session: Session
) -> None:
    no_redis, emulator = make_app(REDIS_URL="redis://127.0.0.1:1/0")
    Hotline(no_redis, emulator).line(language="ru")
    record = emulator.call(CALLER, LINE, keys=["2", "2", "1", "1", "1"])
    told = record.requests_to("/voice/callback/when")[0]
    assert told.status == 200 and "перезвон" in told.body.lower()  # "registered", in Russian
    assert verbs(told.body) == ["Say", "Say", "Hangup"]  # not the reserve line: nothing failed
    assert the_callback(session).state == CallbackState.PENDING
    assert redis.keys("rq:*") == []
    assert sweep(app).endswith("queued 1")  # Redis is back (the test app has a live one)


def test_requests_past_the_maximum_age_expire_and_lose_their_number(
    app: Flask, hotline: Hotline, emulator: TwilioEmulator, session: Session
) -> None:
    hotline.line()
    hotline.counsellor("Aigul", AIGUL, on_duty=False)  # nobody: it just waits
    ask(emulator)
    emulator.clock.advance(49 * 3600)
    assert sweep(app).startswith("expired 1")
    old = the_callback(session)
    assert (old.state, old.number_sealed, old.outcome) == (CallbackState.EXPIRED, None, "too-old")


def test_a_claim_whose_worker_died_before_calling_twilio_is_released(
    app: Flask, hotline: Hotline, emulator: TwilioEmulator, redis: Redis, session: Session
) -> None:
    hotline.line()
    hotline.counsellor("Aigul", AIGUL)
    emulator.add_phone(CALLER)
    ask(emulator)
    callback_id = the_callback(session).id
    with session_scope(app) as scope:  # exactly what a worker commits before its REST request
        assert callbacks.claim(scope, callback_id, emulator.clock.now())
    emulator.clock.advance(11 * 60)
    # Released; its job still waits in Redis, so the sweeper adds no second one.
    assert sweep(app) == "expired 0, recovered 1, queued 0"
    placed = Deliveries(app, emulator, redis).run()
    assert [r.to for r in placed if r.direction == "outbound-api"] == [AIGUL]
    assert the_callback(session).state == CallbackState.COMPLETED


def test_no_number_in_redis_job_data_logs_or_database_after_a_callback(
    app: Flask,
    hotline: Hotline,
    emulator: TwilioEmulator,
    redis: Redis,
    migrated_engine: Engine,
    session: Session,
    captured_logs: io.StringIO,
) -> None:
    hotline.line()
    hotline.counsellor("Aigul", AIGUL, behaviour=Behaviour.ANSWER_ACCEPT)
    emulator.add_phone(CALLER, Behaviour.BUSY)
    ask(emulator)
    deliveries = Deliveries(app, emulator, redis)
    deliveries.run()  # busy: a retry is scheduled, its job waits in Redis
    waiting = redis_text(redis)
    assert "place_callback" in waiting  # the job really is there to be searched
    emulator.add_phone(CALLER)
    deliveries.later(minutes=11)
    assert the_callback(session).state == CallbackState.COMPLETED
    logged = captured_logs.getvalue()
    for text in (waiting, redis_text(redis), logged, database_text(migrated_engine)):
        assert "700271828" not in text and "555314159" not in text
    assert session.get_one(Callback, the_callback(session).id).number_sealed is None


def test_the_sweeper_job_keeps_itself_scheduled(
    app: Flask, emulator: TwilioEmulator, redis: Redis
) -> None:
    deliveries = Deliveries(app, emulator, redis)
    deliveries.queue.enqueue("workers.jobs.sweep_callbacks", job_id="first-sweep")
    deliveries.run()
    registry = ScheduledJobRegistry(queue=deliveries.queue)
    assert registry.get_job_ids() == [SWEEPER_JOB_ID]
    job = Job.fetch("first-sweep", connection=redis, serializer=JSONSerializer)
    assert job.return_value() == "expired 0, recovered 0, queued 0"


def test_twilio_unreachable_holds_the_claim_and_leaks_no_number(
    make_app: AppMaker,
    app: Flask,
    hotline: Hotline,
    emulator: TwilioEmulator,
    redis: Redis,
    session: Session,
    captured_logs: io.StringIO,
) -> None:
    hotline.line()
    hotline.counsellor("Aigul", AIGUL)
    emulator.add_phone(CALLER)
    ask(emulator)
    callback_id = the_callback(session).id
    # Nothing listens there.
    cut_off, _ = make_app(TWILIO_HTTP_CLIENT=None, TWILIO_API_URL="http://127.0.0.1:1")
    # Unknown whether Twilio placed it: the claim is kept, nothing is retried blindly.
    assert placing.place(cut_off, callback_id) == "twilio-unreachable"
    assert the_callback(session).state == CallbackState.RINGING_COUNSELLOR
    emulator.clock.advance(11 * 60)
    assert sweep(cut_off) == "expired 0, recovered 0, queued 0"  # the lookup failed too
    logged = captured_logs.getvalue()
    assert "Twilio unreachable (ConnectionError)" in logged
    assert "555314159" not in logged and "700271828" not in logged
    # Twilio reachable again: no such call exists, so the claim is released and placed once.
    assert sweep(app) == "expired 0, recovered 1, queued 0"
    placed = Deliveries(app, emulator, redis).run()
    assert [r.to for r in placed if r.direction == "outbound-api"] == [AIGUL]
