"""A supervisor's round in headless Chromium with JavaScript off: sign in with a TOTP code,
filter the call log, block a caller, add a shift, switch to Kyrgyz; the overview's charts and
a report over two months of demo history. Screenshots of each step."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from hotline.accounts.second_factor import code_at
from hotline.db import session_scope
from hotline.extensions import get_keyring
from hotline.models import AttemptResult, Call, CallAttempt, CallOutcome, Counsellor, Line, Role
from hotline.simulator import SimClock
from tests.browser_support import LAPTOP, PHONE, LiveServer, free_port
from tests.conftest import AppMaker, Hotline, HotlineCliRunner
from tests.console_support import ADMIN, PASSWORD, SUPERVISOR, TOTP_SECRET, add_account

pytestmark = pytest.mark.slow

# (caller, language, area, outcome, minutes ago): fictional numbers, only ever pseudonymized.
CALLS = [
    ("+996700481526", "ky", "mobile", CallOutcome.ANSWERED, 30),
    ("+996700481526", "ky", "mobile", CallOutcome.ABANDONED_WAITING, 90),
    ("+996312647193", "ky", "bishkek", CallOutcome.CALLBACK_REQUESTED, 150),
    ("+996555938274", "ru", "mobile", CallOutcome.ANSWERED, 200),
    ("+996555938274", "ru", "mobile", CallOutcome.ANSWERED, 260),
    ("+996777516284", "en", "mobile", CallOutcome.NO_COUNSELLOR, 320),
]


def arrange(app: Flask, hotline: Hotline, clock: SimClock) -> None:
    hotline.centres()
    hotline.line()
    hotline.counsellor("Aigul", "+996555864209", languages="ky,ru", on_duty=False)
    hotline.counsellor("Bakyt", "+996709352617", languages="ru,en")
    hotline.counsellor("Dilnoza", "+996700000202", languages="uz,ru", on_duty=False)
    add_account(app, ADMIN, Role.ADMIN, totp=True)
    keyring = get_keyring(app)
    with session_scope(app) as session:
        line = session.query(Line).one()
        people = {c.name: c for c in session.query(Counsellor)}
        for number, (caller, language, area, outcome, ago) in enumerate(CALLS):
            started = clock.now() - timedelta(minutes=ago)
            call = Call(
                call_sid=f"CA{number:032d}", line_id=line.id, caller=keyring.pseudonym(caller),
                caller_area=area, language=language, started_at=started, outcome=outcome,
                ended_at=started + timedelta(minutes=4), duration_seconds=240,
            )  # fmt: skip
            if outcome == CallOutcome.ANSWERED:
                call.counsellor = people["Bakyt" if language != "ky" else "Aigul"]
                call.answered_at = started + timedelta(seconds=14)
            session.add(call)
            session.flush()
            session.add(CallAttempt(
                call_id=call.id, counsellor_id=people["Aigul"].id, offered_at=started,
                ring_seconds=12, result=AttemptResult.ACCEPTED if call.counsellor else
                AttemptResult.NO_ANSWER,
            ))  # fmt: skip


def test_a_supervisors_round_in_chromium(
    make_app: AppMaker, chromium: Any, screenshots: Path, clock: SimClock
) -> None:
    port = free_port()
    app, emulator = make_app(HOTLINE_PUBLIC_URL=f"http://127.0.0.1:{port}")
    arrange(app, Hotline(app, emulator), clock)
    server = LiveServer(app, port)
    context = chromium.new_context(viewport=PHONE, java_script_enabled=False, locale="en-GB")
    hosts: set[str] = set()
    page = context.new_page()
    page.on("request", lambda request: hosts.add(request.url.split("/")[2]))
    try:
        page.goto(server.url + "/supervisor/")
        assert page.locator("h1").inner_text() == "Sign in"
        page.fill("input[name=email]", ADMIN)
        page.fill("input[name=password]", PASSWORD)
        page.fill("input[name=code]", code_at(TOTP_SECRET, clock.now()))
        page.screenshot(path=screenshots / "1-sign-in-phone.png")
        page.click("main button[type=submit]")
        assert page.locator("h1").inner_text() == "Overview"
        assert page.locator(".figure-calls .value").inner_text() == "6"
        page.screenshot(path=screenshots / "2-overview-phone.png")

        page.set_viewport_size(LAPTOP)
        page.click("nav >> text=Calls")
        page.select_option("select[name=language]", "ky")
        page.click("form.filters button[type=submit]")
        assert page.url.endswith("language=ky") or "language=ky" in page.url
        assert page.locator("tbody tr").count() == 3
        assert (
            page.locator("tbody .tag").first.inner_text()
            == page.locator("tbody .tag").nth(1).inner_text()
        )  # the same caller twice, by tag
        page.screenshot(path=screenshots / "3-calls-filtered.png", full_page=True)

        page.locator("tbody tr a").first.click()
        page.fill("input[name=reason]", "abusive calls at night")
        page.check('input[name=length][value="30d"]')
        page.screenshot(path=screenshots / "4-call-and-block.png", full_page=True)
        page.click("form.card button[type=submit]")
        assert page.locator("h1").inner_text() == "Blocks"
        assert "abusive calls at night" in page.locator("table").first.inner_text()

        page.click("nav >> text=Shifts")
        page.select_option("select[name=counsellor]", label="Aigul")
        page.select_option("select[name=days]", "weekdays")
        page.fill("input[name=start]", "09:00")
        page.fill("input[name=end]", "18:00")
        page.click("form.card button[type=submit]")
        assert "Shift added: mon 09:00-18:00" in page.locator(".flash").inner_text()
        page.screenshot(path=screenshots / "5-shifts-and-coverage.png", full_page=True)

        page.click("button[lang=ky]")
        assert page.locator("h1").inner_text() == "Кезметтер"
        page.set_viewport_size(PHONE)
        page.click("nav >> text=Чалуулар")
        assert page.locator("h1").inner_text() == "Чалуулар"
        page.screenshot(path=screenshots / "6-calls-in-kyrgyz-phone.png")
    finally:
        context.close()
        server.stop()
    assert hosts == {f"127.0.0.1:{port}"}  # no script, style or font from anywhere else


def test_the_overviews_charts_and_a_report_in_chromium(
    make_app: AppMaker, chromium: Any, screenshots: Path, clock: SimClock
) -> None:
    port = free_port()
    app, emulator = make_app(HOTLINE_PUBLIC_URL=f"http://127.0.0.1:{port}")
    add_account(app, SUPERVISOR, Role.SUPERVISOR, totp=False)
    history = HotlineCliRunner(app).invoke(
        args=["demo", "data", "--calls", "4000", "--days", "60", "--seed", "4"]
    )
    assert history.exit_code == 0, history.output
    server = LiveServer(app, port)
    context = chromium.new_context(viewport=LAPTOP, java_script_enabled=False, locale="en-GB")
    page = context.new_page()
    try:
        page.goto(server.url + "/supervisor/login")
        page.fill("input[name=email]", SUPERVISOR)
        page.fill("input[name=password]", PASSWORD)
        page.click("main button[type=submit]")
        page.click("text=last 30 days")
        # A click does not wait for the page it opens, nor does count(): under load the charts
        # were counted before the new page had loaded (0 of 10).
        page.wait_for_url(re.compile(r"since="))
        assert page.locator("figure.chart svg").count() == 10
        assert page.locator("#chart-calls rect").count() >= 29  # a column a day
        colour = page.locator("#chart-calls rect").first.evaluate("e => getComputedStyle(e).fill")
        assert colour == "rgb(0, 114, 178)"  # from the stylesheet: nothing inline is needed
        page.locator("#chart-wait details summary").click()  # the numbers, without script
        assert page.locator("#chart-wait table tbody tr").count() == 30
        page.screenshot(path=screenshots / "7-overview-charts.png", full_page=True)
        assert inline_style_or_script(context.request.get(page.url).text()) == []

        page.click("nav >> text=Report")
        assert page.locator("main h2").first.inner_text() == "Calls by month and outcome"
        page.screenshot(path=screenshots / "8-report.png", full_page=True)
        assert inline_style_or_script(context.request.get(page.url).text()) == []
        with page.expect_download() as download:
            page.click("text=CSV")
        assert download.value.suggested_filename.startswith("report-")
    finally:
        context.close()
        server.stop()


def inline_style_or_script(html: str) -> list[str]:
    """What the CSP would refuse: style attributes, <style> and <script> elements."""
    return re.findall(r"<script|<style|\sstyle=|\son[a-z]+=", html)
