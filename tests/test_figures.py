"""The overview's charts against the raw rows they count: demo history written with bulk
inserts, every chart's table read from the page and recomputed here from the call log."""

from __future__ import annotations

import math
from collections import Counter
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask
from flask.testing import FlaskCliRunner
from flask_babel import force_locale
from redis import Redis
from rq import Queue
from rq.registry import ScheduledJobRegistry
from rq.serializers import JSONSerializer
from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from hotline.extensions import QUEUE_NAME
from hotline.models import (
    AttemptResult,
    Call,
    CallAttempt,
    Callback,
    CallbackState,
    CallOutcome,
    Conversation,
    Counsellor,
    Message,
    Tally,
)
from hotline.simulator import SimClock, TwilioEmulator
from hotline.supervisor import labels
from hotline.supervisor.i18n import SPOKEN
from tests.conftest import LINE, Hotline
from tests.console_support import Console
from tests.figures_support import chart_table, read_numbers, value
from workers.runner import make_worker

ZONE = ZoneInfo("Asia/Bishkek")
MISSED = {AttemptResult.NO_ANSWER, AttemptResult.DECLINED, AttemptResult.BUSY}


def local(moment: Any) -> Any:
    return moment.astimezone(ZONE)


def nearest_rank(values: list[int], share: float) -> int | None:
    """The percentile as the console defines it, computed afresh from the sorted values."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(math.ceil(share * len(ordered)), 1) - 1]


def write_history(runner: FlaskCliRunner, calls: int, days: int) -> None:
    result = runner.invoke(args=["demo", "data", "--calls", str(calls), "--days", str(days),
                                 "--seed", "11"])  # fmt: skip
    assert result.exit_code == 0, result.output


def overview(console: Console, first: date, last: date) -> str:
    page = console.get(f"/supervisor/?since={first}&until={last}")
    assert page.status_code == 200
    return page.get_data(as_text=True)


def names(app: Flask, table: dict[str, Any]) -> dict[str, str]:
    with app.test_request_context(), force_locale("en"):
        return {key: str(name) for key, name in table.items()}


def test_every_chart_shows_what_the_call_log_holds(
    app: Flask, runner: FlaskCliRunner, as_supervisor: Console, session: Session, clock: SimClock
) -> None:
    write_history(runner, calls=900, days=40)
    today = local(clock.now()).date()
    first, last = today - timedelta(days=40), today
    page = overview(as_supervisor, first, last)
    calls = session.scalars(select(Call)).all()
    assert len(calls) == 900
    days = Counter(local(c.started_at).date().isoformat() for c in calls)
    shown = chart_table(page, "calls")
    assert {day: int(v[0]) for day, v in shown.items() if int(v[0])} == days
    assert len(shown) == 41  # every day of the period, empty ones too

    answered = Counter(local(c.started_at).date().isoformat() for c in calls
                       if c.outcome == CallOutcome.ANSWERED)  # fmt: skip
    for day, (share,) in chart_table(page, "answered").items():
        expected = 100 * answered[day] / days[day] if days[day] else None
        shown_share = value(share)
        assert (shown_share is None) == (expected is None), day
        assert expected is None or abs(shown_share - expected) <= 0.5  # type: ignore[operator]

    waits: dict[str, list[int]] = {}
    for c in calls:
        if c.answered_at is not None:
            day = local(c.started_at).date().isoformat()
            waits.setdefault(day, []).append(int((c.answered_at - c.started_at).total_seconds()))
    for day, (median, slow) in chart_table(page, "wait").items():
        assert value(median) == nearest_rank(waits.get(day, []), 0.5), day
        assert value(slow) == nearest_rank(waits.get(day, []), 0.9), day

    week = Counter((local(c.started_at).weekday(), local(c.started_at).hour) for c in calls)
    for hour, per_day in chart_table(page, "week").items():
        assert [value(v) for v in per_day] == [week[day, int(hour)] for day in range(7)]

    spoken, areas = names(app, SPOKEN), names(app, labels.AREAS)
    assert {k: int(v[0]) for k, v in chart_table(page, "languages").items()} == Counter(
        spoken[c.language] if c.language else "unknown" for c in calls
    )
    assert {k: int(v[0]) for k, v in chart_table(page, "oblasts").items()} == Counter(
        areas[c.caller_area] for c in calls if c.caller_area
    )
    outcomes = names(app, labels.OUTCOMES)
    assert {k: int(v[0]) for k, v in chart_table(page, "outcomes").items()} == Counter(
        outcomes[c.outcome] for c in calls
    )


def test_counsellor_load_callbacks_sms_and_the_summary_match_the_rows(
    runner: FlaskCliRunner, as_supervisor: Console, session: Session, clock: SimClock
) -> None:
    write_history(runner, calls=700, days=30)
    today = local(clock.now()).date()
    page = overview(as_supervisor, today - timedelta(days=30), today)
    people = {c.id: c.name for c in session.scalars(select(Counsellor))}
    load: dict[str, list[int]] = {}
    for offer in session.scalars(select(CallAttempt)):
        counts = load.setdefault(people[offer.counsellor_id], [0, 0, 0])
        counts[0] += 1
        counts[1] += offer.result == AttemptResult.ACCEPTED
        counts[2] += offer.result in MISSED
    shown = {name: [int(v) for v in values] for name, values in
             chart_table(page, "counsellors").items()}  # fmt: skip
    assert shown == load and len(load) == 3

    ended = Counter(
        (local(c.requested_at).date().isoformat(), c.state) for c in session.scalars(
            select(Callback))
    )  # fmt: skip
    assert ended  # the history has callbacks, so this compares something
    for day, (completed, expired) in chart_table(page, "callbacks").items():
        assert int(completed) == ended[day, CallbackState.COMPLETED]
        assert int(expired) == ended[day, CallbackState.EXPIRED]
    opened = Counter(local(c.opened_at).date().isoformat()
                     for c in session.scalars(select(Conversation)))  # fmt: skip
    assert {d: int(v[0]) for d, v in chart_table(page, "conversations").items() if int(v[0])} == (
        opened
    )

    calls = session.scalars(select(Call)).all()
    per_caller = Counter(c.caller for c in calls if c.caller)
    received = session.scalar(select(text("count(*)")).select_from(Message).where(
        Message.direction == "inbound"))  # fmt: skip
    summary = read_numbers(page).summary
    assert summary["Calls"] == str(len(calls))
    assert summary["Repeat callers (2 calls or more)"] == str(
        sum(1 for n in per_caller.values() if n >= 2)
    )
    assert summary["SMS conversations"] == str(sum(opened.values()))
    assert summary["SMS received"] == str(received)
    waits = [int((c.answered_at - c.started_at).total_seconds()) for c in calls if c.answered_at]
    assert summary["Time to answer, median"] == f"{nearest_rank(waits, 0.5)} s"
    assert summary["Time to answer, 90th percentile"] == f"{nearest_rank(waits, 0.9)} s"


def test_a_long_period_goes_month_by_month(
    runner: FlaskCliRunner, as_supervisor: Console, session: Session, clock: SimClock
) -> None:
    write_history(runner, calls=600, days=200)
    today = local(clock.now()).date()
    page = overview(as_supervisor, today - timedelta(days=200), today)
    months = Counter(local(c.started_at).strftime("%Y-%m") for c in session.scalars(select(Call)))
    shown = {month: int(v[0]) for month, v in chart_table(page, "calls").items()}
    assert shown == months
    assert "Calls, per month" in page


def test_the_demo_history_counts_what_a_fold_of_its_rows_counts(
    runner: FlaskCliRunner, session: Session
) -> None:
    write_history(runner, calls=800, days=60)
    written = _tallies(session)
    assert sum(n for (measure, *_), (n, _) in written.items() if measure == "calls") == 800
    for model in (Call, Callback, Message, Conversation):
        session.execute(update(model).values(tallied=False))
    session.execute(Tally.__table__.delete())
    session.commit()
    result = runner.invoke(args=["figures", "update"])
    assert result.output.startswith(str(800 + _rows(session))), result.output
    assert _tallies(session) == written
    assert runner.invoke(args=["figures", "update"]).output == "0 row(s) counted\n"


def _rows(session: Session) -> int:
    return sum(
        len(session.scalars(select(model.id)).all()) for model in (Callback, Message, Conversation)
    )


def _tallies(session: Session) -> dict[tuple[Any, ...], tuple[int, int]]:
    session.expire_all()
    return {
        (str(t.measure), t.day, t.line_id, t.language, t.area, t.kind, t.bucket): (t.items,
                                                                                    t.amount)
        for t in session.scalars(select(Tally))
    }  # fmt: skip


def test_a_call_is_counted_once_it_has_ended(
    hotline: Hotline,
    emulator: TwilioEmulator,
    runner: FlaskCliRunner,
    as_supervisor: Console,
    clock: SimClock,
) -> None:
    hotline.line()
    hotline.counsellor("Aigul", "+996555864209")
    emulator.call("+996700481526", LINE, keys=["1", "1"])
    today = local(clock.now()).date().isoformat()
    assert runner.invoke(args=["figures", "update"]).output == "1 row(s) counted\n"
    page = as_supervisor.get("/supervisor/").get_data(as_text=True)
    assert chart_table(page, "calls")[today] == ["1"]
    assert chart_table(page, "answered")[today] == ["100%"]
    assert chart_table(page, "counsellors") == {"Aigul": ["1", "1", "0"]}
    assert chart_table(page, "languages") == {"Kyrgyz": ["1"]}


def test_the_worker_counts_every_minute(
    app: Flask,
    hotline: Hotline,
    emulator: TwilioEmulator,
    session: Session,
    redis: Redis,
    clock: SimClock,
) -> None:
    hotline.line()
    hotline.counsellor("Aigul", "+996555864209")
    emulator.call("+996700481526", LINE, keys=["1", "1"])
    queue = Queue(QUEUE_NAME, connection=redis, serializer=JSONSerializer)
    queue.enqueue("workers.jobs.fold_figures", job_id="figures-folder")
    make_worker(app, redis).work(burst=True)
    calls = session.scalars(select(Tally).where(Tally.measure == "calls")).all()
    assert [(t.items, t.kind, t.language) for t in calls] == [(1, "answered", "ky")]
    scheduled = ScheduledJobRegistry(queue=queue)
    assert scheduled.get_job_ids() == ["figures-folder"]
    at = scheduled.get_scheduled_time("figures-folder")
    assert 0 < (at - clock.now()).total_seconds() <= 60
