"""`python -m bench.instructions`: the instructions each voice webhook costs the web process,
counted by valgrind, so that two versions of the hotline can be compared on a shared machine
whose load moves every timing (run it in each checkout, one after the other).

    python -m bench.instructions [--webhooks hunt,menu] [--requests 400] [--counsellors 100]

Each webhook is served in one process through the app's WSGI callable (no gunicorn, no HTTP),
on PostgreSQL (BENCH_DATABASE_URL) staged as the webhooks part of `make bench` stages it: 200
requests first, not counted (imports, pools, prepared statements, the 100 counsellors' first
rings), then `--requests` counted by callgrind, switched on and off around them by valgrind's
client requests (a few lines of C, compiled with gcc into a temporary folder). Printed: the
instructions of a request, and its CPU time while counted (callgrind runs it 20 to 50 times
slower). Needs valgrind and gcc; what PostgreSQL does is not counted. With more counsellors on
duty than the requests in all (`--counsellors 700`), every hunt, menu step and dial action
counted rings one, as in the crowd; with 100, those counted hold.
"""

from __future__ import annotations

import argparse
import gc
import os
import subprocess
import sys
import tempfile
import time
from ctypes import CDLL
from pathlib import Path
from typing import Any

from werkzeug.test import EnvironBuilder, run_wsgi_app

from bench import stage as staging
from bench.webhooks import Webhook, chosen, headers, sids, signed

WARM_UP = 200
COUNSELLORS = 100  # as in the webhooks part: the first 100 hunts ring, the rest hold
SWITCH = r"""
#include <valgrind/callgrind.h>
void counting_on(void) { CALLGRIND_ZERO_STATS; CALLGRIND_START_INSTRUMENTATION; }
void counting_off(void) { CALLGRIND_DUMP_STATS; CALLGRIND_STOP_INSTRUMENTATION; }
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--webhooks", default="incoming,language,menu,hunt,dial action,status")
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--counsellors", type=int, default=COUNSELLORS, help="on duty")
    parser.add_argument("--inside", help=argparse.SUPPRESS)  # the run under valgrind
    args = parser.parse_args()
    if args.inside:
        (webhook,) = chosen(args.webhooks)
        serve_counted(webhook, args.requests, args.counsellors, Path(args.inside))
        return
    with tempfile.TemporaryDirectory(prefix="hotline-instructions-") as folder:
        switch = _build_switch(Path(folder))
        print(f"{'webhook':<13}{'instructions':>14}{'counted ms':>12}", flush=True)
        for webhook in chosen(args.webhooks):
            counted, ms = count_instructions(
                webhook, args.requests, args.counsellors, switch, Path(folder)
            )
            print(f"{webhook.name:<13}{counted:>14,}{ms:>12.1f}", flush=True)


def _build_switch(folder: Path) -> Path:
    source, library = folder / "switch.c", folder / "switch.so"
    source.write_text(SWITCH)
    subprocess.run(["gcc", "-shared", "-fPIC", "-o", library, source], check=True)
    return library


def count_instructions(
    webhook: Webhook, requests: int, counsellors: int, switch: Path, folder: Path
) -> tuple[int, float]:
    """Instructions a request of `webhook` costs, and its CPU ms under callgrind."""
    out = folder / f"callgrind.{webhook.name.replace(' ', '-')}"
    run = subprocess.run(
        ["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out}",
         sys.executable, "-m", "bench.instructions", "--webhooks", webhook.name,
         "--requests", str(requests), "--counsellors", str(counsellors),
         "--inside", str(switch)],
        env={**os.environ, "PYTHONHASHSEED": "0"}, capture_output=True, text=True,
    )  # fmt: skip
    if run.returncode != 0:
        raise SystemExit(f"{webhook.name}: the counted run failed\n{run.stdout}{run.stderr}")
    totals = [
        int(line.split()[1])
        for dump in folder.glob(f"{out.name}.*")  # the dump when counting stopped
        for line in dump.read_text().splitlines()
        if line.startswith(("summary:", "totals:"))
    ]
    cpu_ms = float(run.stdout.split()[-1])
    return max(totals) // requests, cpu_ms


def serve_counted(webhook: Webhook, requests: int, counsellors: int, switch: Path) -> None:
    """Under valgrind: stage, warm up, then serve `requests` with callgrind counting."""
    with tempfile.TemporaryDirectory(prefix="hotline-instructions-") as folder:
        url = os.environ.get("BENCH_DATABASE_URL", staging.DEFAULT_POSTGRESQL)
        stage = staging.build(url, os.environ.get("REDIS_URL"), Path(folder))
        staging.add_line_and_counsellors(stage, counsellors, ["ky", "ru"])
        call_sids = sids("i", WARM_UP + requests)
        if webhook.existing:
            staging.calls_in_progress(
                stage, call_sids, webhook.language, webhook.hunting, webhook.rung
            )
        environs = [
            EnvironBuilder(
                path=path, method="POST", data=body, headers=list(headers(signature).items()),
                base_url=staging.PUBLIC_URL,
            ).get_environ()
            for path, signature, body in signed(webhook, call_sids)
        ]  # fmt: skip
        for environ in environs[:WARM_UP]:
            _serve(stage, environ)
        gc.collect()
        gc.freeze()  # as gunicorn.conf.py does once a worker has loaded the app
        counting = CDLL(str(switch))
        counting.counting_on()
        started = time.thread_time()
        for environ in environs[WARM_UP:]:
            _serve(stage, environ)
        cpu = time.thread_time() - started
        counting.counting_off()
        print(f"{1000 * cpu / requests:.3f}")


def _serve(stage: staging.Stage, environ: dict[str, Any]) -> None:
    body, status, _ = run_wsgi_app(stage.app.wsgi_app, environ)
    b"".join(body)
    if not status.startswith("2"):
        raise SystemExit(f"the webhook answered {status}")


if __name__ == "__main__":
    main()
