"""Gaps in cover before they happen: the daily check texts every supervisor with a registered
phone, once, through the outbox and the emulator, and the overview shows the gaps."""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from redis import Redis
from rq import Queue
from rq.registry import ScheduledJobRegistry
from rq.serializers import JSONSerializer
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.db import session_scope
from hotline.extensions import QUEUE_NAME
from hotline.models import Counsellor, CoverAlert, Line, Shift, User
from hotline.roster import Rota
from hotline.roster.gaps import WHOLE_WEEK, coming_hours, find_gaps
from hotline.simulator import SimClock, SmsMessage, TwilioEmulator
from tests.callback_support import Deliveries
from tests.conftest import LINE, Hotline, redis_text
from tests.console_support import SUPERVISOR, Console

PHONE = "+996700314159"  # the supervisor's own, fictional


@pytest.fixture
def clock() -> SimClock:
    """Monday 08:00 in Bishkek, when the daily check runs."""
    return SimClock(datetime(2026, 3, 2, 2, 0, tzinfo=UTC))


def arrange(app: Flask, hotline: Hotline) -> None:
    """A Kyrgyz line; Aigul (Kyrgyz) on shift 09:00-18:00 daily; Bakyt (Russian) always on."""
    hotline.line(language="ky")
    hotline.counsellor("Aigul", "+996555864209", languages="ky", on_duty=False)
    hotline.counsellor("Bakyt", "+996709352617", languages="ru")
    with session_scope(app) as session:
        aigul = session.scalars(select(Counsellor).where(Counsellor.name == "Aigul")).one()
        aigul.shifts = [Shift(weekday=day, start=time(9), end=time(18)) for day in range(7)]


def test_supervisors_are_texted_about_the_coming_days_gaps_once(
    app: Flask,
    hotline: Hotline,
    emulator: TwilioEmulator,
    as_supervisor: Console,
    session: Session,
    redis: Redis,
) -> None:
    arrange(app, hotline)
    texts: list[tuple[str, str, str]] = []
    emulator.on_message = lambda m: texts.append((m.to, m.from_, m.body))
    as_supervisor.post("/supervisor/language", {"language": "en"}, page="/supervisor/")
    saved = as_supervisor.post("/supervisor/account/phone", {"phone": "0700 314 159"})
    assert saved.status_code == 302
    page = as_supervisor.get("/supervisor/account/phone").get_data(as_text=True)
    assert "+996 *** *** *59" in page and "314159" not in page.replace(" ", "")

    queue = Queue(QUEUE_NAME, connection=redis, serializer=JSONSerializer)
    queue.enqueue("workers.jobs.check_cover", job_id="cover-check")
    Deliveries(app, emulator, redis).run()
    assert texts == [
        (PHONE, LINE, f"Nobody on call in the next 24 h: {LINE} Kyrgyz 08:00-09:00, 18:00-08:00.")
    ]
    assert PHONE[4:] not in redis_text(redis) and "Nobody" not in redis_text(redis)
    user = session.scalars(select(User).where(User.username == SUPERVISOR)).one()
    assert user.phone_sealed is not None and PHONE not in user.phone_sealed

    overview = as_supervisor.get("/supervisor/").get_data(as_text=True)
    assert f"Line {LINE}, Kyrgyz: nobody on call 08:00-09:00, 18:00-08:00" in overview

    queue.enqueue("workers.jobs.check_cover", job_id="cover-check")  # run again the same day
    Deliveries(app, emulator, redis).run()
    assert len(texts) == 1
    assert len(session.scalars(select(CoverAlert)).all()) == 1
    scheduled = ScheduledJobRegistry(queue=queue)
    assert "cover-check" in scheduled.get_job_ids()  # tomorrow at 07:00 local


def test_no_gap_no_text(
    app: Flask, hotline: Hotline, emulator: TwilioEmulator, as_supervisor: Console, redis: Redis
) -> None:
    hotline.line(language="ru")
    hotline.counsellor("Bakyt", "+996709352617", languages="ru")  # on duty, all day
    sent: list[SmsMessage] = []
    emulator.on_message = sent.append
    as_supervisor.post("/supervisor/account/phone", {"phone": PHONE})
    queue = Queue(QUEUE_NAME, connection=redis, serializer=JSONSerializer)
    queue.enqueue("workers.jobs.check_cover", job_id="cover-check")
    Deliveries(app, emulator, redis).run()
    assert sent == []
    page = as_supervisor.get("/supervisor/").get_data(as_text=True)
    assert "language has someone on call in each of the next 24 hours" in page


def test_a_phone_that_cannot_be_texted_is_refused_and_one_can_be_removed(
    as_supervisor: Console, session: Session
) -> None:
    refused = as_supervisor.post("/supervisor/account/phone", {"phone": "12"})
    assert refused.status_code == 400
    assert as_supervisor.post("/supervisor/account/phone", {"phone": PHONE}).status_code == 302
    removed = as_supervisor.post("/supervisor/account/phone", {"phone": "", "action": "remove"})
    assert removed.status_code == 302
    user = session.scalars(select(User).where(User.username == SUPERVISOR)).one()
    assert (user.phone_sealed, user.phone_hint) == (None, None)


def test_a_day_with_nobody_at_all_for_a_language_says_so() -> None:
    hours = coming_hours(datetime(2026, 3, 2, 6, 30, tzinfo=UTC), ZoneInfo("Asia/Bishkek"))
    assert (hours[0].hour, len(hours)) == (12, 24)  # from this local hour on
    lines = [
        Line(id=1, number=LINE, language="ky"),
        Line(id=2, number="+996312900101", language="ru"),
    ]
    [gap] = find_gaps([Rota(["ru"], WHOLE_WEEK)], lines, hours)
    assert (gap.line_id, gap.language, gap.describe()) == (1, "ky", "12:00-12:00 (24 h)")
