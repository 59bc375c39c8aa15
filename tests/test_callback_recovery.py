"""Callbacks survive what goes wrong: Redis flushed or down, old requests, a dead worker."""

from __future__ import annotations

import io
import socket
import time
from pathlib import Path

import psutil
import pytest
from flask import Flask
from redis import Redis
from rq.job import Job
from rq.registry import ScheduledJobRegistry
from rq.serializers import JSONSerializer
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from hotline import callbacks, embedded_redis
from hotline.callbacks.delivery import SWEEPER_JOB_ID, job_id
from hotline.db import offers_taken
from hotline.extensions import connect
from hotline.models import Callback, CallbackState
from hotline.simulator import Behaviour, RestFault, TwilioEmulator
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
    with offers_taken(app) as connection:  # what a worker commits before its REST request
        assert callbacks.claim(connection, callback_id, emulator.clock.now())
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


@pytest.mark.parametrize("how", ["refused", "silent"])
def test_twilio_unreachable_holds_the_claim_and_leaks_no_number(
    how: str,
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
    with socket.create_server(("127.0.0.1", 0)) as silent:  # accepts, never answers
        port = 1 if how == "refused" else silent.getsockname()[1]  # nothing listens on 1
        cut_off, _ = make_app(
            TWILIO_HTTP_CLIENT=None,
            TWILIO_API_URL=f"http://127.0.0.1:{port}",
            HOTLINE_TWILIO_TIMEOUT=0.5,
        )
        # Unknown whether Twilio placed it: the claim is kept, nothing is retried blindly.
        assert placing.place(cut_off, callback_id) == "twilio-unreachable"
        assert the_callback(session).state == CallbackState.RINGING_COUNSELLOR
        emulator.clock.advance(11 * 60)
        assert sweep(cut_off) == "expired 0, recovered 0, queued 0"  # the lookup failed too
    logged = captured_logs.getvalue()
    error = {"refused": "ConnectionError", "silent": "ReadTimeout"}[how]
    assert f"Twilio unreachable ({error})" in logged
    assert "555314159" not in logged and "700271828" not in logged
    # Twilio reachable again: no such call exists, so the claim is released and placed once.
    assert sweep(app) == "expired 0, recovered 1, queued 0"
    placed = Deliveries(app, emulator, redis).run()
    assert [r.to for r in placed if r.direction == "outbound-api"] == [AIGUL]


@pytest.mark.parametrize(
    ("fault", "outcome"),
    [
        (RestFault(429, 20429), "twilio-error"),  # too many requests: refused, tried again later
        (RestFault(503, 20503), "twilio-unknown"),  # Twilio failed before acting
        (RestFault(500, 20500, taken=True), "twilio-unknown"),  # ... or after placing the call
    ],
)
def test_twilio_refusals_and_errors_are_retried_and_never_place_two_calls(
    fault: RestFault,
    outcome: str,
    app: Flask,
    hotline: Hotline,
    emulator: TwilioEmulator,
    redis: Redis,
    session: Session,
) -> None:
    hotline.line()
    hotline.counsellor("Aigul", AIGUL)
    emulator.add_phone(CALLER)
    ask(emulator)
    emulator.call_faults.append(fault)
    assert placing.place(app, the_callback(session).id) == outcome
    deliveries = Deliveries(app, emulator, redis)
    deliveries.run()  # the call Twilio placed despite its error, if it did, goes on
    emulator.clock.advance(11 * 60)
    sweep(app)  # a claim with an unknown outcome is settled from what Twilio knows
    deliveries.later(minutes=2)
    assert the_callback(session).state == CallbackState.COMPLETED
    counsellor_calls = [c for c in emulator.calls.values() if c.to == AIGUL]
    assert len(counsellor_calls) == 1  # never a second call


@pytest.mark.slow
def test_redis_restarted_from_its_append_only_file_loses_no_queued_callback(
    make_app: AppMaker, tmp_path: Path, session: Session
) -> None:
    folder = tmp_path / "redis"
    url = embedded_redis.join_or_start(folder)  # appendonly yes, as production must run it
    try:
        app, emulator = make_app(REDIS_URL=url)
        Hotline(app, emulator).line()
        Hotline(app, emulator).counsellor("Aigul", AIGUL)
        emulator.add_phone(CALLER)
        ask(emulator)
        key = job_id(the_callback(session).id)
        time.sleep(1.5)  # Redis writes its append-only file to disk every second
        for process in psutil.process_iter(["cmdline"]):
            if str(folder) in " ".join(process.info["cmdline"] or []):
                process.kill()  # a crash: no chance to save anything more
                process.wait(5)
        assert not embedded_redis.answering(folder)
        assert embedded_redis.join_or_start(folder) == url  # back, from the same files
        client = connect(url, timeout=2.0)
        assert Job.fetch(key, connection=client, serializer=JSONSerializer) is not None
        Deliveries(app, emulator, client).run()
        assert the_callback(session).state == CallbackState.COMPLETED
        client.close()
    finally:
        embedded_redis.stop(folder)  # only this test's: the session's own server runs on
