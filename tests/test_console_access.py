"""Who may reach which console route, generated from the app's own URL map: a new route
without a rule here fails. On every response: the security headers. Every POST needs its token.
"""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.routing import Rule
from werkzeug.test import TestResponse

from hotline.db import session_scope
from hotline.models import Block, Call, CallOutcome, Counsellor, Line, Message, Role, Shift, User
from hotline.models.enums import Direction
from tests.conftest import PUBLIC_URL, Hotline
from tests.console_support import ADMIN, SUPERVISOR, Console, add_account, csrf_token

# endpoint -> who may use it: anyone, any signed-in account ("user"), or admins only.
RULES = {
    "supervisor.static": "public",
    "supervisor.auth.login": "public",
    "supervisor.auth.language": "public",
    "supervisor.auth.logout": "public",  # ends a session if there is one
    "supervisor.auth.password": "user",
    "supervisor.auth.second_factor_setup": "user",
    "supervisor.phone.index": "user",
    "supervisor.overview.index": "user",
    "supervisor.reports.index": "user",
    "supervisor.reports.csv_file": "user",
    "supervisor.reports.markdown_file": "user",
    "supervisor.calls.index": "user",
    "supervisor.calls.call": "user",
    "supervisor.calls.export": "user",
    "supervisor.messages.index": "user",
    "supervisor.messages.message": "user",
    "supervisor.callbacks.index": "user",
    "supervisor.blocks.index": "user",
    "supervisor.blocks.add": "user",
    "supervisor.blocks.lift": "user",
    "supervisor.counsellors.index": "admin",
    "supervisor.counsellors.add": "admin",
    "supervisor.counsellors.edit": "admin",
    "supervisor.counsellors.duty": "admin",
    "supervisor.counsellors.active": "admin",
    "supervisor.shifts.index": "admin",
    "supervisor.shifts.add": "admin",
    "supervisor.shifts.remove": "admin",
    "supervisor.lines.index": "admin",
    "supervisor.lines.edit": "admin",
    "supervisor.users.index": "admin",
    "supervisor.users.add": "admin",
    "supervisor.users.active": "admin",
    "supervisor.users.reset": "admin",
    "supervisor.trail.index": "admin",
}
ALLOWED = {
    "anonymous": {"public"},
    "supervisor": {"public", "user"},
    "admin": {"public", "user", "admin"},
}
TARGET = "target@example.org"  # the account the user routes act on


def console_rules(app: Flask) -> list[Rule]:
    return [rule for rule in app.url_map.iter_rules() if rule.endpoint.startswith("supervisor.")]


def test_every_console_route_has_a_rule(app: Flask) -> None:
    assert {rule.endpoint for rule in console_rules(app)} == set(RULES)


def arrange(app: Flask, hotline: Hotline) -> dict[str, int]:
    """One of everything a route may name, by the route's argument."""
    hotline.line()
    hotline.counsellor("Aigul", "+996555864209")
    add_account(app, TARGET, Role.SUPERVISOR, totp=False)
    with session_scope(app) as session:
        line = session.scalars(select(Line)).one()
        counsellor = session.scalars(select(Counsellor)).one()
        counsellor.shifts.append(Shift(weekday=0, start=_time(9), end=_time(18)))
        call = Call(call_sid="CA" + "1" * 32, line_id=line.id, caller="1:" + "a" * 64,
                    outcome=CallOutcome.ANSWERED)  # fmt: skip
        message = Message(direction=Direction.INBOUND, party="1:" + "b" * 64, line_id=line.id)
        block = Block(caller="1:" + "c" * 64, reason="abuse")
        session.add_all([call, message, block])
        session.flush()
        target = session.scalars(select(User).where(User.username == TARGET)).one()
        return {
            "call_id": call.id,
            "message_id": message.id,
            "counsellor_id": counsellor.id,
            "line_id": line.id,
            "user_id": target.id,
            "shift_id": counsellor.shifts[0].id,
            "block_id": block.id,
            "filename": 0,
        }


def _time(hour: int) -> object:
    from datetime import time

    return time(hour)


def url(rule: Rule, ids: dict[str, int]) -> str:
    values = {name: ids[name] for name in rule.arguments}
    if "filename" in values:
        values["filename"] = "console.css"  # type: ignore[assignment]
    built = rule.build(values)
    assert built is not None
    return built[1]


def request(console: Console, rule: Rule, path: str, token: str) -> TestResponse:
    if "GET" in (rule.methods or ()):
        return console.get(path)
    return console.client.post(
        path,
        data={"csrf_token": token},
        base_url=PUBLIC_URL,
        headers={"Referer": PUBLIC_URL + "/supervisor/"},
    )


def refused(role: str, response: TestResponse) -> bool:
    if role == "anonymous":
        location = response.headers.get("Location", "")
        return response.status_code == 302 and location.startswith("/supervisor/login?next=")
    return response.status_code == 403


@pytest.mark.parametrize("role", ["anonymous", "supervisor", "admin"])
def test_role_by_route(
    role: str, app: Flask, hotline: Hotline, console: Console, session: Session
) -> None:
    ids = arrange(app, hotline)
    if role != "anonymous":
        assert console.log_in({"supervisor": SUPERVISOR, "admin": ADMIN}[role]).status_code == 302
    token = csrf_token(console.get("/supervisor/login").get_data(as_text=True))
    outcomes = {}
    # Signing out last: it ends the session the other requests need.
    for rule in sorted(console_rules(app), key=lambda r: r.endpoint == "supervisor.auth.logout"):
        response = request(console, rule, url(rule, ids), token)
        outcomes[rule.endpoint] = "refused" if refused(role, response) else "allowed"
        assert response.status_code != 500
        assert_console_headers(response, rule.endpoint)
        response.close()  # a static file is streamed
    expected = {
        endpoint: "allowed" if access in ALLOWED[role] else "refused"
        for endpoint, access in RULES.items()
    }
    assert outcomes == expected


def assert_console_headers(response: TestResponse, endpoint: str) -> None:
    headers = response.headers
    assert headers["Content-Security-Policy"] == (
        "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    )
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    if endpoint != "supervisor.static":
        assert headers["Cache-Control"] == "no-store"


def test_every_post_without_its_token_is_refused(
    app: Flask, hotline: Hotline, console: Console
) -> None:
    ids = arrange(app, hotline)
    console.log_in(ADMIN)
    posts = [rule for rule in console_rules(app) if "POST" in (rule.methods or ())]
    assert len(posts) > 15
    for rule in posts:
        response = console.client.post(
            url(rule, ids), data={}, base_url=PUBLIC_URL, headers={"Referer": PUBLIC_URL + "/"}
        )
        assert response.status_code == 400, rule.endpoint
    assert console.get("/supervisor/").status_code == 200  # still signed in: nothing happened


def test_plain_http_gets_no_hsts_and_a_missing_page_still_gets_the_headers(app: Flask) -> None:
    client = app.test_client()
    page = client.get("/supervisor/login", base_url="http://127.0.0.1:6000")
    assert "Strict-Transport-Security" not in page.headers
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    missing = client.get("/supervisor/nothing-here", base_url=PUBLIC_URL)
    assert missing.status_code == 404
    assert missing.headers["Content-Security-Policy"].startswith("default-src 'self'")
