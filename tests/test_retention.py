"""Retention: metadata past HOTLINE_RETENTION_DAYS is folded into the figures and deleted; a
dry run writes nothing; the report and the overview's charts stay exactly the same."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from flask import Flask
from flask.testing import FlaskCliRunner
from redis import Redis
from rq import Queue
from rq.registry import ScheduledJobRegistry
from rq.serializers import JSONSerializer
from sqlalchemy import Engine, func, insert, select
from sqlalchemy.orm import Session

from hotline.extensions import QUEUE_NAME
from hotline.models import AuditEntry, Call, CallAttempt, Callback, Conversation, Line, Message
from hotline.retention import cutoff
from hotline.simulator import SimClock
from tests.conftest import database_text
from tests.console_support import Console
from tests.figures_support import read_numbers
from workers.runner import make_worker

ZONE = ZoneInfo("Asia/Bishkek")


def count(session: Session, model: type, *where: object) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model).where(*where)) or 0  # type: ignore[arg-type]


def history(runner: FlaskCliRunner, session: Session, clock: SimClock) -> None:
    """600 calls over 500 days, and one older call whose end never came (not yet counted)."""
    result = runner.invoke(args=["demo", "data", "--calls", "600", "--days", "500", "--seed", "3"])
    assert result.exit_code == 0, result.output
    line = session.scalars(select(Line.id)).first()
    session.execute(
        insert(Call).values(
            call_sid="CA" + "9" * 32,
            line_id=line,
            language="ru",
            started_at=clock.now() - timedelta(days=450),
        )
    )
    session.commit()


def test_a_dry_run_counts_what_would_go_and_writes_nothing(
    runner: FlaskCliRunner, session: Session, clock: SimClock, migrated_engine: Engine
) -> None:
    history(runner, session, clock)
    before = cutoff(clock.now(), ZONE, 365)
    old = count(session, Call, Call.started_at < before)
    assert 0 < old < 601
    written = database_text(migrated_engine)
    result = runner.invoke(args=["purge", "--dry-run"])
    assert result.exit_code == 0
    assert result.output.startswith(
        f"would remove (before {before.date()}, 365 days): folded 1, calls {old}, offers "
    )
    assert database_text(migrated_engine) == written


def report(runner: FlaskCliRunner, clock: SimClock) -> str:
    today = clock.now().astimezone(ZONE).date()
    result = runner.invoke(
        args=[
            "report",
            "--from",
            str(today - timedelta(days=520)),
            "--to",
            str(today),
            "--format",
            "csv",
            "--language",
            "en",
        ]
    )
    assert result.exit_code == 0
    return result.output


def charts(console: Console, clock: SimClock) -> dict[str, list[list[str]]]:
    today = clock.now().astimezone(ZONE).date()
    page = console.get(f"/supervisor/?since={today - timedelta(days=520)}&until={today}")
    return read_numbers(page.get_data(as_text=True)).charts


def test_a_purge_deletes_old_rows_and_every_figure_stays_the_same(
    runner: FlaskCliRunner, as_supervisor: Console, session: Session, clock: SimClock
) -> None:
    history(runner, session, clock)
    assert runner.invoke(args=["figures", "update"]).output == "1 row(s) counted\n"
    before = cutoff(clock.now(), ZONE, 365)
    figures, shown = report(runner, clock), charts(as_supervisor, clock)
    old = count(session, Call, Call.started_at < before)
    kept = count(session, Call) - old
    assert "x" in figures or "<5" in figures  # the report hides something: it is compared too

    result = runner.invoke(args=["purge"])
    assert result.exit_code == 0, result.output
    assert f"calls {old}, offers " in result.output
    assert count(session, Call) == kept
    assert count(session, Call, Call.started_at < before) == 0
    assert count(session, CallAttempt, ~CallAttempt.call_id.in_(select(Call.id))) == 0
    for model, moment in (
        (Message, Message.created_at),
        (Callback, Callback.requested_at),
        (Conversation, Conversation.opened_at),
    ):
        assert count(session, model, moment < before) == 0
        assert count(session, model) > 0  # the newer ones stay
    assert report(runner, clock) == figures
    assert charts(as_supervisor, clock) == shown

    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "purge")).one()
    assert entry.actor == "cli"
    assert entry.detail == result.output.split(": ", 1)[1].strip()
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
    assert ", calls 0, offers 0, messages 0" in runner.invoke(args=["purge"]).output


def test_the_worker_purges_daily(
    app: Flask, runner: FlaskCliRunner, session: Session, clock: SimClock, redis: Redis
) -> None:
    history(runner, session, clock)
    queue = Queue(QUEUE_NAME, connection=redis, serializer=JSONSerializer)
    queue.enqueue("workers.jobs.purge_old", job_id="retention-purge")
    make_worker(app, redis).work(burst=True)
    assert count(session, Call, Call.started_at < cutoff(clock.now(), ZONE, 365)) == 0
    scheduled = ScheduledJobRegistry(queue=queue)
    assert scheduled.get_job_ids() == ["retention-purge"]  # again tomorrow at HOTLINE_DAILY_AT
    at = scheduled.get_scheduled_time("retention-purge").astimezone(ZONE)
    assert (at.hour, at.minute) == (7, 0) and timedelta(0) < at - clock.now() <= timedelta(days=1)
