"""A deadline on a web request's database calls: a stuck call is cut off, never waited out.

PostgreSQL's statement_timeout is enforced by the server, no help when the server or the network
stalls after the pool has its connections; a blocked thread would wait for minutes. So every
connection a web request checks out is watched, and once the request's deadline passes the
watchdog breaks it from outside: a PostgreSQL connection's socket is shut down, a SQLite
connection interrupted. The blocked call raises at once, the voice webhook answers with the
reserve line, and the pool throws the connection away (calls flow again when the database is
back, with no restart).

Once the database has stalled, waiting for it again would only tie up every web thread while
callers wait, /voice/fallback among them: so until a database call gets through again, one
request at a time tries it, with a fifth of the deadline (a database that is back answers in
milliseconds; a request that queued behind the stalled ones has spent its time already), and
the others give up at once.
"""

from __future__ import annotations

import logging
import os
import socket
import sqlite3
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import Any

from flask import Flask, has_request_context
from sqlalchemy import Engine, event

from hotline.context import this_app, this_g

log = logging.getLogger(__name__)

TICK_SECONDS = 0.05
PROBE_SHARE = 0.2
"""The share of the deadline a request gets to find out whether a stalled database is back."""
_RECORD_KEY = "hotline.deadline"
_CLOCK_KEY = "hotline.deadline_clock"


@dataclass(eq=False)
class _Watch:
    connection: Any  # a DBAPI connection (psycopg or sqlite3)
    deadline: float  # time.monotonic()
    breaker: Breaker  # told when the connection had to be broken
    thread: int  # the thread that checked it out: a web thread serves one request at a time


class Breaker:
    """Whether an app's database is stalling, as this process has seen it."""

    def __init__(self) -> None:
        self._stalled = False
        self._probe_until = 0.0  # a request trying the database with its full deadline
        self._lock = threading.Lock()

    def deadline(self, seconds: float) -> float:
        """A new request's deadline: the full one; while stalled, a probe's share for one
        request at a time, and none at all for the others."""
        now = time.monotonic()
        with self._lock:
            if not self._stalled:
                return now + seconds
            if now < self._probe_until:
                return now  # give up at once: the reserve line, and the thread is free again
            self._probe_until = now + seconds * PROBE_SHARE  # this request tries
            return self._probe_until

    def stalled(self) -> None:
        """A database call ran out of time."""
        with self._lock:
            self._stalled = True

    def recovered(self) -> None:
        """A database call got through in time."""
        with self._lock:
            self._stalled, self._probe_until = False, 0.0


class Watchdog:
    """Breaks watched connections whose deadline has passed; one thread per process."""

    def __init__(self) -> None:
        self._watched: set[_Watch] = set()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._pid = 0

    def watch(self, connection: Any, deadline: float, breaker: Breaker) -> _Watch:
        """Watch `connection` until `release`; break it if it is still out at `deadline`."""
        watch = _Watch(connection, deadline, breaker, threading.get_ident())
        with self._lock:
            self._watched.add(watch)
            if self._thread is None or self._pid != os.getpid():  # none yet, or forked
                self._pid = os.getpid()
                self._thread = threading.Thread(target=self._run, name="db-deadline", daemon=True)
                self._thread.start()
        return watch

    def move_deadlines(self, thread: int, deadline: float) -> None:
        """The connections `thread` has out are watched against `deadline` from now on."""
        with self._lock:
            for watch in self._watched:
                if watch.thread == thread:
                    watch.deadline = deadline

    def release(self, watch: _Watch) -> bool:
        """The connection went back to the pool; True if it did in time (it was not broken)."""
        with self._lock:
            in_time = watch in self._watched
            self._watched.discard(watch)
            return in_time

    def _run(self) -> None:
        while True:
            time.sleep(TICK_SECONDS)
            now = time.monotonic()
            with self._lock:
                late = [w for w in self._watched if w.deadline <= now]
                self._watched.difference_update(late)  # broken once; the pool discards them
            for watch in late:
                watch.breaker.stalled()
                _break(watch.connection)


def _break(connection: Any) -> None:
    """Make a call blocked on `connection` fail now."""
    log.warning("database call past its deadline: connection broken off")
    try:
        if isinstance(connection, sqlite3.Connection):
            connection.interrupt()
            return
        # psycopg: shut the socket down under it; its wait returns with an error at once.
        with socket.socket(fileno=os.dup(connection.fileno())) as sock:
            sock.shutdown(socket.SHUT_RDWR)
    except (OSError, ValueError, AttributeError) as exc:  # already closed or not ours
        log.warning("could not break a late database connection (%s)", type(exc).__name__)


WATCHDOG = Watchdog()
# New connections are made here, so a request can stop waiting for one: the driver's own
# connect timeout cannot go below 2 s, all of a webhook's budget.
CONNECTORS = 4
_CONNECTORS = ThreadPoolExecutor(max_workers=CONNECTORS, thread_name_prefix="db-connect")
# Connections being made now: never more than there are connectors, or attempts made while
# the database was away would queue up, and once it is back the probe would wait behind them.
_connecting = threading.BoundedSemaphore(CONNECTORS)


def connect_by(
    deadline: float, connect: Callable[[], Any], error: type[Exception], breaker: Breaker
) -> Any:
    """A new DBAPI connection from `connect()`, or `error` (the driver's own) at `deadline`."""
    left = deadline - time.monotonic()
    if left <= 0 or not _connecting.acquire(timeout=left):
        raise error("no database connection within the request's deadline")
    future: Future[Any] = _CONNECTORS.submit(connect)
    future.add_done_callback(lambda _: _connecting.release())
    try:
        return future.result(timeout=max(0.0, deadline - time.monotonic()))
    except FutureTimeout:
        future.add_done_callback(_close_late_connection)
        breaker.stalled()
        raise error("no database connection within the request's deadline") from None


def _close_late_connection(future: Future[Any]) -> None:
    if future.exception() is None:
        future.result().close()


def start_again() -> None:
    """A new deadline for what this request does next. For a webhook that does the work of two
    (a menu step, then the hunt), so each part has the time it had as a request of its own;
    connections it has out (the step's, which the hunt goes on with) and checks out from now on
    are watched against it."""
    restart = this_app().extensions.get(_CLOCK_KEY)
    if restart is not None:
        restart()
        WATCHDOG.move_deadlines(threading.get_ident(), this_g().db_deadline)


def _deadline() -> float | None:
    """The current request's deadline; None outside a request (jobs, commands)."""
    if not has_request_context():
        return None
    deadline: float | None = this_g().get("db_deadline")
    return deadline


def install(app: Flask, *engines: Engine) -> None:
    """Give every request of `app` HOTLINE_DB_DEADLINE_SECONDS for its database calls, on each
    of its engines (one database: a stall seen on one is a stall for all)."""
    seconds = float(app.config["HOTLINE_DB_DEADLINE_SECONDS"])
    if seconds <= 0:
        return
    breaker = Breaker()

    @app.before_request
    def _start_the_clock() -> None:
        this_g().db_deadline = breaker.deadline(seconds)

    app.extensions[_CLOCK_KEY] = _start_the_clock
    for engine in dict.fromkeys(engines):  # an engine given twice is watched once
        _watch_engine(engine, breaker)


def _watch_engine(engine: Engine, breaker: Breaker) -> None:
    @event.listens_for(engine, "do_connect")
    def _connect_in_time(dialect: Any, record: Any, cargs: Any, cparams: Any) -> Any:
        deadline = _deadline()
        if dialect.name == "sqlite" or deadline is None:
            return None  # a file opens at once; jobs and commands connect as usual

        def connect() -> Any:
            return dialect.connect(*cargs, **cparams)

        error = dialect.loaded_dbapi.OperationalError
        return connect_by(deadline, connect, error, breaker)

    @event.listens_for(engine, "checkout")
    def _watch(connection: Any, record: Any, proxy: Any) -> None:
        deadline = _deadline()
        if deadline is not None:
            record.info[_RECORD_KEY] = WATCHDOG.watch(connection, deadline, breaker)

    @event.listens_for(engine, "checkin")
    def _release(connection: Any, record: Any) -> None:
        watch = record.info.pop(_RECORD_KEY, None)
        if watch is not None and WATCHDOG.release(watch):
            breaker.recovered()
