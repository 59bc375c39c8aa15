"""The figures of the README's "Reliability" section: gunicorn as in the Procfile on PostgreSQL
reached through a proxy that freezes (a database that stalls with the connections up).

    python -m bench.reliability [--calls 40]

It measures a mid-call webhook's answer normally; then, database frozen, `--calls` mid-call
webhooks at once (each must get the reserve line) and /voice/fallback meanwhile; then, thawed,
how soon calls flow again. PostgreSQL: BENCH_DATABASE_URL (default a local `hotline_bench`
database, made and wiped); Redis: REDIS_URL, else an embedded one.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests
from sqlalchemy import make_url
from twilio.request_validator import RequestValidator

from bench import stage as staging
from bench.servers import Gunicorn
from bench.webhooks import sids
from tests.faults import FreezingProxy

Answer = tuple[float, int, str]


def post(base: str, path: str, sid: str, **extra: str) -> Answer:
    """A signed mid-call webhook; (seconds, status, body)."""
    form = {
        "CallSid": sid,
        "AccountSid": staging.ACCOUNT_SID,
        "From": "+996700123456",
        "To": staging.LINE,
        **extra,
    }
    signature = RequestValidator(staging.AUTH_TOKEN).compute_signature(
        staging.PUBLIC_URL + path, form
    )
    started = time.monotonic()
    response = requests.post(
        base + path, data=form, headers={"X-Twilio-Signature": signature}, timeout=30
    )
    return time.monotonic() - started, response.status_code, response.text


def reserve_line(answer: Answer) -> bool:
    """The caller is put through to the reserve line."""
    dial = ET.fromstring(answer[2]).find("Dial") if answer[1] == 200 else None
    return dial is not None and [n.text for n in dial] == [staging.RESERVE]


def ms(seconds: list[float]) -> str:
    """Median and slowest, in milliseconds."""
    median, slowest = 1000 * statistics.median(seconds), 1000 * max(seconds)
    return f"median {median:.0f} ms, slowest {slowest:.0f} ms"


def measure(database_url: str, calls: int, folder: Path) -> None:
    """Print the figures."""
    stage = staging.build(database_url, os.environ.get("REDIS_URL"), folder)
    staging.add_line_and_counsellors(stage, 10, ["ky", "ru"])
    call_sids = sids("77", calls + 20)
    staging.calls_in_progress(stage, call_sids, "ru")
    url = make_url(database_url)
    with FreezingProxy(url.host or "127.0.0.1", url.port or 5432) as proxy:
        through = url.set(host="127.0.0.1", port=proxy.port).render_as_string(False)
        with Gunicorn("hotline:create_app()", {**stage.env, "DATABASE_URL": through}) as web:
            base = web.url
            normal = [post(base, "/voice/menu?tries=0", sid, Digits="3")[0] for sid in call_sids]
            print(f"mid-call webhook, database well: {ms(normal)} ({len(normal)} requests)")
            proxy.freeze()
            with ThreadPoolExecutor(max_workers=calls + 1) as pool:
                stalled = [
                    pool.submit(post, base, "/voice/menu?tries=0", sid, Digits="1")
                    for sid in call_sids[:calls]
                ]
                time.sleep(0.2)  # every call is waiting on the database now
                fallback = [post(base, "/voice/fallback", "CA" + "f" * 32) for _ in range(5)]
                answers = [future.result() for future in stalled]
            sent = sum(reserve_line(a) for a in answers)
            print(
                f"database frozen, {calls} mid-call webhooks at once:"
                f" {ms([a[0] for a in answers])}; {sent} of {calls} answered with the reserve line"
            )
            print(
                f"/voice/fallback meanwhile: {ms([a[0] for a in fallback])};"
                f" {sum(reserve_line(a) for a in fallback)} of 5 with the reserve line"
            )
            proxy.thaw()
            thawed = time.monotonic()
            while True:  # the breaker lets one request at a time try until one gets through
                answer = post(base, "/voice/menu?tries=0", call_sids[-1], Digits="3")
                if answer[1] == 200 and not reserve_line(answer):
                    break
            again = [post(base, "/voice/menu?tries=0", sid, Digits="3")[0] for sid in call_sids]
            print(
                f"thawed: calls flow again after {1000 * (time.monotonic() - thawed):.0f} ms"
                f" with no restart; then {ms(again)}"
            )


def main() -> None:
    """Measure and print."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=40)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = os.environ.get("BENCH_DATABASE_URL", staging.DEFAULT_POSTGRESQL)
        measure(url, args.calls, Path(folder))


if __name__ == "__main__":
    main()
