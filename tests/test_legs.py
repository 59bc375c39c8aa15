"""Whoever's phone a voice webhook's answer is heard on, a failure is answered for that phone:
with the database down, a callback's leg to the caller's own phone hangs up without a word
(never the reserve line, the emergency numbers or the caller's number as callerId), and a
counsellor's leg is told that something failed. Routes are found in the app's URL map."""

from __future__ import annotations

import pytest
from flask import Flask

from hotline.ivr.safety import LEG, Leg
from tests.conftest import ACCOUNT_SID, LINE, AppMaker, signed, spoken, twiml

CALLER = "+996700123456"
COUNSELLOR = "+996555000101"


def voice_routes(app: Flask) -> dict[str, Leg]:
    """Every voice webhook's path and the leg its view says it answers."""
    return {
        rule.rule: getattr(app.view_functions[rule.endpoint], LEG, Leg.CALLER)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/voice/") and "POST" in (rule.methods or ())
    }


def test_every_leg_that_is_not_a_callers_call_says_so(app: Flask) -> None:
    routes = voice_routes(app)
    assert {path for path, leg in routes.items() if leg is Leg.CALLERS_PHONE} == {
        "/voice/callback/caller-screen",
        "/voice/callback/caller-answer",
    }
    counsellors = {path for path, leg in routes.items() if leg is Leg.COUNSELLOR}
    assert {"/voice/screen", "/voice/screen/answer", "/voice/callback/accept"} <= counsellors
    legs = [
        rule for rule in app.url_map.iter_rules() if rule.endpoint.startswith("ivr.callback_legs.")
    ]
    assert legs and all(routes[rule.rule] is not Leg.CALLER for rule in legs)


@pytest.fixture
def no_database(make_app: AppMaker) -> Flask:
    return make_app(DATABASE_URL="sqlite:////nonexistent/hotline.sqlite3")[0]


def post_leg(app: Flask, path: str, leg: Leg) -> str:
    """A signed request as Twilio sends it on that leg (a callback's legs come from the line)."""
    far_end = {Leg.CALLERS_PHONE: CALLER, Leg.COUNSELLOR: COUNSELLOR}[leg]
    form = {"CallSid": "CA" + "7" * 32, "AccountSid": ACCOUNT_SID, "From": LINE, "To": far_end,
            "Digits": "1", "CallStatus": "in-progress", "DialCallStatus": "completed"}  # fmt: skip
    target = f"{path}?callback=1&attempt=1"
    response = app.test_client().post(target, data=form, headers=signed(target, form))
    assert response.status_code in (200, 204)
    return response.get_data(as_text=True)


def test_with_the_database_down_the_callers_own_phone_hears_nothing(no_database: Flask) -> None:
    for path, leg in voice_routes(no_database).items():
        if leg is Leg.CALLERS_PHONE:
            body = post_leg(no_database, path, leg)
            assert [node.tag for node in twiml(body)] == ["Hangup"], path


def test_with_the_database_down_a_counsellor_is_told_and_let_go(no_database: Flask) -> None:
    for path, leg in voice_routes(no_database).items():
        if leg is Leg.COUNSELLOR:
            body = post_leg(no_database, path, leg)
            if not body:  # a status callback: nobody hears its answer
                continue
            assert [node.tag for node in twiml(body)] == ["Play", "Say", "Hangup"], path
            assert spoken(body) == ["/voice/prompts/ky/counsellor_leg_failed.wav", "say:ru-RU"]
