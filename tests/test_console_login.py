"""Signing in to the console as OWASP ASVS asks: one answer for any wrong part, throttling,
short sessions that change at login and end at logout, CSRF tokens, a second factor."""

from __future__ import annotations

import re

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.accounts import second_factor
from hotline.models import AuditEntry, Role, User
from hotline.simulator import SimClock
from tests.conftest import PUBLIC_URL
from tests.console_support import (
    ADMIN,
    PASSWORD,
    RECOVERY_CODES,
    SUPERVISOR,
    TOTP_SECRET,
    Console,
    add_account,
    csrf_token,
)

WRONG = "Wrong email, password or code."


def session_cookie(console: Console) -> str:
    cookie = console.client.get_cookie("session", domain="hotline.example.org")
    assert cookie is not None
    return cookie.value


def test_login_over_https_as_a_browser_sends_it(console: Console) -> None:
    page = console.get("/supervisor/login")
    assert page.status_code == 200
    token = csrf_token(page.get_data(as_text=True))
    before = session_cookie(console)
    signed_in = console.client.post(
        "/supervisor/login",
        data={"csrf_token": token, "email": SUPERVISOR, "password": PASSWORD, "code": ""},
        base_url=PUBLIC_URL,
        headers={"Referer": PUBLIC_URL + "/supervisor/login"},
    )
    assert signed_in.status_code == 302
    assert signed_in.headers["Location"] == "/supervisor/"
    cookie = signed_in.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert session_cookie(console) != before  # a new session id at login
    assert console.get("/supervisor/").status_code == 200


def test_an_https_form_without_a_referer_or_token_is_refused(console: Console) -> None:
    token = csrf_token(console.get("/supervisor/login").get_data(as_text=True))
    form = {"email": SUPERVISOR, "password": PASSWORD, "code": ""}
    no_referer = console.client.post(
        "/supervisor/login", data={"csrf_token": token, **form}, base_url=PUBLIC_URL
    )
    no_token = console.client.post(
        "/supervisor/login",
        data=form,
        base_url=PUBLIC_URL,
        headers={"Referer": PUBLIC_URL + "/supervisor/login"},
    )
    assert (no_referer.status_code, no_token.status_code) == (400, 400)
    assert console.get("/supervisor/").status_code == 302  # nobody signed in


def test_wrong_email_password_or_code_get_the_same_answer(console: Console) -> None:
    answers = [
        console.log_in("nobody@example.org"),
        console.log_in(SUPERVISOR, "not the password at all"),
        console.log_in(ADMIN, code="000000"),
        console.log_in(ADMIN, code=""),
    ]
    assert [a.status_code for a in answers] == [401] * 4
    said = {
        re.findall(r'<p class="flash[^"]*"[^>]*>(.*?)</p>', a.get_data(as_text=True))[0]
        for a in answers
    }
    assert said == {WRONG}


def test_failures_slow_down_per_account_without_locking_the_real_user_out(
    console: Console, clock: SimClock
) -> None:
    for _ in range(5):
        assert console.log_in(SUPERVISOR, "wrong password!").status_code == 401
    throttled = console.log_in(SUPERVISOR)  # even the right password waits now
    assert throttled.status_code == 429
    assert "Try again in 1 minute." in throttled.get_data(as_text=True)
    clock.advance(16)
    assert console.log_in(SUPERVISOR).status_code == 302  # a short wait, then in


def test_failures_from_one_address_slow_down_across_accounts(console: Console) -> None:
    for guess in range(20):  # four tries at each of five accounts: none is slowed by itself
        assert console.log_in(f"guess{guess % 5}@example.org").status_code == 401
    assert console.log_in(SUPERVISOR).status_code == 429
    assert console.log_in(ADMIN).status_code == 429


def test_sessions_end_after_15_minutes_idle_and_12_hours_in_all(
    console: Console, clock: SimClock
) -> None:
    console.log_in(SUPERVISOR)
    clock.advance(14 * 60)
    assert console.get("/supervisor/").status_code == 200
    clock.advance(16 * 60)
    assert console.get("/supervisor/").headers["Location"].startswith("/supervisor/login")
    console.log_in(SUPERVISOR)
    for _ in range(12 * 4):  # busy all day, never idle, up to 12 hours
        clock.advance(15 * 60)
        assert console.get("/supervisor/").status_code == 200
    clock.advance(1)
    assert console.get("/supervisor/").status_code == 302


def test_logout_ends_the_session_even_for_a_copied_cookie(console: Console) -> None:
    console.log_in(SUPERVISOR)
    copied = session_cookie(console)
    assert console.post("/supervisor/logout", {}, page="/supervisor/").status_code == 302
    console.client.set_cookie("session", copied, domain="hotline.example.org")
    assert console.get("/supervisor/").status_code == 302


def test_a_totp_code_works_once_and_a_recovery_code_once(
    console: Console, session: Session
) -> None:
    code = second_factor.code_at(TOTP_SECRET, console.clock.now())
    assert console.log_in(ADMIN, code=code).status_code == 302
    console.post("/supervisor/logout", {}, page="/supervisor/")
    assert console.log_in(ADMIN, code=code).status_code == 401  # replayed
    assert console.log_in(ADMIN, code=RECOVERY_CODES[0].upper()).status_code == 302
    console.post("/supervisor/logout", {}, page="/supervisor/")
    assert console.log_in(ADMIN, code=RECOVERY_CODES[0]).status_code == 401
    admin = session.scalars(select(User).where(User.username == ADMIN)).one()
    assert admin.recovery_codes == [second_factor.recovery_hash(RECOVERY_CODES[1])]


def test_an_admin_without_a_second_factor_sets_one_up_before_anything_else(
    app: Flask, console: Console, session: Session
) -> None:
    add_account(app, "new-admin@example.org", Role.ADMIN, totp=False)
    console.log_in("new-admin@example.org", code="")
    assert console.get("/supervisor/calls").headers["Location"] == (
        "/supervisor/account/second-factor"
    )
    page = console.get("/supervisor/account/second-factor").get_data(as_text=True)
    assert "<svg" in page and "<script" not in page
    shown = page.split("<code>")[1].split("</code>")[0].replace(" ", "")
    code = second_factor.code_at(shown, console.clock.now())
    done = console.post("/supervisor/account/second-factor", {"code": code})
    codes = done.get_data(as_text=True).count("<li><code>")
    assert codes == 10
    assert console.get("/supervisor/calls").status_code == 200
    admin = session.scalars(select(User).where(User.username == "new-admin@example.org")).one()
    assert admin.totp_secret_sealed and shown not in admin.totp_secret_sealed
    assert len(admin.recovery_codes) == 10


def test_every_login_success_and_failure_is_audited_without_the_typed_email(
    console: Console, session: Session
) -> None:
    console.log_in("typo-password-in-the-email-box")
    console.log_in(SUPERVISOR, "wrong password!")
    console.log_in(SUPERVISOR)
    entries = session.scalars(select(AuditEntry).order_by(AuditEntry.seq)).all()
    assert [(e.actor, e.action, e.target) for e in entries] == [
        ("-", "login-failed", None),
        ("-", "login-failed", f"account {SUPERVISOR}"),
        (SUPERVISOR, "login", None),
    ]
