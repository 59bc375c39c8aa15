"""Only Twilio's own, complete requests act: a bad signature is a 403, a request without what
Twilio always sends (or with another account's sid) a 400, a huge body a 413; none writes
anything, and no value from a request reaches TwiML unchecked."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import Engine
from sqlalchemy.orm import Session
from twilio.request_validator import RequestValidator
from werkzeug.datastructures import MultiDict

from tests.conftest import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    LINE,
    PUBLIC_URL,
    RESERVE,
    Hotline,
    database_text,
    signed,
    twiml,
    voice_form,
)

CALLER = "+996700123456"
VOICE = voice_form("CA" + "1" * 32, CALLER, CallStatus="ringing")
SMS = {
    "MessageSid": "SM" + "1" * 32,
    "AccountSid": ACCOUNT_SID,
    "From": CALLER,
    "To": LINE,
    "Body": "CALL 1",
    "NumSegments": "1",
    "ApiVersion": "2010-04-01",
}


def without(form: dict[str, str], name: str) -> dict[str, str]:
    return {k: v for k, v in form.items() if k != name}


CASES = [
    *[
        ("/voice/incoming", without(VOICE, name))
        for name in ("CallSid", "AccountSid", "From", "To")
    ],
    *[("/sms/incoming", without(SMS, name)) for name in ("MessageSid", "AccountSid", "From", "To")],
    ("/voice/incoming", {**VOICE, "AccountSid": "AC" + "9" * 32}),
    ("/sms/incoming", {**SMS, "AccountSid": "AC" + "9" * 32}),
    ("/voice/incoming", {**VOICE, "CallSid": " "}),
    # Signed names and values run together: "FromZip" swallows the name of a MessageSid that
    # was taken out, and the signature still holds.
    ("/sms/incoming", {**without(SMS, "MessageSid"), "FromZip": "MessageSid" + "SM" + "1" * 32}),
]


@pytest.mark.parametrize(("path", "form"), CASES)
def test_a_signed_request_without_twilios_own_parameters_is_refused_and_writes_nothing(
    app: Flask, hotline: Hotline, migrated_engine: Engine, path: str, form: dict[str, str]
) -> None:
    hotline.line()
    before = database_text(migrated_engine)
    response = app.test_client().post(path, data=form, headers=signed(path, form))
    assert response.status_code == 400
    assert database_text(migrated_engine) == before


def test_the_swallowed_name_variant_really_keeps_its_signature() -> None:
    swallowed = {**without(SMS, "MessageSid"), "FromZip": "MessageSid" + "SM" + "1" * 32}
    whole = {**SMS, "FromZip": ""}
    assert signed("/sms/incoming", swallowed) == signed("/sms/incoming", whole)


def test_a_huge_body_is_refused_before_it_is_read(app: Flask, session: Session) -> None:
    body = "x" * (20 * 1024 * 1024)
    response = app.test_client().post(
        "/voice/incoming", data={**VOICE, "Pad": body}, headers={"X-Twilio-Signature": "x"}
    )
    assert response.status_code == 413


def test_a_multipart_form_of_too_many_fields_is_refused_as_it_is_read(
    app: Flask, hotline: Hotline, migrated_engine: Engine
) -> None:
    """Twilio posts plain forms; one sent as multipart is held to Flask's limit on its fields
    (MAX_FORM_PARTS), which a webhook's request reads once (`hotline._with_limits`). Its parts
    are as short as can be, to stay under the limit on a body's size."""
    hotline.line()
    fields = [*VOICE.items(), *[("P", "") for _ in range(app.config["MAX_FORM_PARTS"])]]
    part = '--b\r\nContent-Disposition: form-data; name="{}"\r\n\r\n{}\r\n'
    body = "".join(part.format(name, value) for name, value in fields) + "--b--\r\n"
    assert len(body) < app.config["MAX_CONTENT_LENGTH"]
    before = database_text(migrated_engine)
    response = app.test_client().post(
        "/voice/incoming",
        data=body,
        headers=signed("/voice/incoming", dict(VOICE)),
        content_type="multipart/form-data; boundary=b",
    )
    assert response.status_code == 413
    assert database_text(migrated_engine) == before


@pytest.mark.parametrize("to", [LINE + "\x0b", "+99631290010\x00", "not a number", "<Hangup/>"])
def test_an_odd_to_never_breaks_the_xml_nor_becomes_the_caller_id(
    app: Flask, hotline: Hotline, to: str
) -> None:
    hotline.line()
    client = app.test_client()
    for path in ("/voice/incoming", "/voice/fallback"):
        form = {**VOICE, "To": to}
        response = client.post(path, data=form, headers=signed(path, form))
        assert response.status_code == 200
        document = twiml(response.get_data(as_text=True))  # parses
        dial = document.find("Dial")
        assert dial is not None and dial.get("callerId") in (None, LINE)
        assert [n.text for n in dial] == [RESERVE]


def test_every_value_of_a_repeated_parameter_is_checked(
    app: Flask, hotline: Hotline, migrated_engine: Engine
) -> None:
    """Twilio signs each value of a parameter sent more than once: a request is answered only
    with all of them as signed, none changed and none added."""
    hotline.line()
    url = PUBLIC_URL + "/voice/incoming"
    once = MultiDict([*VOICE.items(), ("StirVerstat", "TN-Validation-Passed-A")])
    twice = once.copy()
    twice.add("StirVerstat", "TN-Validation-Passed-B")
    forged = [
        (once, [("StirVerstat", "TN-Validation-Failed")]),  # a value added to one sent once
        (twice, [("StirVerstat", "TN-Validation-Failed")]),  # and to one sent twice
    ]
    client = app.test_client()
    before = database_text(migrated_engine)
    for form, added in forged:
        headers = {"X-Twilio-Signature": RequestValidator(AUTH_TOKEN).compute_signature(url, form)}
        sent = MultiDict([*form.items(multi=True), *added])
        assert client.post("/voice/incoming", data=sent, headers=headers).status_code == 403
    changed = MultiDict([*once.items(), ("StirVerstat", "TN-Validation-Failed")])
    headers = {"X-Twilio-Signature": RequestValidator(AUTH_TOKEN).compute_signature(url, twice)}
    assert client.post("/voice/incoming", data=changed, headers=headers).status_code == 403
    assert database_text(migrated_engine) == before
    answered = client.post("/voice/incoming", data=twice, headers=headers)
    assert answered.status_code == 200
    assert twiml(answered.get_data(as_text=True)).find("Gather") is not None
