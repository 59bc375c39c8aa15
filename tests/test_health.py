"""GET /healthz: database, Redis and the worker's heartbeat; no secrets in the answer."""

from __future__ import annotations

import time

from flask import Flask
from redis import Redis
from rq import Worker
from rq.serializers import JSONSerializer

from hotline.extensions import QUEUE_NAME
from tests.conftest import AppMaker


def test_healthy_only_with_a_live_worker(app: Flask, redis: Redis) -> None:
    client = app.test_client()
    before = client.get("/healthz")
    assert before.status_code == 503
    assert before.json == {
        "status": "degraded",
        "database": "ok",
        "redis": "ok",
        "worker": "missing",
    }
    worker = Worker([QUEUE_NAME], connection=redis, serializer=JSONSerializer)
    worker.register_birth()
    worker.heartbeat()
    after = client.get("/healthz")
    assert after.status_code == 200
    assert after.json == {"status": "ok", "database": "ok", "redis": "ok", "worker": "ok"}
    assert app.config["TWILIO_AUTH_TOKEN"] not in after.get_data(as_text=True)
    worker.register_death()


def test_redis_down_is_reported_quickly(make_app: AppMaker, app: Flask) -> None:
    # Nothing listens on port 1: a dead Redis must not hold the request for long.
    broken, _ = make_app(REDIS_URL="redis://127.0.0.1:1/0")
    started = time.monotonic()
    response = broken.test_client().get("/healthz")
    assert time.monotonic() - started < 3
    assert response.status_code == 503
    assert response.json is not None
    assert (response.json["database"], response.json["redis"]) == ("ok", "down")


def test_database_down_is_reported(make_app: AppMaker, app: Flask) -> None:
    broken, _ = make_app(DATABASE_URL="postgresql+psycopg://nobody@127.0.0.1:1/none")
    response = broken.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json is not None and response.json["database"] == "down"
