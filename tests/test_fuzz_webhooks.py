"""Every webhook, fuzzed with signed requests: missing, huge, odd-Unicode and control-character
values, NUL bytes and odd query strings. Never a 5xx; a voice route answers parseable TwiML or a
4xx; and when a voice webhook fails, the caller still ends in a Dial or the emergency numbers."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from urllib.parse import urlencode

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import ACCOUNT_SID, LINE, RESERVE, Hotline, signed, twiml

CALLER = "+996700123456"
FAILED = "voice webhook"  # how the safe answer logs a failure it covered


def webhook_paths(app: Flask) -> list[str]:
    """Every POST route of the voice and SMS channels, from the app's own URL map."""
    return sorted(
        rule.rule
        for rule in app.url_map.iter_rules()
        if "POST" in (rule.methods or ()) and rule.rule.startswith(("/voice/", "/sms/"))
    )


odd_text = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=40
) | st.sampled_from(["", "\x00", "\x0b", "+996312900100\x0b", "9" * 300, "ñ" * 70, " 1 "])
digits = st.sampled_from(["", "1", "2", "3", "4", "9", "#", "*", "11", "0312512640"]) | odd_text
query = st.dictionaries(
    st.sampled_from(["tries", "attempt", "callback", "n", "m", "x"]),
    st.sampled_from(["0", "1", "-1", "99999999999999999999", "abc", "", "%00"]) | odd_text,
    max_size=3,
)
extras = st.dictionaries(
    st.sampled_from(
        [
            "Digits",
            "CallStatus",
            "DialCallStatus",
            "CallDuration",
            "Body",
            "MessageStatus",
            "From",
            "To",
            "Direction",
            "ErrorCode",
        ]
    ),  # fmt: skip
    odd_text,
    max_size=5,
)


def base_form(path: str) -> dict[str, str]:
    if path.startswith("/sms/"):
        return {
            "MessageSid": "SM" + "2" * 32,
            "AccountSid": ACCOUNT_SID,
            "From": CALLER,
            "To": LINE,
        }
    return {"CallSid": "CA" + "2" * 32, "AccountSid": ACCOUNT_SID, "From": CALLER, "To": LINE}


@pytest.fixture
def arranged(app: Flask, hotline: Hotline) -> Iterator[Flask]:
    hotline.line()
    hotline.counsellor("Aigul", "+996555000101")
    yield app


@pytest.mark.slow
@settings(
    max_examples=400,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_fuzzed_webhooks_never_fail_the_caller(
    arranged: Flask, data: st.DataObject, caplog: pytest.LogCaptureFixture
) -> None:
    path = data.draw(st.sampled_from(webhook_paths(arranged)), label="path")
    form = {**base_form(path), **data.draw(extras, label="extras")}
    if data.draw(st.booleans(), label="keys"):
        form["Digits"] = data.draw(digits, label="digits")
    params = data.draw(query, label="query")
    target = path + ("?" + urlencode(params) if params else "")
    caplog.clear()
    with caplog.at_level(logging.ERROR):
        response = arranged.test_client().post(target, data=form, headers=signed(target, form))
    body = response.get_data(as_text=True)
    assert response.status_code < 500, body
    if not path.startswith("/voice/") or response.status_code != 200 or not body:
        return
    document = twiml(body)  # every voice answer parses
    if FAILED in caplog.text and not path.startswith(("/voice/screen", "/voice/callback/")):
        heard = [node.tag for node in document]
        dialled = [n.text for n in document.iter("Number")]
        assert dialled == [RESERVE] or heard[-1] == "Hangup", body


def test_the_fuzzer_covers_every_webhook(app: Flask) -> None:
    paths = webhook_paths(app)
    assert {"/voice/incoming", "/voice/fallback", "/voice/status", "/sms/incoming"} <= set(paths)
    assert len(paths) >= 20
