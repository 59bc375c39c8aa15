"""The database engine and the per-request session; the view or job owns the commit."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from hotline import db_cursor, db_deadline
from hotline.context import this_app, this_g

EXTENSION = "hotline.db"
STEPS_EXTENSION = "hotline.db.steps"

log = logging.getLogger(__name__)


def database_url(settings: dict[str, Any], instance_path: Path) -> str:
    """DATABASE_URL, or SQLite under instance/ for a laptop."""
    url = str(settings.get("DATABASE_URL") or "")
    if url:
        # PaaS providers hand out postgres:// URLs; SQLAlchemy wants a driver name.
        for prefix in ("postgres://", "postgresql://"):
            if url.startswith(prefix):
                return "postgresql+psycopg://" + url[len(prefix) :]
        return str(url)
    instance_path.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{instance_path / 'hotline.sqlite3'}"


def make_engine(
    url: str,
    connect_timeout: int = 3,
    statement_timeout_ms: int = 5000,
    busy_seconds: float = 3.0,
    pool_size: int = 5,
    steps: bool = False,
) -> Engine:
    """An engine with short timeouts: a hung database must not hold a caller past Twilio's 15 s.

    `busy_seconds` is how long SQLite waits for another writer's lock; nothing from outside
    can cut that wait short, so it must fit a web request's deadline. `pool_size` connections
    stay open: fewer than the web threads, and the overflow is opened and closed per request
    (a new PostgreSQL backend each time) or a thread waits for one, outside any deadline.
    `steps`: the engine of a call's steps (`call_steps`), PostgreSQL only.
    """
    backend = make_url(url).get_backend_name()
    if backend == "sqlite":
        # Named parameters, which sqlite3 takes as well as "?": statements then run direct
        # (hotline.db_direct), as on PostgreSQL, not each through SQLAlchemy's execution.
        engine = create_engine(
            url, connect_args={"timeout": busy_seconds}, pool_size=pool_size, paramstyle="named"
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    connect_args: dict[str, Any] = {}
    if backend == "postgresql":
        options = f"-c statement_timeout={statement_timeout_ms}"
        if steps:
            options += " -c synchronous_commit=off"
        connect_args = {
            "connect_timeout": connect_timeout,
            "options": options,
            # Prepared at a statement's first run on a connection, not its sixth: the pool
            # spreads a line's few calls over many connections, and a burst of calls meets
            # connections that never ran the hunt; unprepared, PostgreSQL parses the whole
            # text every time. (A prepared text must hold one statement: ours each do.)
            "prepare_threshold": 0,
            "cursor_factory": db_cursor.Cursor,  # columns described only when read
        }
    # No pre-ping: it runs before a request can watch the connection, so a stalled server
    # would hold it; a connection found dead is thrown away with the pool instead.
    # A call's steps: each connection in autocommit from the start, nothing to switch and reset.
    level = {"isolation_level": "AUTOCOMMIT"} if steps else {}
    return create_engine(url, connect_args=connect_args, pool_size=pool_size, **level)


def _sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    # WAL lets the web and the worker read while the other writes (the busy wait is the
    # driver's `timeout`).
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def init_app(app: Flask) -> None:
    """Create the engine and session factory and close the request's session at teardown."""
    url = database_url(app.config, Path(app.instance_path))
    deadline = float(app.config["HOTLINE_DB_DEADLINE_SECONDS"])
    settings = {
        "connect_timeout": app.config["HOTLINE_DB_CONNECT_TIMEOUT"],
        "statement_timeout_ms": app.config["HOTLINE_DB_STATEMENT_TIMEOUT_MS"],
        "busy_seconds": deadline if deadline > 0 else 3.0,
        "pool_size": app.config["HOTLINE_DB_POOL_SIZE"],
    }
    engine = make_engine(url, **settings)
    steps = engine  # SQLite: one writer at a time; its steps switch to autocommit as before
    if engine.dialect.name == "postgresql":
        # Its pool opens connections as steps need them: as many as voice webhooks run at once.
        steps = make_engine(url, **settings, steps=True)
    app.extensions[EXTENSION] = sessionmaker(engine, expire_on_commit=False)
    app.extensions[STEPS_EXTENSION] = steps
    db_deadline.install(app, engine, steps)
    app.teardown_appcontext(_close_session)


def session_factory(app: Flask | None = None) -> sessionmaker[Session]:
    """The app's session factory (for jobs and commands that manage their own sessions)."""
    factory: sessionmaker[Session] = (app or this_app()).extensions[EXTENSION]
    return factory


def engine(app: Flask | None = None) -> Engine:
    """The app's engine."""
    bind = session_factory(app).kw["bind"]
    assert isinstance(bind, Engine)
    return bind


def dispose(app: Flask, close: bool = True) -> None:
    """Close the pools of the app's engines (`close=False`: forget them, in a forked child)."""
    engine(app).dispose(close=close)
    steps_engine(app).dispose(close=close)


def steps_engine(app: Flask | None = None) -> Engine:
    """The engine of a call's steps (`call_steps`); on SQLite the app's engine."""
    steps: Engine = (app or this_app()).extensions[STEPS_EXTENSION]
    return steps


def get_session() -> Session:
    """The session of the current request or app context, made on first use."""
    context = this_g()
    session: Session | None = context.get("db_session")
    if session is None:
        session = context.db_session = session_factory()()
    return session


@contextmanager
def statements_alone(app: Flask | None = None) -> Iterator[Connection]:
    """A Core connection for statements that each stand alone (the driver's autocommit): no
    BEGIN and COMMIT round trips around them (two of a menu step's three), and no ORM session
    (a menu step's one UPDATE spent a tenth of its CPU on the session's transaction and
    connection bookkeeping). The request's deadline watches it as any other."""
    with engine(app).connect() as connection:
        yield connection.execution_options(isolation_level="AUTOCOMMIT")


@contextmanager
def written_at_once(app: Flask | None = None) -> Iterator[Connection]:
    """A Core connection for a write that PostgreSQL does in one statement, standing alone as
    in `statements_alone` (its commit waits for the disk), and SQLite in several: in a
    transaction there, committed at the end and rolled back on an error."""
    if engine(app).dialect.name == "postgresql":
        with statements_alone(app) as connection:
            yield connection
    else:
        with engine(app).begin() as connection:
            yield connection


@contextmanager
def offers_taken(app: Flask | None = None) -> Iterator[Connection]:
    """A Core transaction for a hunt's offer (`hunting.take_offer`), committed at the end and
    rolled back on an error: no ORM session, whose transaction and connection bookkeeping
    cost a ringing hunt 7 to 8% of its instructions (docs/performance.md)."""
    with engine(app).begin() as connection:
        yield connection


@contextmanager
def call_steps(app: Flask | None = None) -> Iterator[Connection]:
    """A Core connection for a voice call's steps as the call log records them (a new call, a
    language or key chosen, a hunt's look at the roster and a turn on hold): statements that
    each stand alone, as in `statements_alone`, on an engine of their own whose connections are
    in autocommit from the start and whose commits do not wait for the disk on PostgreSQL
    (synchronous_commit off).

    While a webhook waited for its step to reach the disk, it held one of the process's few
    turns (hotline.turns): without the wait a process served 13% more new calls and 26% more
    language choices (docs/performance.md). What the wait guarded: if the database server
    itself crashed, the steps of its last fraction of a second (at most three times
    wal_writer_delay, 0.6 s by default) would be lost; the calls then in progress go to the
    reserve line anyway, since their database is down. Visibility is unchanged: the next
    statement, on any connection, sees the step. Reservations and offers (a hunt that rings
    someone), a callback's claim, a call's end and everything else still wait for the disk, and
    each such commit makes every step before it durable too. The worker writes one more thing
    here: the CallSid of a callback's counsellor leg, after Twilio's answer. If it is lost, the
    sweeper finds that call at Twilio and adopts it, as after a worker killed right then."""
    with steps_engine(app).connect() as connection:
        if connection.dialect.name == "postgresql":
            yield connection
        else:
            yield connection.execution_options(isolation_level="AUTOCOMMIT")


@contextmanager
def session_scope(app: Flask | None = None) -> Iterator[Session]:
    """A session that commits on success and rolls back on error (jobs, CLI)."""
    with session_factory(app)() as session, session.begin():
        yield session


def discard_session() -> None:
    """Roll back the request's session after a failure; a database that is down is no error."""
    session: Session | None = this_g().get("db_session")
    if session is None:
        return
    try:
        session.rollback()
    except Exception:  # the database may be the very thing that failed
        log.warning("rollback failed after a webhook error")


def _close_session(exc: BaseException | None) -> None:
    session: Session | None = this_g().pop("db_session", None)
    if session is not None:
        session.close()
