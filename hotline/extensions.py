"""What `init_app` attaches to the app: the keyring, Redis and the RQ queue, the Twilio client,
the clock. Each is made once from the app's config and fetched with a getter.

Redis is connected on first use: commands that never touch it (a roster change, `--help`)
do not start the embedded server. The Twilio REST client too: only jobs call Twilio's API, so
a web worker never loads it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from flask import Flask
from redis import Redis
from redis.backoff import NoBackoff
from redis.retry import Retry
from rq import Queue
from rq.serializers import JSONSerializer

from hotline import embedded_redis
from hotline.context import this_app
from hotline.privacy import Keyring

if TYPE_CHECKING:
    from twilio.rest import Client

KEYRING = "hotline.keyring"
REDIS = "hotline.redis"
TWILIO = "hotline.twilio"
QUEUE_NAME = "hotline"

# What the Twilio REST client is made from.
TWILIO_SETTINGS = (
    "TWILIO_HTTP_CLIENT",
    "TWILIO_API_URL",
    "HOTLINE_TWILIO_TIMEOUT",
    "TWILIO_ACCOUNT_SID",
    "TWILIO_AUTH_TOKEN",
)


class LazyRedis:
    """The app's Redis client, made (and the embedded server joined or started) on first use."""

    def __init__(self, url: str | None, instance_path: Path, timeout: float | None) -> None:
        self._url = url
        self._instance_path = instance_path
        self._timeout = timeout
        self._client: Redis | None = None
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        """REDIS_URL, or the embedded server's socket (joined or started now)."""
        return self._url or embedded_redis.join_or_start(self._instance_path)

    def client(self) -> Redis:
        """The client, made once."""
        with self._lock:
            if self._client is None:
                self._client = connect(self.url, self._timeout)
            return self._client


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


class LazyTwilio:
    """The app's Twilio REST client, made on first use (by a job: the web never needs one)."""

    def __init__(self, config: Mapping[str, Any]) -> None:
        self._config = {name: config.get(name) for name in TWILIO_SETTINGS}
        self._client: Client | None = None
        self._lock = threading.Lock()

    def client(self) -> Client:
        """The client, made once."""
        with self._lock:
            if self._client is None:
                from hotline.twilio_rest import make_client

                self._client = make_client(self._config)
            return self._client


def init_app(app: Flask) -> None:
    """Attach the keyring, Redis and the Twilio client; TWILIO_HTTP_CLIENT replaces HTTP."""
    config = app.config
    app.extensions[KEYRING] = Keyring.from_config(config)
    app.extensions[REDIS] = LazyRedis(
        config.get("REDIS_URL"), Path(app.instance_path), config["HOTLINE_REDIS_TIMEOUT"]
    )
    app.extensions[TWILIO] = LazyTwilio(config)


def get_keyring(app: Flask | None = None) -> Keyring:
    """The app's keyring: pseudonyms and sealed numbers."""
    keyring: Keyring = (app or this_app()).extensions[KEYRING]
    return keyring


def redis_url(app: Flask | None = None) -> str:
    """The URL of the app's Redis (the worker opens its own blocking connection to it)."""
    lazy: LazyRedis = (app or this_app()).extensions[REDIS]
    return lazy.url


def get_redis(app: Flask | None = None) -> Redis:
    """The app's Redis client (short timeouts, no retries)."""
    lazy: LazyRedis = (app or this_app()).extensions[REDIS]
    return lazy.client()


def get_queue(app: Flask | None = None, connection: Redis | None = None) -> Queue:
    """The hotline's RQ queue, JSON-serialized so job data stays readable and pickle-free."""
    return Queue(QUEUE_NAME, connection=connection or get_redis(app), serializer=JSONSerializer)


def get_twilio(app: Flask | None = None) -> Client:
    """The app's Twilio REST client."""
    lazy: LazyTwilio = (app or this_app()).extensions[TWILIO]
    return lazy.client()


def now(app: Flask | None = None) -> datetime:
    """The current time, aware, in UTC: real time, or the clock a test injects (HOTLINE_CLOCK)."""
    clock: Callable[[], datetime] | None = (app or this_app()).config.get("HOTLINE_CLOCK")
    return clock() if clock else datetime.now(UTC)


def local_zone(app: Flask | None = None) -> ZoneInfo:
    """HOTLINE_TIMEZONE: the zone shifts and safe callback windows are written in."""
    return ZoneInfo((app or this_app()).config["HOTLINE_TIMEZONE"])


def daily_at(app: Flask | None = None) -> time:
    """HOTLINE_DAILY_AT: the local time the worker's daily jobs run."""
    return time.fromisoformat((app or this_app()).config["HOTLINE_DAILY_AT"])


def default_region(app: Flask | None = None) -> str:
    """HOTLINE_DEFAULT_REGION: how a number without a country code is read."""
    region: str = (app or this_app()).config["HOTLINE_DEFAULT_REGION"]
    return region


def setting(name: str, app: Flask | None = None) -> Any:
    """One setting of the running app."""
    return (app or this_app()).config[name]
