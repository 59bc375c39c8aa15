"""A real worker process killed with SIGKILL mid-placement: after recovery, exactly one call.

The worker runs as `hotline worker --burst` in its own process and reaches the emulator over
HTTP (TWILIO_API_URL). The emulator's REST server holds back its answer to Calls.create, so
the worker is killed after Twilio took the call and before the CallSid was stored: the
hardest moment. The sweeper then finds the call at Twilio and adopts it instead of placing
another.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psutil
import pytest
from flask import Flask
from redis import Redis
from sqlalchemy.orm import Session
from werkzeug.serving import make_server

from hotline.extensions import redis_url
from hotline.models import CallbackState
from hotline.simulator import Behaviour, EventKind, LegResult, TwilioEmulator
from hotline.simulator.server import rest_app
from tests.callback_support import Deliveries, the_callback
from tests.conftest import LINE, AppMaker, Hotline
from workers.sweeping import sweep

CALLER = "+996700123456"
AIGUL = "+996555000101"
HOLD_SECONDS = 60


class HeldCalls:
    """WSGI middleware: Calls.create is carried out, then its answer is held back."""

    def __init__(self, inner: Callable[..., Iterable[bytes]]) -> None:
        self.inner = inner
        self.created = threading.Event()
        self.release = threading.Event()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        body = list(self.inner(environ, start_response))
        if environ["REQUEST_METHOD"] == "POST" and environ["PATH_INFO"].endswith("/Calls.json"):
            self.created.set()
            self.release.wait(HOLD_SECONDS)
        return body


class AheadOfRealTime:
    """The emulator's clock here: real time, which `advance` moves ahead of at once. The app and
    its worker process run on real time; the emulator must never be behind them, or the
    callback the caller books would not yet be due by its time, nor the call Twilio took be
    dated after the worker's claim (the sweeper adopts only such a call)."""

    def __init__(self) -> None:
        self._ahead = timedelta()

    def now(self) -> datetime:
        return datetime.now(UTC) + self._ahead

    def advance(self, seconds: float) -> None:
        self._ahead += timedelta(seconds=seconds)


@pytest.fixture
def clock() -> AheadOfRealTime:
    """Replaces conftest's fixed test time for this module."""
    return AheadOfRealTime()


@pytest.fixture
def held_api(
    make_app: AppMaker,
) -> Iterator[tuple[Flask, TwilioEmulator, HeldCalls, str]]:
    """The app on real time (as its worker), its emulator behind a server holding Calls.create."""
    app, emulator = make_app(HOTLINE_CLOCK=None)
    held = HeldCalls(rest_app(emulator.http_client.api))
    server = make_server("127.0.0.1", 0, held, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield app, emulator, held, f"http://127.0.0.1:{server.server_port}"
    held.release.set()
    server.shutdown()
    thread.join(timeout=5)


def start_worker(app: Flask, api_url: str, tmp_path: Path) -> subprocess.Popen[bytes]:
    env = {
        "PATH": os.environ["PATH"],
        "HOTLINE_INSTANCE_PATH": str(tmp_path / "worker-instance"),
        "TWILIO_API_URL": api_url,
        **{
            name: str(app.config[name])
            for name in (
                "DATABASE_URL",
                "TWILIO_ACCOUNT_SID",
                "TWILIO_AUTH_TOKEN",
                "HOTLINE_PUBLIC_URL",
                "HOTLINE_PSEUDONYM_KEY",
                "HOTLINE_ENCRYPTION_KEY",
                "HOTLINE_SECRET_KEY",
            )
        },
        "REDIS_URL": redis_url(app),
    }
    return subprocess.Popen(
        [sys.executable, "-m", "hotline.cli", "worker", "--burst"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def kill_with_children(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL the worker and whatever it forked (rq's scheduler; a work horse leaves the
    process group with setpgrp, so killing the group would not reach it)."""
    parent = psutil.Process(process.pid)
    for child in parent.children(recursive=True):
        child.send_signal(signal.SIGKILL)
    parent.send_signal(signal.SIGKILL)
    process.wait(timeout=10)


def test_worker_killed_mid_placement_still_places_exactly_one_call(
    held_api: tuple[Flask, TwilioEmulator, HeldCalls, str],
    make_app: AppMaker,
    redis: Redis,
    session: Session,
    tmp_path: Path,
) -> None:
    app, emulator, held, api_url = held_api
    hotline = Hotline(app, emulator)
    hotline.line()
    hotline.counsellor("Aigul", AIGUL)
    emulator.add_phone(CALLER, Behaviour.ANSWER_ACCEPT)
    emulator.call(CALLER, LINE, keys=["1", "2", "1", "1", "1"])  # a callback, as soon as possible
    deliveries = Deliveries(app, emulator, redis)
    assert deliveries.due_scheduled() == 1

    worker = start_worker(app, api_url, tmp_path)
    try:
        assert held.created.wait(30), "the worker never reached Twilio"
        kill_with_children(worker)
    finally:
        if worker.poll() is None:
            worker.kill()
    stuck = the_callback(session)
    assert (stuck.state, stuck.counsellor_call_sid) == (CallbackState.RINGING_COUNSELLOR, None)
    counsellor_calls = [c for c in emulator.calls.values() if c.to == AIGUL]
    assert len(counsellor_calls) == 1  # Twilio has it; we do not know its sid

    later = datetime.now(UTC) + timedelta(minutes=11)
    # The same app and Twilio eleven minutes on.
    app_later, _ = make_app(HOTLINE_CLOCK=lambda: later, TWILIO_HTTP_CLIENT=emulator.http_client)
    sweep(app_later)  # finds the call at Twilio and adopts it: no second call
    assert the_callback(session).counsellor_call_sid == counsellor_calls[0].call_sid
    emulator.run_pending()  # the call goes on: counsellor accepts, the caller is dialled
    # RQ may run the killed job again (at-least-once): it must place nothing.
    deliveries.queue.enqueue("workers.jobs.place_callback", stuck.id, job_id="rerun")
    deliveries.run()
    done = the_callback(session)
    assert (done.state, done.number_sealed) == (CallbackState.COMPLETED, None)
    assert [c.to for c in emulator.calls.values() if c.direction == "outbound-api"] == [AIGUL]
    caller_legs = [
        leg
        for call in emulator.calls.values()
        for dial in call.events(EventKind.DIAL)
        for leg in dial.legs
        if leg.number == CALLER
    ]
    assert [leg.result for leg in caller_legs] == [LegResult.ACCEPTED]
