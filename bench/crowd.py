"""`python -m bench.crowd`: N whole calls at once, as Twilio would make them, against the
hotline under gunicorn (as in the Procfile) on PostgreSQL.

    python -m bench.crowd [--calls 200] [--processes 2] [--speedup 1] [--talk 20]

Every caller rings the line at the same moment, picks Russian and "a counsellor now"; the
hunt rings a counsellor, whose handset answers and presses 1 at the screen; they talk, the
counsellor hangs up, and the dial action and status callback close the call. The Twilio
emulator plays every party (signed requests, TwiML followed, sped-up real time: `--speedup`
simulated seconds a real second), from `--processes` processes with one thread per call, so
that it is not the bottleneck: its CPU is measured and printed beside the wall time.

Printed: the latency of every webhook request by step (p50, p95, p99, worst); for each caller,
the time from their main-menu key to the answer that rings a counsellor; errors (an
HTTP status other than 2xx, a request that failed) and, apart, answers that sent the caller
to the reserve line (a webhook's safe fallback) and Twilio error notices; double bookings (a
counsellor on two calls at once, from the database afterwards); and how many whole calls
were completed. Target of issue 13: every step's p99 under 500 ms with 200 calls.

PostgreSQL: BENCH_DATABASE_URL (default a local `hotline_bench` database, made and wiped);
Redis: REDIS_URL, else an embedded one.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy import select

from bench import stage as staging
from bench.servers import Gunicorn
from hotline import db
from hotline.db import session_scope
from hotline.models import Call
from hotline.simulator import (
    Behaviour,
    EventKind,
    HttpTransport,
    LegResult,
    ScaledClock,
    TwilioEmulator,
    WebhookResponse,
)

CALLER_KEYS = ("2", "1")  # Russian; a counsellor now
TARGET_P99_MS = 500.0
START_DELAY_SECONDS = 3.0  # every driving process is ready before the first call rings
WARM_UP_CALLS = 8  # one after the other before the crowd: imports, pools, caches


def caller_number(n: int) -> str:
    """The n-th caller's mobile number."""
    return f"+996700{n:06d}"


def counsellor_number(n: int) -> str:
    """The n-th counsellor's phone, as bench.stage gives it."""
    return f"+996555{n:06d}"


class TimedTransport:
    """HTTP to the app, each request's latency noted under its step (the path after /voice/),
    and for each caller the time from their main-menu key to the answer that rings someone."""

    def __init__(self, base_url: str) -> None:
        self.inner = HttpTransport(base_url)
        self.exchanges: list[tuple[str, float, int, bool]] = []  # step, ms, status, reserve
        self.keyed: dict[str, float] = {}  # CallSid -> when the main menu's key was sent
        self.to_ring: list[float] = []  # ms, one a caller

    def deliver(
        self, method: str, url: str, form: Mapping[str, str], headers: Mapping[str, str]
    ) -> WebhookResponse:
        """Deliver and time."""
        began = time.perf_counter()
        response = self.inner.deliver(method, url, form, headers)
        ended = time.perf_counter()
        path = urlsplit(url).path
        fallback = staging.RESERVE in response.body  # the safe answer: the reserve line
        step = path.removeprefix("/voice/")
        self.exchanges.append((step, 1000 * (ended - began), response.status, fallback))
        sid = form.get("CallSid", "")
        if step == "menu":
            self.keyed.setdefault(sid, began)
        if sid in self.keyed and "<Dial" in response.body and not fallback:
            self.to_ring.append(1000 * (ended - self.keyed.pop(sid)))
        return response


@dataclass
class Driven:
    """What one driving process saw."""

    exchanges: list[tuple[str, float, int, bool]]
    to_ring: list[float]  # ms from each caller's main-menu key to the answer that rings
    cpu_seconds: float
    wall_seconds: float
    completed: int = 0  # bridged to a counsellor (not the reserve line), then ended normally
    notices: int = 0  # Twilio error notices (11200 and the like)
    reserve: int = 0  # callers sent to the reserve line (a webhook's safe fallback)
    unfinished: int = 0  # calls whose thread raised or never ended
    collisions: list[str] = field(default_factory=list)


def drive(
    app_url: str, callers: list[int], counsellors: int, speedup: float, talk: int, start: float
) -> Driven:
    """Ring the line from `callers` at wall time `start`, one thread each (a process's share)."""
    transport = TimedTransport(app_url)
    emulator = TwilioEmulator(
        transport, staging.ACCOUNT_SID, staging.AUTH_TOKEN, staging.PUBLIC_URL,
        clock=ScaledClock(speedup),
    )  # fmt: skip
    emulator.add_line(staging.LINE)
    emulator.unknown_phone_behaviour = Behaviour.ANSWER_ACCEPT
    for n in range(counsellors):
        emulator.add_phone(counsellor_number(n), Behaviour.ANSWER_ACCEPT, talk_seconds=talk)
    records = {}

    def call(n: int) -> None:
        time.sleep(max(0.0, start - time.time()))
        records[n] = emulator.call(caller_number(n), staging.LINE, keys=CALLER_KEYS)

    threads = [threading.Thread(target=call, args=(n,), daemon=True) for n in callers]
    cpu_before = time.process_time()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    wall = time.time() - start
    cpu = time.process_time() - cpu_before
    driven = Driven(transport.exchanges, transport.to_ring, cpu, wall)
    for record in records.values():
        legs = [leg for dial in record.events(EventKind.DIAL) for leg in dial.legs]
        bridged = any(
            leg.result is LegResult.ACCEPTED and leg.number != staging.RESERVE for leg in legs
        )
        driven.reserve += any(leg.number == staging.RESERVE for leg in legs)
        driven.notices += len(record.notifications)
        driven.completed += bridged and record.status == "completed" and not record.notifications
    driven.unfinished = len(callers) - len(records)
    # The reserve line may take many calls at once; a counsellor's phone may not.
    driven.collisions = [n for n in emulator.collisions if n != staging.RESERVE]
    return driven


def warm_up(app_url: str, first: int, end: int) -> None:
    """Whole calls one at a time, not measured (the last counsellors take them)."""
    emulator = TwilioEmulator(
        HttpTransport(app_url), staging.ACCOUNT_SID, staging.AUTH_TOKEN, staging.PUBLIC_URL
    )
    emulator.add_line(staging.LINE)
    emulator.unknown_phone_behaviour = Behaviour.ANSWER_ACCEPT
    for n in range(first, end):
        emulator.call(caller_number(n), staging.LINE, keys=CALLER_KEYS)


# The crowd's calls, not those the stage logged before it (`staging.HISTORY`).
_CROWDS = Call.call_sid.not_like(f"{staging.HISTORY_SIDS}%")


def double_bookings(stage: staging.Stage) -> int:
    """Answered calls that overlap another answered call of the same counsellor."""
    with session_scope(stage.app) as session:
        rows = session.execute(
            select(Call.counsellor_id, Call.answered_at, Call.ended_at)
            .where(Call.counsellor_id.is_not(None), Call.answered_at.is_not(None), _CROWDS)
            .order_by(Call.counsellor_id, Call.answered_at)
        ).all()
    overlaps = 0
    for before, after in zip(rows, rows[1:], strict=False):
        same = before.counsellor_id == after.counsellor_id
        overlaps += same and (before.ended_at is None or after.answered_at < before.ended_at)
    return overlaps


def answered_in_database(stage: staging.Stage) -> int:
    """Calls the database says a counsellor answered and that have ended (the crowd's)."""
    with session_scope(stage.app) as session:
        return len(
            session.scalars(
                select(Call.id).where(
                    Call.answered_at.is_not(None), Call.ended_at.is_not(None), _CROWDS
                )
            ).all()
        )


@dataclass(frozen=True)
class CrowdResult:
    """One run of the crowd."""

    calls: int
    steps: dict[str, list[float]]  # step -> latencies in ms
    errors: dict[str, int]  # step -> requests that failed or answered other than 2xx
    reserve: dict[str, int]  # step -> answers that sent the caller to the reserve line
    driven: list[Driven]
    double_bookings: int
    answered: int
    server_cpu_seconds: float

    @property
    def completed(self) -> int:
        """Whole calls completed, as the callers' phones saw them."""
        return sum(d.completed for d in self.driven)

    def failures(self) -> list[str]:
        """What must never happen, however busy: each with its count."""
        counts = {
            "errors": sum(self.errors.values()),
            "callers sent to the reserve line": sum(self.reserve.values()),
            "double bookings": self.double_bookings,
            "calls not completed": self.calls - self.completed,
        }
        return [f"{what} {count}" for what, count in counts.items() if count]

    def missing_target(self) -> list[str]:
        """The steps whose p99 is over the target."""
        return [s for s, ms in self.steps.items() if percentile(ms, 99) > TARGET_P99_MS]


def percentile(values: list[float], pct: float) -> float:
    """The nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered) + 0.5) - 1))]


def crowd(
    database_url: str,
    calls: int,
    folder: Path,
    processes: int = 2,
    speedup: float = 1.0,
    talk: int = 20,
) -> CrowdResult:
    """Stage a line with one counsellor per call, serve it with gunicorn, ring it N times."""
    stage = staging.build(database_url, os.environ.get("REDIS_URL"), folder)
    # A counsellor takes one call and then wraps up: one each, so nobody waits for a free one.
    counsellors = calls + WARM_UP_CALLS
    staging.add_line_and_counsellors(stage, counsellors, ["ru"])
    shares = [list(range(calls))[p::processes] for p in range(processes)]
    with Gunicorn("hotline:create_app()", stage.env) as server:
        warm_up(server.url, calls, counsellors)
        cpu_before = server.worker_cpu_seconds()
        start = time.time() + START_DELAY_SECONDS
        with ProcessPoolExecutor(processes, mp_context=get_context("spawn")) as pool:
            futures = [
                pool.submit(drive, server.url, share, counsellors, speedup, talk, start)
                for share in shares
            ]
            driven = [future.result() for future in futures]
        server_cpu = server.worker_cpu_seconds() - cpu_before
    steps: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, int] = defaultdict(int)
    reserve: dict[str, int] = defaultdict(int)
    for part in driven:
        for step, ms, status, fallback in part.exchanges:
            steps[step].append(ms)
            errors[step] += not 200 <= status < 300
            reserve[step] += fallback
    result = CrowdResult(
        calls, dict(steps), dict(errors), dict(reserve), driven, double_bookings(stage),
        answered_in_database(stage) - WARM_UP_CALLS, server_cpu,
    )  # fmt: skip
    db.dispose(stage.app)  # its connections closed now, not whenever it is collected
    return result


def report(result: CrowdResult, speedup: float) -> str:
    """The table and the totals."""
    lines = [
        f"{result.calls} simultaneous calls, emulator at {speedup:g}x real time",
        f"{'step':<16}{'requests':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'max ms':>9}"
        f"{'errors':>8}{'reserve':>9}",
    ]
    for step, ms in sorted(result.steps.items(), key=lambda item: -len(item[1])):
        lines.append(
            f"{step:<16}{len(ms):>9}{statistics.median(ms):>9.0f}{percentile(ms, 95):>9.0f}"
            f"{percentile(ms, 99):>9.0f}{max(ms):>9.0f}{result.errors.get(step, 0):>8}"
            f"{result.reserve.get(step, 0):>9}"
        )
    to_ring = [ms for d in result.driven for ms in d.to_ring]
    if to_ring:
        lines.append(
            f"a caller's key (main menu, 1) to the answer that rings: p50"
            f" {statistics.median(to_ring):.0f} ms, p99 {percentile(to_ring, 99):.0f} ms"
            f" ({len(to_ring)} callers)"
        )
    wall = max(d.wall_seconds for d in result.driven)
    emulator_cpu = ", ".join(f"{d.cpu_seconds:.1f}" for d in result.driven)
    lines += [
        f"whole calls completed: {result.completed} of {result.calls}"
        f" (answered and ended in the database: {result.answered})",
        f"double bookings (database): {result.double_bookings}; phones rung while in a call"
        f" (emulator): {sum(len(d.collisions) for d in result.driven)}",
        f"Twilio error notices: {sum(d.notices for d in result.driven)}; callers who reached the"
        f" reserve line: {sum(d.reserve for d in result.driven)}; calls unfinished:"
        f" {sum(d.unfinished for d in result.driven)}",
        f"wall {wall:.1f} s; CPU s: web workers {result.server_cpu_seconds:.1f}, emulator"
        f" processes {emulator_cpu} (of {wall:.1f} s each)",
        "steps over the p99 target of 500 ms: " + (", ".join(result.missing_target()) or "none"),
    ]
    return "\n".join(lines)


def main_crowd(
    database_url: str, calls: int = 200, processes: int = 2, speedup: float = 1.0, talk: int = 20
) -> CrowdResult:
    """The crowd in a temporary folder; prints the table (for `python -m bench`)."""
    with tempfile.TemporaryDirectory() as folder:
        result = crowd(database_url, calls, Path(folder), processes, speedup, talk)
    print(report(result, speedup), flush=True)
    return result


def main() -> None:
    """Parse the options and run the crowd."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--processes", type=int, default=2, help="emulator processes")
    parser.add_argument("--speedup", type=float, default=1.0, help="simulated s per real s")
    parser.add_argument("--talk", type=int, default=20, help="seconds each call talks")
    args = parser.parse_args()
    url = os.environ.get("BENCH_DATABASE_URL", staging.DEFAULT_POSTGRESQL)
    result = main_crowd(url, args.calls, args.processes, args.speedup, args.talk)
    if result.failures():  # `make load` fails with them; slowness alone is reported, not failed
        raise SystemExit("failed: " + "; ".join(result.failures()))


if __name__ == "__main__":
    main()
