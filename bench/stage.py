"""The stage a benchmark runs on: a database it may wipe, Redis, secrets, a line, counsellors,
the calls it has logged before, and calls already in progress for the webhooks that come
mid-call."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet
from flask import Flask
from sqlalchemy import create_engine, insert, literal, make_url, select, text
from sqlalchemy.orm import Session

from hotline import create_app, embedded_redis, migrate, roster
from hotline.db import engine, session_scope
from hotline.extensions import get_keyring
from hotline.models import (
    AttemptResult,
    Base,
    Call,
    CallAttempt,
    CallOutcome,
    Counsellor,
    DutyOverride,
    Line,
    Strategy,
)
from hotline.privacy.keyring import Keyring

LINE = "+996312900100"
RESERVE = "+996312000111"
PUBLIC_URL = "https://hotline.example.org"
ACCOUNT_SID = "AC" + "b" * 32
AUTH_TOKEN = "bench-" + "0" * 26
DEFAULT_POSTGRESQL = "postgresql+psycopg://postgres@127.0.0.1:5432/hotline_bench"
# How long ago a staged call's hunt began (`calls_in_progress`), and an offer staged as
# ringing rang: a counsellor's whole ring.
RUNG_FOR = 25
# Calls the line logged before the benchmark: a national line's month, or a centre's years.
# PostgreSQL plans the call log's queries for the log it has analysed; planned for an empty
# log, a new call's look for the caller's last language read every row of the log, which
# grew by every call the benchmark made (docs/performance.md, "A log of its own size").
HISTORY = 20_000
HISTORY_SIDS = "CAhistory"  # how their CallSids begin


@dataclass(frozen=True)
class Stage:
    """Where a benchmark's app lives, as the environment its processes get."""

    env: dict[str, str]
    app: Flask  # the same configuration, in this process, to arrange data with

    @property
    def backend(self) -> str:
        """postgresql or sqlite."""
        return make_url(self.env["DATABASE_URL"]).get_backend_name()


def build(database_url: str, redis_url: str | None, folder: Path) -> Stage:
    """A fresh schema in `database_url` (created if missing) and the settings to reach it."""
    _create_database(database_url)
    env = {
        "HOTLINE_ENV": "development",
        "HOTLINE_INSTANCE_PATH": str(folder / "instance"),
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url or embedded_redis.join_or_start(folder / "redis"),
        "HOTLINE_PUBLIC_URL": PUBLIC_URL,
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_API_URL": "http://127.0.0.1:9",  # no REST call is part of what is measured
        "HOTLINE_SECRET_KEY": secrets.token_urlsafe(32),
        "HOTLINE_PSEUDONYM_KEY": secrets.token_urlsafe(32),
        "HOTLINE_ENCRYPTION_KEY": Fernet.generate_key().decode(),
        "HOTLINE_BACKUP_NUMBER": RESERVE,
    }
    app = create_app({"INSTANCE_PATH": env["HOTLINE_INSTANCE_PATH"], **env})
    bound = engine(app)
    with bound.begin() as connection:
        Base.metadata.drop_all(connection)
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
    migrate.upgrade(bound)
    return Stage(env, app)


def add_line_and_counsellors(
    stage: Stage, counsellors: int, languages: list[str], history: int = HISTORY
) -> None:
    """One national line, `counsellors` counsellors on duty, and `history` calls it logged."""
    with session_scope(stage.app) as session:
        line = roster.add_line(session, LINE, "ru", None, Strategy.RRMEMORY)
        for n in range(counsellors):
            added = roster.add_counsellor(
                session,
                get_keyring(stage.app),
                name=f"Counsellor {n}",
                phone=f"+996555{n:06d}",
                languages=languages,
            )
            added.duty = DutyOverride.ON
        session.flush()
        _log_history(session, get_keyring(stage.app), line.id, history)
    settle(stage)


def _log_history(session: Session, keyring: Keyring, line_id: int, count: int) -> None:
    """`count` calls that ended over the last 30 days, as a line in use has logged them: each
    caller's pseudonym made as the hotline makes it (one call in four a caller's second), a
    fifth of them hung up in the first menu, the rest answered after one counsellor's offer."""
    now = datetime.now(UTC)
    counsellors = _counsellor_ids(session)
    calls = []
    for n in range(count):
        started = now - timedelta(days=30) * (count - n) / count
        took = counsellors[n % len(counsellors)] if counsellors and n % 5 else None
        calls.append(
            {
                "call_sid": f"{HISTORY_SIDS}{n:023d}",
                "line_id": line_id,
                # Numbers none of the benchmarks' callers have.
                "caller": keyring.pseudonym(f"+996777{n * 3 // 4:06d}"),
                "language": ("ky", "ru", "uz")[n % 3] if took else None,
                "started_at": started,
                "answered_at": started + timedelta(seconds=30) if took else None,
                "ended_at": started + timedelta(minutes=12 if took else 1),
                "duration_seconds": 690 if took else 60,
                "outcome": CallOutcome.ANSWERED if took else CallOutcome.ABANDONED_IN_MENU,
                "counsellor_id": took,
                "attempt_count": 1 if took else 0,
                "tallied": True,
            }
        )
    # Core's insert, not the ORM's, which splits the rows wherever a None moves.
    session.execute(insert(Call.__table__), calls)
    taken = select(
        Call.id,
        Call.counsellor_id,
        Call.started_at,
        literal(AttemptResult.ACCEPTED, CallAttempt.__table__.c.result.type),
        literal(8),
    ).where(Call.call_sid.like(f"{HISTORY_SIDS}%"), Call.counsellor_id.is_not(None))
    columns = ["call_id", "counsellor_id", "offered_at", "result", "ring_seconds"]
    session.execute(insert(CallAttempt).from_select(columns, taken))


def _counsellor_ids(session: Session) -> Sequence[int]:
    """The stage's counsellors, in the order staged calls take them in turn."""
    return session.scalars(select(Counsellor.id).order_by(Counsellor.id)).all()


def settle(stage: Stage) -> None:
    """What autovacuum does soon after rows are added in bulk, so that PostgreSQL plans for
    them: without it, a stage of 2,500 counsellors walked to the first free one through all of
    them (its plan made for an empty table) instead of the first few in the ids' order."""
    tidy = "VACUUM ANALYZE" if stage.backend == "postgresql" else "ANALYZE"
    with engine(stage.app).connect() as connection:  # VACUUM runs outside a transaction
        connection.execution_options(isolation_level="AUTOCOMMIT").execute(text(tidy))


def calls_in_progress(
    stage: Stage, sids: list[str], language: str | None, hunting: bool = False, rung: bool = False
) -> None:
    """Calls Twilio is in the middle of, as the language menu would have left them; `hunting`:
    as the menu left a caller it put on hold (their hunt began); `rung`: as an offer left them,
    a counsellor of the stage's ringing for each (in turn), their hunt begun."""
    now = datetime.now(UTC)
    began = now - timedelta(seconds=RUNG_FOR) if hunting or rung else None
    with session_scope(stage.app) as session:
        line_id = session.query(Line.id).filter(Line.number == LINE).scalar()
        rows: list[dict[str, Any]] = [
            {
                "call_sid": sid,
                "line_id": line_id,
                "language": language,
                "started_at": now,
                "hunt_started_at": began,
                "attempt_count": int(rung),
            }
            for sid in sids
        ]
        counsellors = _counsellor_ids(session) if rung else []
        for start in range(0, len(rows), 5000):
            calls = session.scalars(insert(Call).returning(Call.id), rows[start : start + 5000])
            if rung:  # an offer ringing for each, the stage's counsellors in turn
                attempts = [
                    {"call_id": call_id, "counsellor_id": counsellors[n % len(counsellors)],
                     "offered_at": began, "result": AttemptResult.RINGING}
                    for n, call_id in enumerate(calls.all(), start)
                ]  # fmt: skip
                session.execute(insert(CallAttempt), attempts)


def _create_database(url: str) -> None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        return
    name = parsed.database or ""
    if not name.startswith(("hotline_bench", "test", "load")):
        raise SystemExit(f"refusing to wipe database {name!r}: benchmarks use a bench database")
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        exists = connection.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
        ).scalar()
        if not exists:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
