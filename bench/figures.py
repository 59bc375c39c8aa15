"""`python -m bench --figures`: the overview and a year's report over a million calls.

Writes three years of demo history (`hotline demo data`, bulk inserts) into a fresh bench
database, then times, as a signed-in supervisor sees them, the overview (the last 30 and 365
days) and the report of the last whole year (the page, its CSV, and `hotline report`).
"""

from __future__ import annotations

import os
import re
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import func, select

from bench import stage as staging
from hotline import accounts
from hotline.cli import main
from hotline.db import session_scope
from hotline.extensions import local_zone, now
from hotline.models import Call, Role, Tally

SUPERVISOR, PASSWORD = "bench@example.org", "bench password 12345"
RUNS = 15


def timed(runs: int, action: Callable[[], Any]) -> list[float]:
    """Milliseconds of each of `runs` runs, after one not counted (imports, caches)."""
    action()
    spent = []
    for _ in range(runs):
        began = time.perf_counter()
        action()
        spent.append(1000 * (time.perf_counter() - began))
    return spent


def row(name: str, spent: list[float]) -> str:
    """One line of the table: median, 90th percentile, worst."""
    ordered = sorted(spent)
    p90 = ordered[max(int(0.9 * len(ordered)) - 1, 0)]
    return f"{name:<34}{statistics.median(ordered):>10.0f}{p90:>10.0f}{ordered[-1]:>10.0f}"


def sign_in(client: FlaskClient) -> None:
    """A supervisor's session, as a browser gets one over https."""
    page = client.get("/supervisor/login", base_url=staging.PUBLIC_URL).get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    assert token is not None
    signed = client.post(
        "/supervisor/login",
        data={"csrf_token": token.group(1), "email": SUPERVISOR, "password": PASSWORD},
        base_url=staging.PUBLIC_URL,
        headers={"Referer": staging.PUBLIC_URL + "/supervisor/login"},
    )
    assert signed.status_code == 302, "bench supervisor could not sign in"


def measure(database_url: str, calls: int, folder: Path) -> None:
    """Write the history, then time every page and command; print the table."""
    stage = staging.build(database_url, os.environ.get("REDIS_URL"), folder)
    app, runner = stage.app, stage.app.test_cli_runner()
    with app.app_context(), session_scope(app) as session:
        hasher = accounts.hasher_for(app.config)
        accounts.add_user(session, hasher, SUPERVISOR, Role.SUPERVISOR, PASSWORD, must_change=False)
    began = time.monotonic()
    written = runner.invoke(main, ["demo", "data", "--calls", str(calls), "--seed", "1"])
    assert written.exit_code == 0, written.output
    print(
        f"{stage.backend}: demo data, {calls} calls over 3 years: {time.monotonic() - began:.0f} s",
        flush=True,
    )
    with app.app_context(), session_scope(app) as session:
        kept = session.scalar(select(func.count()).select_from(Call))
        tallies = session.scalar(select(func.count()).select_from(Tally))
        today = now(app).astimezone(local_zone(app)).date()
    print(f"  {kept} calls, {tallies} tally rows", flush=True)
    year = date(today.year - 1, 1, 1), date(today.year - 1, 12, 31)
    client = app.test_client()
    sign_in(client)

    def get(path: str) -> Callable[[], Any]:
        def fetch() -> None:
            response = client.get(path, base_url=staging.PUBLIC_URL)
            assert response.status_code == 200, (path, response.status_code)

        return fetch

    report = f"since={year[0]}&until={year[1]}"
    print(f"{'ms':<34}{'median':>10}{'p90':>10}{'max':>10}", flush=True)
    for name, action in (
        ("overview, last 30 days", get("/supervisor/")),
        (
            "overview, last 365 days",
            get(f"/supervisor/?since={today - timedelta(days=364)}&until={today}"),
        ),
        (f"report page, {year[0].year}", get(f"/supervisor/report?{report}")),
        (f"report CSV, {year[0].year}", get(f"/supervisor/report.csv?{report}")),
        (
            f"hotline report --format md, {year[0].year}",
            lambda: runner.invoke(main, ["report", "--from", str(year[0]), "--to", str(year[1])]),
        ),
    ):
        print(row(name, timed(RUNS, action)), flush=True)


def main_figures(database_url: str, calls: int) -> None:
    """The figures bench in a temporary folder (instance, embedded Redis if no REDIS_URL)."""
    with tempfile.TemporaryDirectory() as folder:
        measure(database_url, calls, Path(folder))
