"""`python -m bench.callbacks`: callbacks placed by the real worker against the Twilio emulator,
beside what they cannot be faster than.

    python -m bench.callbacks [--callbacks 1000] [--backends postgresql,sqlite] [--rounds 3]

Three figures, measured one after the other on the same Redis and the same emulator:

- callbacks: N callbacks requested and queued as the app does, then `hotline worker --burst`
  (a process of its own) until the queue is empty; each places its counsellor's call through
  the emulator's REST API served over HTTP (TWILIO_API_URL), as Twilio's would be;
- noop: N jobs of a function that does nothing, queued the same way (ids, TTLs, JSON), worked
  by a plain `rq worker --burst` of the class the hotline's worker is built on;
- emulator: N Calls.create requests to the same emulator from the client the worker uses.

Both workers are timed from start to exit (imports and setup included), each from bytecode
compiled beforehand, as an installed package is (`compile_sources`). The target of issue
13: callbacks / (noop + emulator) <= 2, in the median of the rounds (ROUNDS, --rounds). Every
callback must be placed exactly once.

PostgreSQL: BENCH_DATABASE_URL (wiped); Redis: REDIS_URL (flushed), else an embedded one.
"""

from __future__ import annotations

import argparse
import compileall
import logging
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from redis import Redis
from rq import Queue
from rq.serializers import JSONSerializer
from sqlalchemy import func, select
from werkzeug.serving import make_server

from bench import stage as staging
from bench.servers import ROOT
from hotline import callbacks, create_app, queue_jobs
from hotline.db import session_scope
from hotline.extensions import get_keyring, get_queue, get_redis, get_twilio
from hotline.models import Callback, Line, SafeWindow
from hotline.simulator import TwilioEmulator
from hotline.simulator.server import rest_app
from workers.runner import make_worker

NOOP = "bench.noop.noop"
NOOP_QUEUE = "bench-noop"
# A shared machine's own speed moves from one minute to the next: on 2026-11-23 the same code
# gave 1.64 times in one run and 2.59 in another. So each backend is measured in rounds, each
# on a fresh stage, and the median round is the figure.
ROUNDS = 3


@dataclass(frozen=True)
class Figures:
    """One run's three figures, in seconds, and what the callbacks left behind."""

    callbacks: float
    noop: float
    emulator: float
    placed: int
    twilio_calls: int

    @property
    def ratio(self) -> float:
        """The callbacks' time over the ceiling (noop + emulator)."""
        return self.callbacks / (self.noop + self.emulator)


class EmulatorApi:
    """The emulator's REST API on a free loopback port, served from threads of this process.

    The calls it is asked for are kept, never run: the benchmark ends when they are placed."""

    def __init__(self) -> None:
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # a line per request otherwise
        self.emulator = TwilioEmulator(
            None, staging.ACCOUNT_SID, staging.AUTH_TOKEN, staging.PUBLIC_URL
        )
        self.emulator.add_line(staging.LINE)
        self._server = make_server(
            "127.0.0.1", 0, rest_app(self.emulator.http_client.api), threaded=True
        )
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @contextmanager
    def serving(self) -> Iterator[EmulatorApi]:
        """Serve until the block ends."""
        self._thread.start()
        try:
            yield self
        finally:
            self._server.shutdown()
            self._thread.join(timeout=5)
            self._server.server_close()


def request_callbacks(stage: staging.Stage, count: int) -> None:
    """`count` callers each ask for a callback as soon as possible; each is queued for placing."""
    app = stage.app
    policy = callbacks.policy_from(app.config)
    now = datetime.now(UTC)
    with session_scope(app) as session:
        line_id = session.scalar(select(Line.id).where(Line.number == staging.LINE))
        keyring = get_keyring(app)
        asked = []
        for n in range(count):
            number = f"+996700{n:06d}"
            asked.append(
                callbacks.request_callback(
                    session,
                    keyring,
                    line_id=line_id,
                    caller=keyring.pseudonym(number),
                    number=number,
                    language="ru",
                    window=SafeWindow.ASAP,
                    now=now,
                    zone=policy.zone,
                    source_sid=f"CA{n:032d}",
                )
            )
        session.flush()
        ids = [callback.id for callback in asked]
    queue = get_queue(app)
    for callback_id in ids:
        assert callbacks.deliver(queue, callback_id)


def queue_noops(redis: Redis, count: int) -> None:
    """`count` no-op jobs, queued as the hotline queues its jobs."""
    queue = Queue(NOOP_QUEUE, connection=redis, serializer=JSONSerializer)
    for n in range(count):
        assert queue_jobs.put(queue, NOOP, f"noop-{n}", n, callbacks.JOB_TIMEOUT)


def timed_process(command: list[str], env: dict[str, str]) -> float:
    """Seconds from starting `command` to its exit (which must be clean)."""
    began = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    spent = time.perf_counter() - began
    if done.returncode != 0:
        raise RuntimeError(f"{command[2:4]} failed:\n{done.stderr[-3000:]}")
    return spent


def rq_class_of(kind: type) -> type:
    """The rq worker class a worker class is built on: the bare side runs jobs the same way."""
    return next(k for k in kind.__mro__ if k.__module__.startswith("rq."))


def time_noop(stage: staging.Stage, redis: Redis, count: int) -> float:
    """A plain rq worker of the hotline's worker class through `count` no-op jobs."""
    queue_noops(redis, count)
    base = rq_class_of(type(make_worker(stage.app, redis)))
    command = [
        sys.executable, "-m", "rq.cli", "worker", "--burst", "--with-scheduler",
        "--url", stage.env["REDIS_URL"], "--serializer", "rq.serializers.JSONSerializer",
        "--worker-class", f"{base.__module__}.{base.__name__}", "--path", str(ROOT),
        NOOP_QUEUE,
    ]  # fmt: skip
    return timed_process(command, {**os.environ, **stage.env})


def time_emulator(stage: staging.Stage, api: EmulatorApi, count: int) -> float:
    """`count` Calls.create requests to the emulator, from the client the worker uses."""
    env = {**stage.env, "TWILIO_API_URL": api.url}
    client = get_twilio(create_app({"INSTANCE_PATH": env["HOTLINE_INSTANCE_PATH"], **env}))
    client.calls  # noqa: B018 (Twilio's modules load on first use: not part of the figure)
    began = time.perf_counter()
    for n in range(count):
        client.calls.create(
            to=f"+996555{n:06d}",
            from_=staging.LINE,
            timeout=25,
            url=f"{staging.PUBLIC_URL}/voice/callback/screen?callback={n}",
            status_callback=f"{staging.PUBLIC_URL}/voice/callback/status?callback={n}",
            status_callback_event=["completed"],
        )
    return time.perf_counter() - began


def compile_sources() -> None:
    """Compile the project's own modules to bytecode (the hotline's, and `bench.noop` the bare
    worker imports), as installing does, and as pip did for rq's. An editable install leaves
    them to be compiled on import, and where PYTHONDONTWRITEBYTECODE is set nothing is kept:
    every start of the worker compiled them all again (0.08 s of 0.58 s on an empty queue), a
    cost no installed hotline pays."""
    for package in ("hotline", "workers", "bench"):
        compileall.compile_dir(ROOT / package, quiet=1)


def time_callbacks(stage: staging.Stage, api: EmulatorApi) -> float:
    """`hotline worker --burst` through the queued callbacks, its REST calls to the emulator."""
    command = [sys.executable, "-m", "hotline.cli", "worker", "--burst"]
    return timed_process(command, {**os.environ, **stage.env, "TWILIO_API_URL": api.url})


def measure(database_url: str, count: int, folder: Path) -> Figures:
    """The three figures on one backend, N = `count`."""
    stage = staging.build(database_url, os.environ.get("REDIS_URL"), folder)
    # Each callback reserves its counsellor while the phone rings: one free counsellor each.
    staging.add_line_and_counsellors(stage, count, ["ru"])
    redis = get_redis(stage.app)
    redis.flushdb()
    with EmulatorApi().serving() as api:
        noop_seconds = time_noop(stage, redis, count)
        emulator_seconds = time_emulator(stage, api, count)
        before = len(api.emulator.calls)
        request_callbacks(stage, count)
        callback_seconds = time_callbacks(stage, api)
        twilio_calls = len(api.emulator.calls) - before
    with session_scope(stage.app) as session:
        placed = session.scalar(
            select(func.count())
            .select_from(Callback)
            .where(Callback.counsellor_call_sid.is_not(None))
        )
    return Figures(callback_seconds, noop_seconds, emulator_seconds, placed or 0, twilio_calls)


HEADER = (
    f"{'backend':<11}{'N':>6}{'callbacks s':>13}{'noop s':>9}{'emulator s':>12}"
    f"{'ratio':>7}{'placed':>8}{'calls':>7}"
)


def row(backend: str, count: int, figures: Figures) -> str:
    """One line of the table."""
    return (
        f"{backend:<11}{count:>6}{figures.callbacks:>13.2f}{figures.noop:>9.2f}"
        f"{figures.emulator:>12.2f}{figures.ratio:>7.2f}{figures.placed:>8}"
        f"{figures.twilio_calls:>7}"
    )


def run(backends: list[str], count: int, rounds: int = ROUNDS) -> list[tuple[str, Figures]]:
    """Measure each backend `rounds` times, each round on a fresh stage, printing its row as it
    comes, then the median round's ratio (of an even number, the higher of the middle two);
    the callable for `make bench`. Returns the median round of each backend."""
    compile_sources()
    print(HEADER, flush=True)
    results = []
    for backend in backends:
        done = []
        for _ in range(rounds):
            with tempfile.TemporaryDirectory() as folder:
                url = (
                    os.environ.get("BENCH_DATABASE_URL", staging.DEFAULT_POSTGRESQL)
                    if backend == "postgresql"
                    else f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
                )
                figures = measure(url, count, Path(folder))
            print(row(backend, count, figures), flush=True)
            if figures.placed != count or figures.twilio_calls != count:
                print(f"  NOT exactly once: {figures.placed} placed, {figures.twilio_calls} calls")
            done.append(figures)
        median = sorted(done, key=lambda figures: figures.ratio)[len(done) // 2]
        if rounds > 1:
            print(f"{backend:<11}median of {rounds} rounds: {median.ratio:.2f}", flush=True)
        results.append((backend, median))
    return results


def main() -> None:
    """Parse the options and measure."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--callbacks", type=int, default=1000)
    parser.add_argument("--backends", default="postgresql,sqlite")
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    args = parser.parse_args()
    if args.rounds < 1:
        parser.error("--rounds: at least 1")
    run(args.backends.split(","), args.callbacks, args.rounds)


if __name__ == "__main__":
    main()
