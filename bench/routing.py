"""Routing at scale: the whole decision for one caller (read the candidates, choose, reserve,
record the offer, commit) with 10, 100 and 1,000 counsellors on duty, on PostgreSQL and SQLite.

    python -m bench.routing [--sizes 10,100,1000] [--decisions 400]

The roster is a national line's: half on duty by their own word, half by a shift covering now
(each with a week of shifts), plus as many again off duty (shifts at other hours, or "off"),
speaking Kyrgyz, Russian, Uzbek and English in four mixes; every caller speaks Russian.
Each decision is a new call offered one counsellor by rrmemory (its candidates read, routing's
choice, the line locked, the reservation, the attempt recorded), timed to the flush and again
with its commit; its reservation is released afterwards (not timed), so every decision chooses
among all the on-duty counsellors. The tables are vacuumed and analysed first, as autovacuum
would after such a change (so the shifts' index is read without their rows). Apart:
the candidates' query alone, routing's choice alone, and a decision when everyone is busy
(the caller holds), the common case on a busy line: on a call's first turn, and on a later one.

PostgreSQL: BENCH_DATABASE_URL (default a local `hotline_bench` database, made and wiped).
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from datetime import time as clock
from pathlib import Path
from typing import Any

from sqlalchemy import delete, insert, text, update
from sqlalchemy.orm import Session

from bench import stage as staging
from hotline.calls import reservations
from hotline.calls.candidates import hunt_candidates
from hotline.calls.hunt import (
    HuntingCall,
    HuntingLine,
    Ring,
    look_for_counsellor,
    read_for_hunt,
    ring_nobody,
    take_offer,
)
from hotline.db import call_steps, session_factory
from hotline.extensions import get_keyring, local_zone
from hotline.models import Call, CallAttempt, Counsellor, DutyOverride, Line, Shift, Strategy
from hotline.routing import CounsellorState, Hold, HuntRequest, NoOffer, Offer, next_offer

SIZES = (10, 100, 1000)
LANGUAGE_MIXES = (["ky", "ru"], ["ru"], ["uz", "ru"], ["en", "ru", "ky"])


def run(database_url: str, sizes: tuple[int, ...] = SIZES, decisions: int = 400) -> list[str]:
    """Measure every size on one database; the printed lines, also returned."""
    lines = []
    with tempfile.TemporaryDirectory() as folder:
        stage = staging.build(database_url, os.environ.get("REDIS_URL"), Path(folder))
        with stage.app.app_context():
            for size in sizes:
                for line in _measure_size(stage, size, decisions):
                    print(line, flush=True)
                    lines.append(line)
    return lines


HEADER = f"{'backend':<11}{'on duty':>8}  {'what':<34}{'median ms':>10}{'p99 ms':>9}"


def _measure_size(stage: staging.Stage, size: int, decisions: int) -> list[str]:
    factory = session_factory(stage.app)
    with factory() as session, session.begin():
        _reset(session)
        line = _roster(session, size)
    staging.settle(stage)  # what autovacuum does after such a change
    sids = [f"CA{size:06d}{n:026d}" for n in range(decisions + 20)]
    staging.calls_in_progress(stage, sids, "ru")
    zone = local_zone(stage.app)
    with factory() as session:
        line_row = session.get_one(Line, line)
        decide, committed, load, choose = [], [], [], []
        for n, sid in enumerate(sids):
            call, hunting_line = _as_the_hunt_reads(session, sid)  # the webhook's first read
            now = datetime.now(UTC)
            start = time.perf_counter()
            decision, _ = _offer(session, call, hunting_line, now, zone)
            session.flush()
            decided = time.perf_counter()
            session.commit()
            done = time.perf_counter()
            assert isinstance(decision, Offer), decision
            reservations.release(session, call.call_sid)
            session.commit()
            if n >= 20:  # the first warm the caches and the connection
                decide.append(decided - start)
                committed.append(done - start)
        hunt = _hunt(line_row, zone)
        for _ in range(decisions):
            load.append(_timed(lambda: _candidates(session, hunt)))
            # Ended as a hunt's transaction ends: psycopg forgets every statement it prepared
            # on a ROLLBACK, so ending with one would time the query planned afresh each time.
            session.commit()
        states = _candidates(session, hunt)
        for _ in range(decisions):
            choose.append(_timed(lambda: next_offer(states, hunt)))
        session.rollback()
        busy = _all_busy(session, sids, zone, decisions)
        later = _all_busy(session, sids, zone, decisions)  # the same calls: their hunts began
        trip = [_timed(lambda: session.execute(text("SELECT 1")).all()) for _ in range(decisions)]
        session.rollback()
    backend = stage.backend
    return [
        _row(backend, size, "floor: one round trip (SELECT 1)", trip),
        _row(backend, size, "whole decision: offer, reserve", decide),
        _row(backend, size, "  the same and its commit", committed),
        _row(backend, size, "  candidates' query alone", load),
        _row(backend, size, "  routing's choice alone", choose),
        _row(backend, size, "everyone busy: hold", busy),
        _row(backend, size, "  a later turn on hold", later),
    ]


def _all_busy(session: Session, sids: list[str], zone: Any, decisions: int) -> list[float]:
    """Every counsellor ringing for another caller: the caller holds (nothing written but, on
    a call's first turn, when its hunt began)."""
    until = datetime.now(UTC) + timedelta(hours=1)
    session.execute(update(Counsellor).values(reserved_for="bench", reserved_until=until))
    session.commit()
    seconds = []
    for sid in sids[:decisions]:
        call, line = _as_the_hunt_reads(session, sid)
        now = datetime.now(UTC)
        start = time.perf_counter()
        with call_steps() as connection:  # as the webhook: holding is a step of the call
            looked = look_for_counsellor(connection, call, line, now, zone)
            ring_nobody(connection, call, looked)
        seconds.append(time.perf_counter() - start)
        assert isinstance(looked.decision, Hold), looked.decision
    session.execute(update(Counsellor).values(reserved_for=None, reserved_until=None))
    session.commit()
    return seconds


def _offer(
    session: Session, call: HuntingCall, line: HuntingLine, now: datetime, zone: Any
) -> tuple[Offer | Hold | NoOffer, list[Ring]]:
    """A hunt that offers the call, as the webhook makes it: look, then take the offer."""
    looked = look_for_counsellor(session.connection(), call, line, now, zone)
    assert isinstance(looked.decision, Offer), looked.decision
    return take_offer(session.connection(), call, line, looked)


def _as_the_hunt_reads(session: Session, sid: str) -> tuple[HuntingCall, HuntingLine]:
    found = read_for_hunt(session.connection(), sid)
    assert found is not None, sid
    return found


def _timed(work: Callable[[], object]) -> float:
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


def _hunt(line: Line, zone: Any) -> HuntRequest:
    now = datetime.now(UTC)
    return HuntRequest(
        strategy=line.strategy,
        language="ru",
        fallback_languages=tuple(line.fallback_languages),
        line_centre=None,
        caller_oblast=None,
        tried=frozenset(),
        last_offered_on_line=line.last_offered_counsellor_id,
        started_at=now,
        now=now,
        shift_zone=zone,
    )


def _candidates(session: Session, hunt: HuntRequest) -> list[CounsellorState]:
    return hunt_candidates(session.connection(), hunt, None, None).states


def _reset(session: Session) -> None:
    session.execute(update(Line).values(last_offered_counsellor_id=None))
    for table in (CallAttempt, Call, Shift, Line, Counsellor):
        session.execute(delete(table))


def _roster(session: Session, on_duty: int) -> int:
    """A national line; `on_duty` counsellors on duty now and as many off duty."""
    keyring = get_keyring()
    local = datetime.now(UTC).astimezone(local_zone())
    line = Line(number=staging.LINE, language="ru", strategy=Strategy.RRMEMORY)
    session.add(line)
    rows = []
    for n in range(2 * on_duty):
        phone = f"+996555{n:06d}"
        by_shift, off_duty = n % 2 == 1, n >= on_duty
        duty = DutyOverride.OFF if off_duty and not by_shift else None
        rows.append(
            {
                "name": f"Counsellor {n}",
                "phone_sealed": keyring.seal(phone),
                "phone_pseudonym": keyring.pseudonym(phone),
                "phone_hint": "+996555***",
                "languages": LANGUAGE_MIXES[n % len(LANGUAGE_MIXES)],
                "skills": [],
                "active": True,
                "standby": False,
                "position": n,
                "duty": DutyOverride.ON if not off_duty and not by_shift else duty,
            }
        )
    ids = session.scalars(insert(Counsellor).returning(Counsellor.id), rows).all()
    shifts = []
    for n, counsellor_id in enumerate(ids):
        if n % 2 == 0:
            continue
        covering = n < on_duty  # on duty by a shift covering now; else their shift is later
        for weekday in range(7):
            start, end = _window(local.hour, covering)
            shifts.append(
                {"counsellor_id": counsellor_id, "weekday": weekday, "start": start, "end": end}
            )
    if shifts:
        session.execute(insert(Shift), shifts)
    session.flush()
    return line.id


def _window(hour: int, covering: bool) -> tuple[clock, clock]:
    """An eight-hour shift covering `hour` (and the ones around it), or one that does not."""
    if covering:
        return clock((hour + 20) % 24), clock((hour + 4) % 24)
    return clock((hour + 6) % 24), clock((hour + 14) % 24)


def _row(backend: str, size: int, what: str, seconds: list[float]) -> str:
    ordered = sorted(seconds)
    median = 1000 * statistics.median(ordered)
    p99 = 1000 * ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return f"{backend:<11}{size:>8}  {what:<34}{median:>10.2f}{p99:>9.2f}"


def main() -> None:
    """Measure on PostgreSQL and SQLite and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backends", default="postgresql,sqlite")
    parser.add_argument("--sizes", default=",".join(str(s) for s in SIZES))
    parser.add_argument("--decisions", type=int, default=400)
    args = parser.parse_args()
    sizes = tuple(int(s) for s in args.sizes.split(","))
    print(HEADER, flush=True)
    print("load average at the start (2 cores): {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()))
    for backend in args.backends.split(","):
        if backend == "postgresql":
            url = os.environ.get("BENCH_DATABASE_URL", staging.DEFAULT_POSTGRESQL)
            run(url, sizes, args.decisions)
            continue
        with tempfile.TemporaryDirectory() as folder:
            run(f"sqlite:///{Path(folder) / 'routing.sqlite3'}", sizes, args.decisions)


if __name__ == "__main__":
    main()
