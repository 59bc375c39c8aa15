"""The worst night: a database that stalls after start-up, or holds a lock, never leaves a caller
in silence. Every answer comes within 2 s; /voice/fallback needs no database at all; calls flow
again when the database is back, without a restart."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import requests
from flask import Flask, g
from sqlalchemy import Engine, make_url, select, text

from hotline import db_deadline
from hotline.db import call_steps, engine, session_scope
from hotline.db_deadline import PROBE_SHARE
from hotline.models import Callback, CallbackState
from hotline.simulator import WebhookResponse, WsgiTransport
from tests.conftest import (
    LINE,
    RESERVE,
    AppMaker,
    Hotline,
    signed,
    twiml,
    verbs,
    voice_form,
)
from tests.faults import FreezingProxy
from tests.web_server import gunicorn_serving

CALLER = "+996700123456"
AIGUL = "+996555000101"
DEADLINE = 1.5  # HOTLINE_DB_DEADLINE_SECONDS
ANSWER_WITHIN = 2.0  # what a voice webhook must keep to, whatever the database does


def post(client: Any, path: str, form: dict[str, str]) -> tuple[float, int, str]:
    """Post a signed webhook; (seconds it took, status, body)."""
    started = time.monotonic()
    response = client.post(path, data=form, headers=signed(path, form))
    return time.monotonic() - started, response.status_code, response.get_data(as_text=True)


def is_reserve_line(body: str) -> bool:
    """The caller is being put through to the reserve line, from the line's number."""
    dial = twiml(body).find("Dial")
    return dial is not None and dial.get("callerId") == LINE and [n.text for n in dial] == [RESERVE]


def postgresql_only(app: Flask) -> None:
    if engine(app).dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: make test runs it in its PostgreSQL pass")


@contextmanager
def behind_a_freezing_proxy(
    make_app: AppMaker, database_url: str, **changes: Any
) -> Iterator[tuple[Flask, FreezingProxy]]:
    """An app (with `changes`) and a line, its PostgreSQL reached through a proxy the test can
    freeze."""
    url = make_url(database_url)
    if url.get_backend_name() != "postgresql":
        pytest.skip("PostgreSQL only: make test runs it in its PostgreSQL pass")
    with FreezingProxy(url.host or "127.0.0.1", url.port or 5432) as proxy:
        through = url.set(host="127.0.0.1", port=proxy.port)
        app, emulator = make_app(
            DATABASE_URL=through.render_as_string(hide_password=False), **changes
        )
        Hotline(app, emulator).line()
        yield app, proxy


@pytest.fixture
def proxied(make_app: AppMaker, database_url: str) -> Iterator[tuple[Flask, FreezingProxy]]:
    """An app whose PostgreSQL is reached through a proxy the test can freeze."""
    with behind_a_freezing_proxy(make_app, database_url) as proxied_app:
        yield proxied_app


def test_a_database_stalled_mid_call_sends_the_caller_to_the_reserve_line_in_time(
    proxied: tuple[Flask, FreezingProxy],
) -> None:
    app, proxy = proxied
    client = app.test_client()
    _, status, _ = post(client, "/voice/incoming", voice_form("CA" + "1" * 32))
    assert status == 200  # the pool has its connection now
    proxy.freeze()
    took, status, body = post(client, "/voice/menu", voice_form("CA" + "1" * 32, Digits="1"))
    assert (status, is_reserve_line(body)) == (200, True)
    assert DEADLINE <= took < ANSWER_WITHIN
    # Now one request at a time tries the database (a new connection cannot be made either:
    # it stops waiting in time); the others do not wait at all, so threads stay free.
    with ThreadPoolExecutor(max_workers=3) as pool:
        tries = [
            pool.submit(post, app.test_client(), "/voice/incoming", voice_form(f"CA{n:032d}"))
            for n in range(3)
        ]
        answers = sorted(future.result() for future in tries)
    assert all((status, is_reserve_line(body)) == (200, True) for _, status, body in answers)
    # Two gave up at once; one probed, with its share of the deadline.
    probe = DEADLINE * PROBE_SHARE
    assert [took < probe / 2 for took, _, _ in answers] == [True, True, False]
    assert probe <= answers[-1][0] < probe + 0.3
    proxy.thaw()
    took, status, body = post(client, "/voice/incoming", voice_form("CA" + "3" * 32))
    assert (status, verbs(body)) == (200, ["Gather"])  # the language menu: calls flow again


def test_a_webhook_that_goes_on_to_hunt_gives_the_hunt_a_deadline_of_its_own(app: Flask) -> None:
    """A menu step, then the hunt in the same answer: the hunt's database calls get the time
    they had as /voice/hunt's own request, not what the menu step left of it."""
    with app.test_request_context("/voice/menu", method="POST"):
        app.preprocess_request()  # the request's clock starts
        menu_step = g.db_deadline
        time.sleep(0.3)  # a slow menu step
        db_deadline.start_again()
        assert 0.3 <= g.db_deadline - menu_step < DEADLINE  # moved on by the step's time


def test_the_steps_connection_goes_on_to_the_hunt_with_the_hunts_deadline(
    app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    """A menu step and its hunt share one connection: the new deadline the hunt starts covers
    it, so the watchdog does not break it when the step's deadline passes."""
    with app.test_request_context("/voice/menu", method="POST"):
        app.preprocess_request()
        with call_steps() as connection:
            connection.execute(text("SELECT 1"))
            time.sleep(DEADLINE * 0.6)  # a slow menu step
            db_deadline.start_again()
            time.sleep(DEADLINE * 0.6)  # past the step's deadline, within the hunt's
            assert connection.execute(text("SELECT 1")).scalar() == 1
    assert "past its deadline" not in caplog.text


def test_a_locked_call_row_holds_only_that_call(
    app: Flask, hotline: Hotline, migrated_engine: Engine
) -> None:
    postgresql_only(app)
    hotline.line()
    client = app.test_client()
    for sid in ("CA" + "4" * 32, "CA" + "5" * 32):
        assert post(client, "/voice/incoming", voice_form(sid))[1] == 200
    with migrated_engine.connect() as locker:
        locker.execute(
            text("SELECT id FROM call WHERE call_sid = :s FOR UPDATE"), {"s": "CA" + "4" * 32}
        )
        other = post(client, "/voice/language", voice_form("CA" + "5" * 32, Digits="2"))
        held = post(client, "/voice/language", voice_form("CA" + "4" * 32, Digits="2"))
        locker.rollback()
    assert other[0] < DEADLINE and verbs(other[2]) == ["Gather"]  # not delayed by the lock
    assert held[0] < ANSWER_WITHIN and is_reserve_line(held[2])


def test_sqlite_locked_by_another_writer_answers_in_time(
    app: Flask, hotline: Hotline, database_url: str
) -> None:
    if engine(app).dialect.name != "sqlite":
        pytest.skip("SQLite only")
    hotline.line()
    client = app.test_client()
    assert post(client, "/voice/incoming", voice_form("CA" + "6" * 32))[1] == 200
    writer = sqlite3.connect(make_url(database_url).database or "", isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")  # another process holds the write lock
        took, status, body = post(
            client, "/voice/language", voice_form("CA" + "6" * 32, Digits="2")
        )
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert (status, is_reserve_line(body)) == (200, True) and took < ANSWER_WITHIN


class Timed:
    """A transport that notes how long each webhook took to answer."""

    def __init__(self, inner: WsgiTransport) -> None:
        self.inner = inner
        self.seconds: list[float] = []

    def deliver(
        self, method: str, url: str, form: Mapping[str, str], headers: Mapping[str, str]
    ) -> WebhookResponse:
        started = time.monotonic()
        try:
            return self.inner.deliver(method, url, form, headers)
        finally:
            self.seconds.append(time.monotonic() - started)


@pytest.mark.slow
def test_under_gunicorn_the_fallback_is_answered_while_every_call_waits_on_a_stalled_database(
    proxied: tuple[Flask, FreezingProxy], config: dict[str, Any], tmp_path: Path
) -> None:
    app, proxy = proxied
    instance = tmp_path / "instance"
    with gunicorn_serving(config, app.config["DATABASE_URL"], instance) as (base, _):
        calls = [f"CA{n:032d}" for n in range(10)]
        for sid in calls:
            assert http_post(base, "/voice/incoming", voice_form(sid))[1] == 200
        proxy.freeze()
        with ThreadPoolExecutor(max_workers=len(calls)) as pool:
            waiting = [
                pool.submit(http_post, base, "/voice/menu", voice_form(sid, Digits="1"))
                for sid in calls
            ]
            time.sleep(0.2)  # every call is now waiting on the database
            fallback = http_post(base, "/voice/fallback", voice_form("CA" + "f" * 32))
            answers = [future.result() for future in waiting]
        assert fallback[1] == 200 and is_reserve_line(fallback[2]) and fallback[0] < 1.0
        assert all(status == 200 and is_reserve_line(body) for _, status, body in answers)
        assert max(took for took, _, _ in answers) < ANSWER_WITHIN + 0.5  # 10 at once
        proxy.thaw()
        assert verbs(http_post(base, "/voice/incoming", voice_form("CA" + "e" * 32))[2]) == [
            "Gather"
        ]


def http_post(base: str, path: str, form: dict[str, str]) -> tuple[float, int, str]:
    started = time.monotonic()
    response = requests.post(base + path, data=form, headers=signed(path, form), timeout=30)
    return time.monotonic() - started, response.status_code, response.text


@pytest.fixture
def redis_frozen(make_app: AppMaker, redis_url: str) -> Iterator[tuple[Flask, Any, FreezingProxy]]:
    """An app whose Redis is reached through a proxy the test freezes."""
    url = make_url(redis_url.replace("redis://", "postgresql://", 1))  # parse host and port
    if not redis_url.startswith("redis://"):
        pytest.skip("needs Redis over TCP (REDIS_URL); make test's CI run has it")
    with FreezingProxy(url.host or "127.0.0.1", url.port or 6379) as proxy:
        through = redis_url.replace(f"{url.host}:{url.port}", f"127.0.0.1:{proxy.port}", 1)
        app, emulator = make_app(REDIS_URL=through)
        yield app, emulator, proxy


def test_a_stalled_redis_still_lets_a_caller_book_a_callback_and_a_texter_be_answered(
    redis_frozen: tuple[Flask, Any, FreezingProxy],
) -> None:
    app, emulator, proxy = redis_frozen
    timed = Timed(WsgiTransport(app))
    emulator.connect(timed)
    hotline = Hotline(app, emulator)
    hotline.line(language="ru")
    hotline.counsellor("Aigul", AIGUL, on_duty=False)
    emulator.add_phone(CALLER)
    proxy.freeze()
    record = emulator.call(CALLER, LINE, keys=["2", "2", "1", "1", "1"])  # a callback, asap
    told = record.requests_to("/voice/callback/when")[0]
    assert told.status == 200 and "Dial" not in verbs(told.body)  # "registered", no failure
    replies = emulator.send_sms("+996700654321", LINE, "ПОЗВОНИТЕ 1")
    assert len(replies) == 1  # answered in TwiML, no Redis needed
    assert len(timed.seconds) >= 8 and max(timed.seconds) < ANSWER_WITHIN
    with session_scope(app) as session:
        states = sorted(c.state for c in session.scalars(select(Callback)))
    assert states == [CallbackState.PENDING, CallbackState.PENDING]  # both kept for the sweeper
