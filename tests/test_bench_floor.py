"""`make bench`'s floor under the new call (bench/floor.py) does the least a new call must do,
no less: a request Twilio did not sign is refused, and a signed one leaves one row keyed by
its CallSid, the caller kept only as a pseudonym. A floor that skipped either would flatter
the floor and shame the hotline."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlencode

import pytest
from flask import Flask
from sqlalchemy import Engine, text

from bench import floor
from hotline.privacy import pseudonymize
from tests.conftest import AUTH_TOKEN, PUBLIC_URL, signed, voice_form

CALLER = "+996700424242"
KEY = "floor-test-key"


@pytest.fixture
def floor_app(
    migrated_engine: Engine, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Flask]:
    floor.prepare(migrated_engine)
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("HOTLINE_PUBLIC_URL", PUBLIC_URL)
    monkeypatch.setenv("HOTLINE_PSEUDONYM_KEY", KEY)
    monkeypatch.setenv("BARE_BODY_BYTES", "300")
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", AUTH_TOKEN)
    app = floor.create_app()
    yield app
    floor.close(app)
    with migrated_engine.begin() as connection:
        connection.execute(text(f"DROP TABLE {floor.TABLE}"))


def _rows(bound: Engine) -> list[tuple[str, str]]:
    with bound.connect() as connection:
        rows = connection.execute(text(f"SELECT call_sid, caller FROM {floor.TABLE}")).all()
    return [(sid, caller) for sid, caller in rows]


def test_a_signed_new_call_is_written_once_under_a_pseudonym(
    floor_app: Flask, migrated_engine: Engine
) -> None:
    form = voice_form("CA" + "f" * 32, CALLER, CallStatus="ringing")
    client = floor_app.test_client()
    for _ in range(2):  # a retry of the same CallSid is skipped, as the hotline skips it
        answer = client.post(
            "/voice/incoming",
            data=urlencode(form),
            content_type="application/x-www-form-urlencoded",
            headers=signed("/voice/incoming", form),
        )
        assert answer.status_code == 200
        assert answer.mimetype == "text/xml"
        assert len(answer.get_data()) == 300
    ((call_sid, caller),) = _rows(migrated_engine)
    assert call_sid == form["CallSid"]
    assert caller == pseudonymize(CALLER, KEY, 1)


def test_an_unsigned_request_is_refused_and_writes_nothing(
    floor_app: Flask, migrated_engine: Engine
) -> None:
    form = voice_form("CA" + "e" * 32, CALLER, CallStatus="ringing")
    forged = signed("/voice/incoming", {**form, "From": "+996700000000"})
    answer = floor_app.test_client().post("/voice/incoming", data=form, headers=forged)
    assert answer.status_code == 403
    assert _rows(migrated_engine) == []
