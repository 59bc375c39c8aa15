"""The worker runs each job in its own process, inside the app: a job past its timeout is
stopped all the same, and the next job runs on the same worker and the same pools."""

from __future__ import annotations

import os
import time

import pytest
from flask import Flask, current_app, url_for
from redis import Redis
from rq.job import Job, JobStatus
from sqlalchemy import text

from hotline.db import engine, session_scope
from hotline.extensions import get_queue
from tests.conftest import AppMaker
from workers.placing import leg_urls
from workers.runner import make_worker
from workers.sending import status_url

STUCK_SECONDS = 10


def stuck_in_the_database() -> str:
    """A job whose query outlasts its timeout (SQLite cannot sleep in SQL: the job does)."""
    with session_scope(current_app) as session:
        if engine(current_app).dialect.name == "postgresql":
            session.execute(text("SELECT pg_sleep(:s)"), {"s": STUCK_SECONDS})
        else:
            session.execute(text("SELECT 1"))
            time.sleep(STUCK_SECONDS)
    return "finished"


def where_am_i() -> int:
    """A job that answers from the database, and says which process ran it."""
    with session_scope(current_app) as session:
        assert session.execute(text("SELECT 1")).scalar() == 1
    return os.getpid()


def test_a_job_past_its_timeout_is_stopped_and_the_worker_goes_on(app: Flask, redis: Redis) -> None:
    queue = get_queue(app, redis)
    queue.enqueue(f"{__name__}.stuck_in_the_database", job_id="stuck", job_timeout=1)
    queue.enqueue(f"{__name__}.where_am_i", job_id="after", job_timeout=5)
    began = time.monotonic()
    make_worker(app, redis).work(burst=True)
    assert time.monotonic() - began < STUCK_SECONDS / 2
    stuck = Job.fetch("stuck", connection=redis, serializer=queue.serializer)
    assert stuck.get_status() == JobStatus.FAILED
    result = stuck.latest_result()
    assert result is not None and "JobTimeoutException" in (result.exc_string or "")
    after = Job.fetch("after", connection=redis, serializer=queue.serializer)
    assert after.get_status() == JobStatus.FINISHED
    assert after.return_value() == os.getpid()  # in the worker's own process: no work horse


@pytest.mark.parametrize("base", ["https://hotline.example.org", "https://example.org/kg/hotline"])
def test_the_urls_a_job_gives_twilio_are_those_a_request_under_the_public_url_builds(
    make_app: AppMaker, base: str
) -> None:
    """A callback's legs and a message's status callback, built outside any request, are the
    URLs Flask builds inside one made under HOTLINE_PUBLIC_URL (a path prefix kept)."""
    app, _ = make_app(HOTLINE_PUBLIC_URL=base)
    with app.test_request_context("/", base_url=base):
        screen = url_for("ivr.callback_legs.screen", callback=7, _external=True)
        ended = url_for("ivr.callback_legs.status", callback=7, _external=True)
        sent = url_for("sms.status", m=12, _external=True)

    legs = leg_urls(app, 7)
    assert (legs["url"], legs["status_callback"], status_url(app, 12)) == (screen, ended, sent)
    assert legs["url"] == f"{base}/voice/callback/screen?callback=7"
