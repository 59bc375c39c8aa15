"""Fixtures: a migrated database (SQLite, or PostgreSQL from DATABASE_URL), a real Redis
(REDIS_URL, or one embedded server for the session), and the app built on them with the
Twilio emulator's fakes (its HTTP client, its clock) injected when it is made, never after.

Shared helpers live here too: `Hotline` arranges lines and counsellors as an operator would,
`signed` signs a hand-made webhook, `twiml` parses a TwiML answer.
"""

from __future__ import annotations

import io
import logging
import os
import xml.etree.ElementTree as ElementTree
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import click
import pytest
from argon2 import PasswordHasher
from click.testing import Result
from cryptography.fernet import Fernet
from flask import Flask
from flask.testing import FlaskCliRunner
from redis import Redis
from sqlalchemy import URL, Engine, create_engine, event, make_url, text
from sqlalchemy.orm import Session
from twilio.request_validator import RequestValidator

from hotline import create_app, db, embedded_redis, migrate, roster
from hotline.cli import main
from hotline.db import engine, make_engine, session_factory, session_scope
from hotline.directory import load_directory, sync_centres
from hotline.extensions import connect, get_keyring, get_redis
from hotline.models import Base, DutyOverride, Strategy
from hotline.simulator import Behaviour, SimClock, SmsMessage, TwilioEmulator, WsgiTransport

# The console's fixtures: accounts and a browser-like client (tests/console_support.py), a
# real Chromium (tests/browser_support.py).
pytest_plugins = ["tests.console_support", "tests.browser_support"]

AUTH_TOKEN = "test-auth-token-0123456789abcdef"
ACCOUNT_SID = "AC" + "0" * 32
PUBLIC_URL = "https://hotline.example.org"
LINE = "+996312900100"
RESERVE = "+996312000111"  # HOTLINE_BACKUP_NUMBER in the test config
TESTS_BEGIN = datetime(2026, 11, 24, 5, 0, tzinfo=UTC)  # Tuesday 11:00 in Bishkek (UTC+6)

CHEAP_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)

AppMaker = Callable[..., tuple[Flask, TwilioEmulator]]


def worker_index(worker_id: str) -> int:
    """0 for a plain run or pytest-xdist's first worker ("gw0"), 1 for "gw1", ..."""
    return int(worker_id[2:]) if worker_id.startswith("gw") else 0


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> str:
    """PostgreSQL when DATABASE_URL is set (make test's second pass), else a SQLite file.

    Under pytest-xdist each worker has its own PostgreSQL database, `<name>_gw<n>`, made here.
    """
    url = os.environ.get("DATABASE_URL")
    if not url:
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'hotline.sqlite3'}"
    url = url.replace("postgresql://", "postgresql+psycopg://", 1)
    if worker_id == "master":
        return url
    own = make_url(url).set(database=f"{make_url(url).database}_{worker_id}")
    _create_database(own)
    return own.render_as_string(hide_password=False)


def _create_database(url: URL) -> None:
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        found = connection.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": url.database}
        ).scalar()
        if not found:
            connection.execute(text(f'CREATE DATABASE "{url.database}"'))
    admin.dispose()


@pytest.fixture(scope="session")
def migrated_engine(database_url: str) -> Iterator[Engine]:
    """The schema built by our migrations (not create_all), from an empty database."""
    engine = make_engine(database_url)
    _drop_everything(engine)
    migrate.upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def redis_url(
    tmp_path_factory: pytest.TempPathFactory, worker_id: str, testrun_uid: str
) -> Iterator[str]:
    """REDIS_URL when set (a real server), else one embedded server, stopped with the session.

    Under pytest-xdist each worker takes its own database number: the one given, then the
    ones below it (flushed around every test, like the one given), held for this run alone.
    """
    url = os.environ.get("REDIS_URL")
    if url:
        parts = urlsplit(url)
        number = int(parts.path.strip("/") or 0) - worker_index(worker_id)
        own = urlunsplit(parts._replace(path=f"/{number}"))
        with redis_database_held(own, testrun_uid):
            yield own
        return
    yield embedded_redis.join_or_start(tmp_path_factory.mktemp("redis"))
    embedded_redis.stop_owned()


TEST_RUN_CLIENT = "hotline-tests-"


@contextmanager
def redis_database_held(url: str, run: str) -> Iterator[None]:
    """Hold the Redis database of `url` for test run `run` while it lasts, or refuse it at once
    if another test run holds it: every test flushes it, so two runs on one database fail
    each other's tests at random. Held by a named connection: a run that dies lets go."""
    holder = connect(url, timeout=2.0)
    holder.client_setname(TEST_RUN_CLIENT + run)
    number = str(holder.connection_pool.connection_kwargs.get("db", 0))
    others = {
        client["name"]
        for client in holder.client_list()
        if client.get("db") == number
        and client["name"].startswith(TEST_RUN_CLIENT)
        and client["name"] != TEST_RUN_CLIENT + run
    }
    if others:
        holder.close()
        raise RuntimeError(
            f"another test run is using Redis database {number} (REDIS_URL): "
            "let it finish, or give this run another database number"
        )
    try:
        yield
    finally:
        holder.close()


@pytest.fixture
def redis(redis_url: str) -> Iterator[Redis]:
    """A client on the test Redis, flushed before and after each test (as RQ's tests do)."""
    client = connect(redis_url, timeout=2.0)
    client.flushdb()
    yield client
    client.flushdb()
    client.close()


@pytest.fixture
def config(tmp_path: Path, database_url: str, redis_url: str) -> dict[str, Any]:
    """Settings for the test app; a test may change them before it asks for `app`."""
    return {
        "TESTING": True,
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "HOTLINE_PUBLIC_URL": PUBLIC_URL,
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "HOTLINE_PSEUDONYM_KEY": "test-pseudonym-key",
        "HOTLINE_ENCRYPTION_KEY": Fernet.generate_key().decode(),
        "HOTLINE_BACKUP_NUMBER": RESERVE,
        "HOTLINE_PASSWORD_HASHER": CHEAP_HASHER,  # argon2id, cheap: a test signs in often
    }


@pytest.fixture
def clock() -> SimClock:
    """The test's time: every app and emulator of a test shares it; only `advance` moves it.

    It starts at the same instant every run (a Tuesday, 11:00 in Bishkek), so no test depends
    on the hour or the day it happens to run.
    """
    return SimClock(TESTS_BEGIN)


@pytest.fixture
def make_app(
    config: dict[str, Any], clock: SimClock, migrated_engine: Engine, redis: Redis
) -> Iterator[AppMaker]:
    """Build an app (with `changes` to the config) and the emulator that drives it."""
    made: list[Flask] = []

    def build(**changes: Any) -> tuple[Flask, TwilioEmulator]:
        emulator = TwilioEmulator(None, ACCOUNT_SID, AUTH_TOKEN, PUBLIC_URL, clock=clock)
        fakes = {"TWILIO_HTTP_CLIENT": emulator.http_client, "HOTLINE_CLOCK": clock.now}
        app = create_app({**config, **fakes, **changes})
        emulator.connect(WsgiTransport(app))
        made.append(app)
        return app, emulator

    yield build
    for app in made:  # close their pools: a leaked connection is a warning, and an error here
        db.dispose(app)
        get_redis(app).close()
    _empty_tables(migrated_engine)


@pytest.fixture
def app_and_emulator(make_app: AppMaker) -> tuple[Flask, TwilioEmulator]:
    """The test's app and its emulator."""
    return make_app()


@pytest.fixture
def app(app_and_emulator: tuple[Flask, TwilioEmulator]) -> Flask:
    """The app on the migrated database; every table is emptied after the test."""
    return app_and_emulator[0]


@pytest.fixture
def emulator(app_and_emulator: tuple[Flask, TwilioEmulator]) -> TwilioEmulator:
    """Twilio, emulated: drives the app's webhooks and serves the app's REST calls."""
    return app_and_emulator[1]


@pytest.fixture
def session(app: Flask) -> Iterator[Session]:
    """A session on the app's database for arranging and asserting."""
    with session_factory(app)() as session:
        yield session


class HotlineCliRunner(FlaskCliRunner):
    """Runs `hotline` commands (the console script's group) against the test app."""

    def invoke(  # type: ignore[override]
        self, cli: click.Command | None = None, args: Any = None, **kwargs: Any
    ) -> Result:
        return super().invoke(cli or main, args, **kwargs)


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    """Runs `hotline` commands against the test app."""
    return HotlineCliRunner(app)


def _empty_tables(engine: Engine) -> None:
    with engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(table.delete())


def _drop_everything(engine: Engine) -> None:
    with engine.begin() as connection:
        Base.metadata.drop_all(connection)
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))


class Hotline:
    """Arranges lines and counsellors the way an operator would, through the roster."""

    def __init__(self, app: Flask, emulator: TwilioEmulator) -> None:
        self.app = app
        self.emulator = emulator

    def line(
        self,
        number: str = LINE,
        language: str = "ky",
        centre: str | None = None,
        strategy: Strategy = Strategy.LINEAR,
        **settings: int,
    ) -> str:
        with session_scope(self.app) as session:
            line = roster.add_line(session, number, language, centre, strategy)
            for name, value in settings.items():
                setattr(line, name, value)
        self.emulator.add_line(number)
        return number

    def counsellor(
        self,
        name: str,
        phone: str,
        languages: str = "ky,ru,uz,en",
        behaviour: Behaviour = Behaviour.ANSWER_ACCEPT,
        centre: str | None = None,
        on_duty: bool = True,
        position: int = 0,
    ) -> str:
        with session_scope(self.app) as session:
            added = roster.add_counsellor(
                session,
                get_keyring(self.app),
                name=name,
                phone=phone,
                languages=languages.split(","),
                centre_slug=centre,
            )
            added.position = position
            added.duty = DutyOverride.ON if on_duty else None
        self.emulator.add_phone(phone, behaviour)
        return phone

    def centres(self) -> None:
        with session_scope(self.app) as session:
            sync_centres(
                session,
                load_directory(Path(self.app.config["HOTLINE_CONFIG_DIR"]) / "centres.yaml"),
            )


@pytest.fixture
def hotline(app: Flask, emulator: TwilioEmulator) -> Hotline:
    """Helper to set up lines and counsellors."""
    return Hotline(app, emulator)


def voice_form(call_sid: str, caller: str = "+996700123456", **extra: str) -> dict[str, str]:
    """A hand-made voice webhook's form, with what Twilio always sends (`extra` on top)."""
    return {
        "CallSid": call_sid,
        "AccountSid": ACCOUNT_SID,
        "From": caller,
        "To": LINE,
        "CallStatus": "in-progress",
        "Direction": "inbound",
        "ApiVersion": "2010-04-01",
        **extra,
    }


def signed(path: str, form: dict[str, str], token: str = AUTH_TOKEN) -> dict[str, str]:
    """Headers signing a hand-made webhook to `path` as Twilio would."""
    signature = RequestValidator(token).compute_signature(PUBLIC_URL + path, form)
    return {"X-Twilio-Signature": signature}


def twiml(body: str) -> ElementTree.Element:
    """A TwiML answer parsed: the <Response> element (fails the test if it is not XML)."""
    root = ElementTree.fromstring(body)
    assert root.tag == "Response", body
    return root


# The webhooks whose answer may be the hunt's: /voice/hunt, and those that hunt at once (the
# menus when a caller asks for a counsellor, the dial action when nobody answered).
HUNTING_PATHS = ("/voice/hunt", "/voice/language", "/voice/menu", "/voice/dial-done")


def hunt_answers(record: Any) -> list[str]:
    """The hunt's answers to a call, in order: a ring, a turn on hold (it asks /voice/hunt
    again), or the menu after nobody could answer."""
    return [r.body for r in record.requests if r.path in HUNTING_PATHS and _hunted(r.body)]


def _hunted(body: str) -> bool:
    answer = twiml(body)
    gather = answer.find("Gather")
    return (
        answer.find("Dial") is not None
        or any(v.tag == "Redirect" and (v.text or "").startswith("/voice/hunt") for v in answer)
        or (gather is not None and gather.get("action") == "/voice/after-hunt")
    )


def verbs(body: str) -> list[str]:
    """The top-level verbs of a TwiML answer, in order: ["Gather", "Redirect"]."""
    return [child.tag for child in twiml(body)]


def spoken(body: str) -> list[str]:
    """What a TwiML answer speaks, in order: a <Play>'s URL, or "say:" and a <Say>'s language."""
    return [
        node.text or "" if node.tag == "Play" else f"say:{node.get('language')}"
        for node in twiml(body).iter()
        if node.tag in ("Play", "Say")
    ]


@pytest.fixture
def captured_logs() -> Iterator[io.StringIO]:
    """Everything logged at any level while the test runs, as text."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield stream
    root.removeHandler(handler)
    root.setLevel(old_level)


def reads_of(table: str, app: Flask) -> list[str]:
    """Every statement the app runs from now on that reads `table` alone (a lazy load, say):
    the list grows as the test goes on."""
    seen: list[str] = []

    def note(*run: Any) -> None:
        if run[2].lstrip().startswith(f"SELECT {table}."):
            seen.append(run[2])

    event.listen(engine(app), "before_cursor_execute", note)
    return seen


def database_text(engine: Engine) -> str:
    with engine.connect() as connection:
        rows = [
            repr(tuple(row))
            for table in Base.metadata.sorted_tables
            for row in connection.execute(text(f"SELECT * FROM {table.name}"))
        ]
    return "\n".join(rows)


def redis_text(redis: Redis) -> str:
    chunks = []
    for key in redis.scan_iter():
        chunks.append(repr(key))
        kind = redis.type(key).decode()
        if kind == "string":
            chunks.append(repr(redis.get(key)))
        elif kind == "hash":
            chunks.append(repr(redis.hgetall(key)))
        elif kind == "list":
            chunks.append(repr(redis.lrange(key, 0, -1)))
        elif kind == "set":
            chunks.append(repr(redis.smembers(key)))
        elif kind == "zset":
            chunks.append(repr(redis.zrange(key, 0, -1)))
    return "\n".join(chunks)


class Phones:
    """Every SMS the account sends, as each phone receives it (body read at sending time)."""

    def __init__(self, emulator: TwilioEmulator) -> None:
        self.received: dict[str, list[SmsMessage]] = defaultdict(list)
        self.bodies: dict[str, list[str]] = defaultdict(list)
        emulator.on_message = self.add

    def add(self, message: SmsMessage) -> None:
        self.received[message.to].append(message)
        self.bodies[message.to].append(message.body)

    def last(self, number: str) -> str:
        return self.bodies[number][-1]

    def senders(self) -> set[str]:
        return {m.from_ for messages in self.received.values() for m in messages}


@pytest.fixture
def phones(emulator: TwilioEmulator) -> Phones:
    return Phones(emulator)
