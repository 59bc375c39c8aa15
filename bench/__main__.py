"""`make bench`: the hotline's speed, in four parts, each beside what it is measured against.

1. webhooks: every voice webhook under gunicorn as in the Procfile, beside the ceiling of a
   bare Flask app answering the same size of TwiML on the same gunicorn, at 16 and 64
   connections, wrk sending a distinct signed CallSid per request, each webhook warmed for a
   second first (the calls it warmed then end). One table: req/s, p50, p99, errors, worker CPU
   per request, how wrk's connections were shared between the two workers (the hotline's and
   the ceiling's: each keeps those it accepted for the whole row; a run one worker took alone
   is made again, up to three runs, and marked * if the last was too) and the ratio to the
   ceiling measured just before. Beside the new call, its floor (bench.floor): the least any
   new call costs, a signature, a pseudonym and one INSERT.
2. routing: the whole routing decision at 10, 100 and 1,000 on-duty counsellors (bench.routing).
3. crowd: 200 simultaneous whole calls through gunicorn on PostgreSQL (bench.crowd).
4. callbacks: 1,000 callbacks through the worker against the emulator, beside 1,000 bare RQ
   no-op jobs and the emulator's own cost, in three rounds and their median (bench.callbacks).

    python -m bench [--parts webhooks,routing,crowd,callbacks] [--backends postgresql,sqlite]
                    [--seconds 10] [--connections 16,64] [--webhooks incoming,menu]
    python -m bench --figures [--calls 1000000]   # the overview and a year's report instead

Each part but routing stages one national line with its counsellors and the 20,000 calls it
logged before, analysed as autovacuum would have them (bench.stage): the call log's queries are
planned for a log in use, not for an empty one. A webhook that comes mid-call meets calls as a
real call stands when Twilio sends it (bench.stage.calls_in_progress): the hunt, a caller the
menu put on hold; the dial action, a call whose counsellor's phone rang out.

PostgreSQL: BENCH_DATABASE_URL (default a local `hotline_bench` database, made and wiped);
Redis: REDIS_URL (the callbacks part flushes it), else an embedded one. Needs wrk.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import requests

from bench import callbacks, crowd, floor, routing
from bench import stage as staging
from bench.servers import ROOT, Gunicorn
from bench.webhooks import WEBHOOKS, Webhook, chosen, headers, sids, signed, write_requests
from hotline.db import engine

WRK_SCRIPT = ROOT / "bench" / "wrk.lua"
MOST_REQUESTS = 60_000  # per run; wrk cycles through them again past that
WARM_UP = 2000  # requests a webhook's warm-up may send (in its one second)
COUNSELLORS = 100
PARTS = ("webhooks", "routing", "crowd", "callbacks")
CROWD_CALLS = 200
CALLBACKS = 1000
RUNS = 3  # a row's runs at most, while one worker takes every connection (shared_run)


@dataclass(frozen=True)
class Result:
    """One wrk run."""

    requests: int
    seconds: float
    errors: int
    p50_ms: float
    p99_ms: float
    cpu_ms: float
    split: tuple[int, ...] = ()  # wrk's connections held by each worker, fewest first

    @property
    def rate(self) -> float:
        """Requests a second."""
        return self.requests / self.seconds if self.seconds else 0.0


def wrk(server: Gunicorn, requests_file: Path, connections: int, seconds: float) -> Result:
    """Load `server` with the requests in `requests_file`; its workers' CPU counted too, and
    how wrk's connections were shared between the workers, looked at halfway."""
    cpu_before = server.worker_cpu_seconds()
    duration = max(1, round(seconds))
    running = subprocess.Popen(
        ["wrk", "-t1", f"-c{connections}", f"-d{duration}s", "--timeout", "10s",
         "-s", str(WRK_SCRIPT), server.url, "--", str(requests_file), "1"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    time.sleep(duration / 2)
    split = tuple(server.connections_per_worker())
    output, errors = running.communicate()
    if running.returncode != 0:
        raise RuntimeError(f"wrk failed: {errors.strip()}")
    cpu = server.worker_cpu_seconds() - cpu_before
    figures = json.loads(output.strip().splitlines()[-1])
    done = max(figures["requests"], 1)
    return Result(
        figures["requests"],
        figures["seconds"],
        figures["socket_errors"] + figures["non_2xx"],
        figures["p50_ms"],
        figures["p99_ms"],
        1000 * cpu / done,
        split,
    )


def one_worker_held_all(result: Result) -> bool:
    """Every one of wrk's connections on one worker: the other's core served none of them, so
    the row measured one process, not the Procfile's two."""
    return len(result.split) > 1 and result.split[0] == 0


def shared_run(
    server: Gunicorn,
    requests_file: Path,
    connections: int,
    seconds: float,
    again: Callable[[int, Result], Path] | None = None,
) -> Result:
    """A run of `server`, made again (up to RUNS in all) while one worker holds every
    connection: such a run measured one process, not the Procfile's two, and a ceiling at half
    its height would double the ratios beside it. `again(run, last)`: the requests of a run made
    again, once what the last one changed is undone (`calls_again`); without it, the same file
    (bare Flask keeps nothing)."""
    result = wrk(server, requests_file, connections, seconds)
    for run in range(1, RUNS):
        if not one_worker_held_all(result):
            break
        taken = f"one worker took all {connections} connections"
        print(f"  {server.app}: {taken}; the run made again", flush=True)
        if again is not None:
            requests_file = again(run, result)
        result = wrk(server, requests_file, connections, seconds)
    return result


def calls_again(
    stage: staging.Stage, webhook: Webhook, prefix: str, budget: int, out: Path,
    server: Gunicorn | None = None,
) -> Callable[[int, Result], Path]:  # fmt: skip
    """For a run of `webhook` made again: calls of its own (`prefix` and a letter), and first,
    as after a warm-up, the last run's calls ended on `server` (if given), which frees the
    counsellors they rang: the menu's run again rings the 100 before it holds."""
    prefixes = [prefix, *(prefix + letter for letter in "abcdefgh"[: RUNS - 1])]

    def again(run: int, last: Result) -> Path:
        if server is not None:
            hang_up(server, prefixes[run - 1], min(last.requests + sum(last.split), WARM_UP))
        return write_requests(stage, webhook, prefixes[run], budget, out)

    return again


def hang_up(server: Gunicorn, prefix: str, count: int) -> None:
    """Twilio's status callback, completed, for the first `count` calls of `prefix`: a warm-up's
    calls end and free the counsellors they rang, so that the rows measured after it find the
    roster as they would unwarmed (the menu's then rings the 100 counsellors before it holds)."""
    status = next(webhook for webhook in WEBHOOKS if webhook.name == "status")

    def post(request: tuple[str, str, str]) -> None:
        path, signature, body = request
        answer = requests.post(server.url + path, data=body, headers=headers(signature), timeout=10)
        answer.raise_for_status()

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(post, signed(status, sids(prefix, count))))


def measure_backend(
    database_url: str,
    connections: list[int],
    seconds: float,
    folder: Path,
    webhooks: tuple[Webhook, ...] = WEBHOOKS,
) -> list[tuple[str, int, Result, Result]]:
    """Every webhook at every connection count, each right after the ceiling; the new call's
    floor between the two."""
    stage = staging.build(database_url, os.environ.get("REDIS_URL"), folder)
    staging.add_line_and_counsellors(stage, COUNSELLORS, ["ky", "ru"])
    floor.prepare(engine(stage.app))
    size = _answer_size(stage)
    budget = min(MOST_REQUESTS, int(seconds * 5000))
    rows = []
    bare_env = {**stage.env, "BARE_BODY_BYTES": str(size)}
    with (
        Gunicorn("bench.bare:create_app()", bare_env) as bare,
        Gunicorn("bench.floor:create_app()", bare_env) as least,
        Gunicorn("hotline:create_app()", stage.env) as hotline,
    ):
        ceiling_file = write_requests(stage, WEBHOOKS[0], "9", budget, folder / "bare.tsv")
        wrk(bare, ceiling_file, connections[0], 1)
        floor_warm_up = write_requests(stage, WEBHOOKS[0], "d", WARM_UP, folder / "warm.tsv")
        wrk(least, floor_warm_up, connections[0], 1)
        for webhook in webhooks:
            index = WEBHOOKS.index(webhook)  # the same CallSids whichever are measured
            # Warmed first, not measured: imports, pools, and the statements each worker
            # compiles on their first use (some only when callers race), once in its life.
            warm_up = write_requests(stage, webhook, f"f{index}", WARM_UP, folder / "warm.tsv")
            warmed = wrk(hotline, warm_up, connections[0], 1)
            # Those counted, and those still in flight when wrk stopped.
            hang_up(hotline, f"f{index}", min(warmed.requests + connections[0], WARM_UP))
            for level, count in enumerate(connections):
                prefix = f"{index}{level}"
                requests_file = write_requests(stage, webhook, prefix, budget, folder / "r.tsv")
                ceiling = shared_run(bare, ceiling_file, count, seconds)
                if webhook is WEBHOOKS[0]:  # the same requests, other CallSids than the rows'
                    least_file = write_requests(stage, webhook, f"e{level}", budget, folder / "e")
                    least_again = calls_again(stage, webhook, f"e{level}", budget, folder / "e")
                    least_of = shared_run(least, least_file, count, seconds, least_again)
                    rows.append(("floor", count, least_of, ceiling))
                    print(_row(stage.backend, "floor", count, least_of, ceiling), flush=True)
                again = calls_again(stage, webhook, prefix, budget, folder / "r.tsv", hotline)
                measured = shared_run(hotline, requests_file, count, seconds, again)
                rows.append((webhook.name, count, measured, ceiling))
                print(_row(stage.backend, webhook.name, count, measured, ceiling), flush=True)
        memory = hotline.memory()
        print(
            f"  largest web worker: {memory.rss:.0f} MB RSS ({memory.pss:.0f} MB PSS, its own"
            f" {memory.uss:.0f} MB); master and workers: {memory.server:.0f} MB PSS",
            flush=True,
        )
    return rows


def _answer_size(stage: staging.Stage) -> int:
    """The size of /voice/incoming's answer, for the bare app to match."""
    ((route, signature, body),) = signed(WEBHOOKS[0], sids("8", 1))
    response = stage.app.test_client().post(route, data=body, headers=headers(signature))
    return len(response.get_data())


HEADER = (
    f"{'backend':<11}{'webhook':<13}{'conn':>5}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}"
    f"{'errors':>8}{'cpu ms':>8}{'split':>7}{'ceiling':>9}{'split':>7}{'ratio':>7}"
)


def _row(backend: str, name: str, count: int, measured: Result, ceiling: Result) -> str:
    ratio = measured.rate / ceiling.rate if ceiling.rate else 0.0
    return (
        f"{backend:<11}{name:<13}{count:>5}{measured.rate:>9.0f}{measured.p50_ms:>9.1f}"
        f"{measured.p99_ms:>9.1f}{measured.errors:>8}{measured.cpu_ms:>8.2f}"
        f"{_split(measured):>7}{ceiling.rate:>9.0f}{_split(ceiling):>7}{ratio:>7.2f}"
    )


def _split(result: Result) -> str:
    """How wrk's connections were shared between the workers, e.g. 7/9, or 0/64* when one
    worker held them all (in each run of the row: shared_run)."""
    return "/".join(str(n) for n in result.split) + ("*" if one_worker_held_all(result) else "")


def main() -> None:
    """Measure and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backends", default="postgresql,sqlite")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--connections", default="16,64")
    parser.add_argument(
        "--webhooks",
        default=",".join(w.name for w in WEBHOOKS),
        help="a subset to measure, e.g. incoming,menu",
    )
    parser.add_argument("--parts", default=",".join(PARTS), help="some of " + ",".join(PARTS))
    parser.add_argument("--figures", action="store_true", help="bench.figures, on PostgreSQL")
    parser.add_argument("--calls", type=int, default=1_000_000, help="history for --figures")
    args = parser.parse_args()
    if args.figures:
        from bench.figures import main_figures

        main_figures(os.environ.get("BENCH_DATABASE_URL", staging.DEFAULT_POSTGRESQL), args.calls)
        return
    parts = [part.strip() for part in args.parts.split(",")]
    unknown = set(parts) - set(PARTS)
    if unknown:
        raise SystemExit(f"unknown part {sorted(unknown)[0]!r}; known: {', '.join(PARTS)}")
    backends = args.backends.split(",")
    postgresql = os.environ.get("BENCH_DATABASE_URL", staging.DEFAULT_POSTGRESQL)
    print(f"load average at the start ({os.cpu_count()} cores): {os.getloadavg()[0]:.1f}")
    if "webhooks" in parts:
        if shutil.which("wrk") is None:
            raise SystemExit("make bench needs wrk: apt-get install wrk")
        connections = [int(c) for c in args.connections.split(",")]
        webhooks = chosen(args.webhooks)
        _title("webhooks, beside bare Flask")
        print(HEADER, flush=True)
        for backend in backends:
            with tempfile.TemporaryDirectory() as folder:
                url = postgresql if backend == "postgresql" else _sqlite(folder)
                measure_backend(url, connections, args.seconds, Path(folder), webhooks)
    if "routing" in parts:
        _title("routing: the whole decision (candidates, choice, reservation)")
        print(routing.HEADER, flush=True)
        for backend in backends:
            with tempfile.TemporaryDirectory() as folder:
                routing.run(postgresql if backend == "postgresql" else _sqlite(folder))
    if "crowd" in parts:
        _title(f"crowd: {CROWD_CALLS} simultaneous whole calls, PostgreSQL")
        crowd.main_crowd(postgresql, CROWD_CALLS)
    if "callbacks" in parts:
        _title(f"callbacks: {CALLBACKS} through the worker, beside bare RQ jobs")
        callbacks.run(backends, CALLBACKS)


def _title(text: str) -> None:
    print(f"\n== {text}", flush=True)


def _sqlite(folder: str) -> str:
    return f"sqlite:///{Path(folder) / 'bench.sqlite3'}"


if __name__ == "__main__":
    main()
