"""The Twilio emulator, driven against a tiny Flask app that checks signatures like ours."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import requests
from click.testing import CliRunner
from flask import Flask, Response, request
from twilio.base.exceptions import TwilioRestException
from twilio.request_validator import RequestValidator
from twilio.rest import Client
from werkzeug.serving import make_server

from hotline.cli.simulate import simulate
from hotline.simulator import (
    APPLICATION_ERROR,
    HANGUP,
    Behaviour,
    EmulatorServer,
    EventKind,
    HttpTransport,
    LegResult,
    ScaledClock,
    SimClock,
    TwilioEmulator,
    WsgiTransport,
    count_segments,
)
from hotline.simulator.parties import gathered_digits
from hotline.simulator.twiml import Gather

ACCOUNT_SID = "AC" + "1" * 32
AUTH_TOKEN = "emulator-test-token"
PUBLIC_URL = "https://hotline.example.org"
LINE = "+996312000100"
CALLER = "+996700123456"
FIRST = "+996555000001"
SECOND = "+996555000002"
SID = re.compile(r"^CA[0-9a-f]{32}$")
START = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)


def xml(body: str) -> Response:
    """A TwiML answer."""
    return Response(
        f'<?xml version="1.0" encoding="UTF-8"?><Response>{body}</Response>', mimetype="text/xml"
    )


def tiny_hotline(public_url: str | None = PUBLIC_URL) -> Flask:
    """Language menu -> Dial two screened numbers -> goodbye; refuses unsigned requests.

    Signatures are checked over `public_url` + path, or the URL requested when None."""
    app = Flask(__name__)
    received: list[dict[str, Any]] = []
    app.config["RECEIVED"] = received

    @app.before_request
    def check_signature() -> Response | None:
        url = (public_url or request.host_url.rstrip("/")) + request.full_path.rstrip("?")
        signature = request.headers.get("X-Twilio-Signature", "")
        valid = RequestValidator(AUTH_TOKEN).validate(url, request.form, signature)
        hit = {"path": request.path, "form": request.values.to_dict(), "valid": valid}
        received.append(hit)
        return None if valid else Response("bad signature", status=403)

    @app.post("/voice/incoming")
    def incoming() -> Response:
        return xml(
            '<Gather numDigits="1" action="/voice/language">'
            '<Say voice="Polly.Tatyana" language="ru-RU">Для русского нажмите 1</Say>'
            "<Play>https://cdn.example.org/audio/ky/menu.mp3</Play></Gather>"
            "<Redirect>/voice/language?default=ky</Redirect>"
        )

    @app.post("/voice/language")
    def language() -> Response:
        return xml(
            "<Say>Connecting you</Say>"
            f'<Dial callerId="{LINE}" answerOnBridge="true" timeout="20" action="after-dial">'
            f'<Number url="/voice/screen" statusCallback="leg-status">{FIRST}</Number>'
            f'<Number url="/voice/screen" statusCallback="leg-status">{SECOND}</Number></Dial>'
        )

    @app.post("/voice/screen")
    def screen() -> Response:
        return xml(
            '<Gather numDigits="1" action="/voice/screen-result"><Say>Press 1 to accept</Say>'
            "</Gather><Hangup/>"
        )

    @app.post("/voice/screen-result")
    def screen_result() -> Response:
        return xml("" if request.form["Digits"] == "1" else "<Hangup/>")

    @app.post("/voice/after-dial")
    def after_dial() -> Response:
        return xml("<Say>Goodbye</Say><Hangup/>")

    @app.post("/voice/fallback")
    def fallback() -> Response:
        return xml("<Say>Sorry, please call 112</Say><Hangup/>")

    @app.post("/voice/boom")
    def boom() -> Response:
        return Response("oops", status=500)

    @app.post("/voice/unknown-verb")
    def unknown_verb() -> Response:
        return xml("<Enqueue>waiting</Enqueue>")

    @app.post("/voice/empty-gather")
    def empty_gather() -> Response:
        return xml('<Gather actionOnEmptyResult="true" action="after-dial"/><Say>skipped</Say>')

    @app.post("/voice/foreign-caller-id")
    def foreign_caller_id() -> Response:
        # Showing a counsellor's own number to a caller: Twilio refuses an unowned callerId.
        return xml(f'<Dial callerId="{SECOND}" action="after-dial"><Number>{FIRST}</Number></Dial>')

    @app.post("/voice/reject")
    def reject() -> Response:
        return xml('<Reject reason="busy"/><Say>never heard</Say>')

    @app.post("/voice/by-get")
    def by_get() -> Response:
        return xml('<Redirect method="GET">/voice/get-target?lang=ru</Redirect>')

    @app.get("/voice/get-target")
    def get_target() -> Response:
        return xml(f"<Say>GET {request.args['lang']}</Say>")

    @app.post("/voice/self-update")
    def self_update() -> Response:
        # The app redirects the live call through the REST API, as a ring-all winner would.
        twilio: Client = app.config["TWILIO"]
        twilio.calls(request.form["CallSid"]).update(url=PUBLIC_URL + "/voice/after-dial")
        return xml('<Say>hold on</Say><Pause length="30"/>')

    @app.post("/callback/offer")
    def callback_offer() -> Response:
        return xml('<Gather numDigits="1" action="accepted"><Say>Call back?</Say></Gather>')

    @app.post("/callback/accepted")
    def callback_accepted() -> Response:
        return xml(f'<Dial callerId="{LINE}"><Number>{CALLER}</Number></Dial>')

    @app.post("/sms/incoming")
    def sms_incoming() -> Response:
        return xml(f"<Message>Got {len(request.form['Body'])} characters</Message>")

    for path in ("/voice/status", "/voice/leg-status", "/sms/status", "/callback/status"):
        app.add_url_rule(path, path, lambda: Response("", status=204), methods=["POST"])
    return app


@pytest.fixture
def app() -> Flask:
    return tiny_hotline()


@pytest.fixture
def emulator(app: Flask) -> TwilioEmulator:
    emulator = TwilioEmulator(
        WsgiTransport(app), ACCOUNT_SID, AUTH_TOKEN, PUBLIC_URL, SimClock(START)
    )
    emulator.add_line(LINE)
    return emulator


@pytest.fixture
def client(app: Flask, emulator: TwilioEmulator) -> Client:
    app.config["TWILIO"] = Client(ACCOUNT_SID, AUTH_TOKEN, http_client=emulator.http_client)
    return app.config["TWILIO"]  # type: ignore[no-any-return]


def received(app: Flask, path: str) -> list[dict[str, str]]:
    """The forms the app received on `path`, asserting each was correctly signed."""
    hits = [hit for hit in app.config["RECEIVED"] if hit["path"] == path]
    assert all(hit["valid"] for hit in hits)
    return [hit["form"] for hit in hits]


def test_a_call_walks_the_menu_is_screened_connected_and_reported(
    app: Flask, emulator: TwilioEmulator
) -> None:
    emulator.add_phone(FIRST, Behaviour.IGNORE)
    emulator.add_phone(SECOND, Behaviour.ANSWER_ACCEPT, talk_seconds=90)

    record = emulator.call(CALLER, LINE, keys=["1"])

    assert all(hit["valid"] for hit in app.config["RECEIVED"])
    [incoming] = received(app, "/voice/incoming")
    assert SID.match(incoming["CallSid"]) and incoming["CallSid"] == record.call_sid
    assert {k: incoming[k] for k in ("AccountSid", "From", "To", "Caller", "Called")} == {
        "AccountSid": ACCOUNT_SID,
        "From": CALLER,
        "To": LINE,
        "Caller": CALLER,
        "Called": LINE,
    }
    assert (incoming["Direction"], incoming["CallStatus"]) == ("inbound", "ringing")
    assert (incoming["ApiVersion"], incoming["FromCountry"]) == ("2010-04-01", "KG")
    [language] = received(app, "/voice/language")
    assert (language["Digits"], language["CallStatus"]) == ("1", "in-progress")
    [screen] = received(app, "/voice/screen")  # the ignoring phone never answered
    assert screen["To"] == SECOND and screen["From"] == LINE
    assert screen["Direction"] == "outbound-dial" and screen["ParentCallSid"] == record.call_sid
    assert SID.match(screen["CallSid"]) and screen["CallSid"] != record.call_sid
    assert received(app, "/voice/screen-result")[0]["Digits"] == "1"
    [after] = received(app, "/voice/after-dial")
    assert after["DialCallStatus"] == "completed" and after["DialBridged"] == "true"
    assert after["DialCallSid"] == screen["CallSid"]
    assert after["DialCallDuration"] == "92"  # 2 s of screening, then 90 s talking

    assert [event.kind for event in record.transcript] == [
        EventKind.SAY,
        EventKind.PLAY,
        EventKind.GATHER,
        EventKind.SAY,
        EventKind.DIAL,
        EventKind.CONNECTED,
        EventKind.SAY,
        EventKind.HANGUP,
    ]
    say = record.transcript[0]
    assert (say.text, say.voice, say.language) == (
        "Для русского нажмите 1",
        "Polly.Tatyana",
        "ru-RU",
    )
    assert record.transcript[1].text == "https://cdn.example.org/audio/ky/menu.mp3"
    assert record.transcript[2].digits == "1"
    dial = record.transcript[4]
    assert [(leg.number, leg.result) for leg in dial.legs] == [
        (FIRST, LegResult.CANCELED),
        (SECOND, LegResult.ACCEPTED),
    ]
    assert dial.legs[1].transcript[0].text == "Press 1 to accept"
    assert (record.transcript[5].number, record.transcript[5].seconds) == (SECOND, 90)

    legs = received(app, "/voice/leg-status")  # <Number statusCallback>: completed events
    assert [(leg["To"], leg["CallStatus"]) for leg in legs] == [
        (FIRST, "canceled"),
        (SECOND, "completed"),
    ]
    assert legs[1]["CallDuration"] == "92" and legs[1]["ParentCallSid"] == record.call_sid

    [status] = received(app, "/voice/status")
    assert status["CallStatus"] == "completed" == record.status
    # Answered at the first prompt: 1 s Say, 4 s Play, 1 s key, 1 s Say, 5 s ringing,
    # 92 s with the counsellor, 1 s goodbye.
    assert status["CallDuration"] == str(record.duration) == "105"
    assert status["Timestamp"] == "Mon, 06 Jan 2025 09:01:45 +0000"
    assert (status["CallbackSource"], status["SequenceNumber"]) == ("call-progress-events", "0")
    assert record.notifications == []


def test_no_input_falls_through_to_the_next_verb(app: Flask, emulator: TwilioEmulator) -> None:
    emulator.add_phone(SECOND, Behaviour.ANSWER_ACCEPT)

    record = emulator.call(CALLER, LINE)

    assert record.transcript[2].kind is EventKind.GATHER and record.transcript[2].digits is None
    assert [r.path for r in record.requests][:2] == ["/voice/incoming", "/voice/language"]
    assert record.requests[1].url == PUBLIC_URL + "/voice/language?default=ky"
    assert "Digits" not in received(app, "/voice/language")[0]


@pytest.mark.parametrize(
    ("behaviour", "dial_status", "results", "screens"),
    [
        (Behaviour.BUSY, "busy", LegResult.BUSY, 0),
        (Behaviour.IGNORE, "no-answer", LegResult.NO_ANSWER, 0),
        (Behaviour.VOICEMAIL, "completed", LegResult.SCREEN_DECLINED, 2),
        (Behaviour.REJECT_SCREEN, "completed", LegResult.SCREEN_DECLINED, 2),
    ],
)
def test_nobody_accepts(
    app: Flask,
    emulator: TwilioEmulator,
    behaviour: Behaviour,
    dial_status: str,
    results: LegResult,
    screens: int,
) -> None:
    for number in (FIRST, SECOND):
        emulator.add_phone(number, behaviour)

    record = emulator.call(CALLER, LINE, keys=["1"])

    [after] = received(app, "/voice/after-dial")
    assert (after["DialCallStatus"], after["DialBridged"]) == (dial_status, "false")
    [dial] = record.events(EventKind.DIAL)
    assert [leg.result for leg in dial.legs] == [results, results]
    assert len(received(app, "/voice/screen")) == screens
    assert record.events(EventKind.CONNECTED) == []
    if behaviour is Behaviour.IGNORE:  # rang until the Dial's 20 s timeout
        assert record.duration >= 20


def test_the_caller_can_hang_up_in_the_menu(app: Flask, emulator: TwilioEmulator) -> None:
    record = emulator.call(CALLER, LINE, keys=[HANGUP])

    assert record.transcript[-1].kind is EventKind.CALLER_HANGUP
    assert received(app, "/voice/language") == []
    assert received(app, "/voice/status")[0]["CallStatus"] == "completed"


@pytest.mark.parametrize(
    ("path", "code"), [("/voice/boom", "11200"), ("/voice/unknown-verb", "12100")]
)
def test_a_failing_webhook_falls_back(
    app: Flask, emulator: TwilioEmulator, path: str, code: str
) -> None:
    emulator.add_line("+996312000200", voice_url=path)

    record = emulator.call(CALLER, "+996312000200")

    [fallback] = received(app, "/voice/fallback")
    assert (fallback["ErrorCode"], fallback["ErrorUrl"]) == (code, PUBLIC_URL + path)
    assert record.said() == ["Sorry, please call 112"]
    assert [n.code for n in record.notifications] == [int(code)]


def test_reject_ends_an_unanswered_call_as_busy(app: Flask, emulator: TwilioEmulator) -> None:
    emulator.add_line("+996312000200", voice_url="/voice/reject")

    record = emulator.call(CALLER, "+996312000200")

    assert [(e.kind, e.status) for e in record.transcript] == [(EventKind.REJECT, "busy")]
    [status] = received(app, "/voice/status")
    assert (status["CallStatus"], status["CallDuration"]) == ("busy", "0")


def test_action_on_empty_result_posts_empty_digits(app: Flask, emulator: TwilioEmulator) -> None:
    emulator.add_line("+996312000200", voice_url="/voice/empty-gather")

    record = emulator.call(CALLER, "+996312000200", keys=[None])

    assert received(app, "/voice/after-dial")[0]["Digits"] == ""
    assert record.said() == ["Goodbye"]


def test_dial_refuses_a_caller_id_the_account_does_not_own(
    app: Flask, emulator: TwilioEmulator
) -> None:
    emulator.add_line("+996312000200", voice_url="/voice/foreign-caller-id")
    emulator.add_phone(FIRST, Behaviour.ANSWER_ACCEPT)

    record = emulator.call(CALLER, "+996312000200")

    [after] = received(app, "/voice/after-dial")
    assert (after["DialCallStatus"], after["DialBridged"]) == ("failed", "false")
    assert [n.code for n in record.notifications] == [13214]
    assert record.events(EventKind.CONNECTED) == []


@pytest.mark.parametrize(
    ("pressed", "num_digits", "digits", "finished_on"),
    [("12#", None, "12", "#"), ("123", 1, "1", ""), ("#", None, "", "#"), (None, None, "", "")],
)
def test_gathered_digits(
    pressed: str | None, num_digits: int | None, digits: str, finished_on: str
) -> None:
    assert gathered_digits(pressed, Gather(num_digits=num_digits)) == (digits, finished_on)


def test_get_requests_carry_signed_parameters_in_the_query(
    app: Flask, emulator: TwilioEmulator
) -> None:
    emulator.add_line("+996312000200", voice_url="/voice/by-get")

    record = emulator.call(CALLER, "+996312000200")

    [target] = received(app, "/voice/get-target")
    assert (target["lang"], target["CallSid"]) == ("ru", record.call_sid)
    assert record.said() == ["GET ru"] and record.requests[1].method == "GET"


def test_a_rest_update_redirects_the_live_call(
    app: Flask, emulator: TwilioEmulator, client: Client
) -> None:
    emulator.add_line("+996312000200", voice_url="/voice/self-update")

    record = emulator.call(CALLER, "+996312000200")

    assert [r.path for r in record.requests[:2]] == ["/voice/self-update", "/voice/after-dial"]
    assert record.said() == ["Goodbye"]


def test_without_a_working_fallback_the_caller_hears_the_application_error(
    emulator: TwilioEmulator,
) -> None:
    emulator.add_line("+996312000200", voice_url="/voice/boom", voice_fallback_url="/voice/boom")

    record = emulator.call(CALLER, "+996312000200")

    [error] = record.transcript
    assert (error.kind, error.text, error.code) == (EventKind.ERROR, APPLICATION_ERROR, 11200)


def test_rest_call_is_queued_then_rung_and_reported(
    app: Flask, emulator: TwilioEmulator, client: Client
) -> None:
    emulator.add_phone(FIRST, Behaviour.ANSWER_ACCEPT)
    emulator.add_phone(CALLER, Behaviour.ANSWER_ACCEPT, talk_seconds=300)
    emulator.reverse_status_callbacks = True

    call = client.calls.create(
        to=FIRST,
        from_=LINE,
        url=PUBLIC_URL + "/callback/offer",
        status_callback=PUBLIC_URL + "/callback/status",
        status_callback_event=["initiated", "ringing", "answered", "completed"],
    )
    assert (call.status, call.direction, call.to) == ("queued", "outbound-api", FIRST)
    assert received(app, "/callback/offer") == []  # nothing runs inside the request

    [record] = emulator.run_pending()

    [offer] = received(app, "/callback/offer")
    assert (offer["CallSid"], offer["Direction"], offer["To"]) == (call.sid, "outbound-api", FIRST)
    assert received(app, "/callback/accepted")[0]["Digits"] == "1"
    [connected] = record.events(EventKind.CONNECTED)
    assert (connected.number, connected.seconds) == (CALLER, 300)
    statuses = received(app, "/callback/status")
    assert [s["SequenceNumber"] for s in statuses] == ["3", "2", "1", "0"]  # held, reversed
    assert [s["CallStatus"] for s in statuses] == [
        "completed",
        "in-progress",
        "ringing",
        "initiated",
    ]
    fetched = client.calls(call.sid).fetch()
    assert (fetched.status, fetched.duration) == ("completed", str(record.duration))


def test_busy_rest_call_reports_busy_twice_when_duplicating(
    app: Flask, emulator: TwilioEmulator, client: Client
) -> None:
    emulator.add_phone(FIRST, Behaviour.BUSY)
    emulator.duplicate_status_callbacks = True
    client.calls.create(
        to=FIRST,
        from_=LINE,
        url=PUBLIC_URL + "/callback/offer",
        status_callback=PUBLIC_URL + "/callback/status",
    )

    emulator.run_pending()

    statuses = received(app, "/callback/status")
    assert [s["CallStatus"] for s in statuses] == ["busy", "busy"]
    assert received(app, "/callback/offer") == []


def test_updating_calls(emulator: TwilioEmulator, client: Client) -> None:
    call = client.calls.create(to=FIRST, from_=LINE, url=PUBLIC_URL + "/callback/offer")
    assert client.calls(call.sid).update(status="canceled").sid == call.sid
    [record] = emulator.run_pending()
    assert record.status == "canceled" and record.requests == []
    with pytest.raises(TwilioRestException) as refused:
        client.calls(call.sid).update(url=PUBLIC_URL + "/voice/incoming")
    assert (refused.value.status, refused.value.code) == (400, 21220)


def test_messages_are_sent_reported_redacted_and_deleted(
    app: Flask, emulator: TwilioEmulator, client: Client
) -> None:
    message = client.messages.create(to=CALLER, from_=LINE, body="Кризисный центр: 0312 000")
    assert (message.status, message.num_segments) == ("queued", "1")
    with pytest.raises(TwilioRestException) as early:
        client.messages(message.sid).delete()
    assert early.value.code == 20009

    emulator.run_pending()

    statuses = received(app, "/sms/status")  # the line's status callback
    assert [s["MessageStatus"] for s in statuses] == ["queued", "sent", "delivered"]
    assert "Body" not in statuses[0] and statuses[0]["MessageSid"] == message.sid
    assert emulator.outbox[0].body == "Кризисный центр: 0312 000"
    assert [m.sid for m in client.messages.list(to=CALLER)] == [message.sid]
    assert client.messages.list(to=FIRST) == []
    assert client.messages(message.sid).update(body="").body == ""
    assert emulator.outbox[0].body == ""
    assert client.messages(message.sid).delete() is True
    assert emulator.outbox == []
    with pytest.raises(TwilioRestException) as gone:
        client.messages(message.sid).fetch()
    assert (gone.value.status, gone.value.code) == (404, 20404)


def test_bad_credentials_are_refused(emulator: TwilioEmulator) -> None:
    wrong = Client(ACCOUNT_SID, "not-the-token", http_client=emulator.http_client)
    with pytest.raises(TwilioRestException) as refused:
        wrong.messages.create(to=CALLER, from_=LINE, body="hello")
    assert (refused.value.status, refused.value.code) == (401, 20003)
    assert emulator.outbox == []


def test_send_sms_posts_the_webhook_and_queues_the_reply(
    app: Flask, emulator: TwilioEmulator
) -> None:
    [reply] = emulator.send_sms(CALLER, LINE, "помогите")

    [form] = received(app, "/sms/incoming")
    assert (form["Body"], form["From"], form["To"], form["NumMedia"]) == (
        "помогите",
        CALLER,
        LINE,
        "0",
    )
    assert form["MessageSid"].startswith("SM") and form["SmsSid"] == form["MessageSid"]
    assert (reply.from_, reply.to, reply.body) == (LINE, CALLER, "Got 8 characters")
    assert emulator.outbox == [reply]


def test_stop_opts_the_sender_out_as_twilio_does(emulator: TwilioEmulator) -> None:
    assert emulator.send_sms(CALLER, LINE, "STOP") == []
    assert emulator.outbox == [] and emulator.notifications[0].code == 21610


@pytest.mark.parametrize(
    ("body", "parts"), [("a" * 160, 1), ("a" * 161, 2), ("я" * 70, 1), ("я" * 71, 2), ("€" * 80, 1)]
)
def test_segments(body: str, parts: int) -> None:
    assert count_segments(body) == parts


@pytest.fixture
def served_app() -> Iterator[str]:
    """The tiny hotline on a free local port, as the real app runs under `make run`."""
    server = make_server("127.0.0.1", 0, tiny_hotline(public_url=None), threaded=True)
    url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield url
    server.shutdown()
    thread.join()
    server.server_close()


def cli_env(url: str) -> dict[str, str]:
    return {
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "HOTLINE_PUBLIC_URL": url,
        "HOTLINE_ENV": "development",
    }


def test_simulate_call_with_keys_prints_what_the_caller_hears(
    served_app: str, tmp_path: Path
) -> None:
    result = CliRunner().invoke(
        simulate,
        [
            "call",
            "--from",
            CALLER,
            "--to",
            LINE,
            "--keys",
            "1",
            "--instance",
            str(tmp_path),
            "--phone",
            f"{FIRST}=busy",
        ],
        env=cli_env(served_app),
    )

    assert result.exit_code == 0, result.output
    assert '  [Russian] "Для русского нажмите 1"' in result.output
    assert "(plays ky/menu.mp3)" in result.output
    assert "> pressed 1" in result.output
    assert "+996 *** *** *01 busy" in result.output and "*02 accepted" in result.output
    assert '"Goodbye"' in result.output and "call ended: completed" in result.output
    assert FIRST not in result.output and CALLER not in result.output


def test_simulate_call_reads_keys_from_the_keyboard(served_app: str, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        simulate,
        ["call", "--from", CALLER, "--to", LINE, "--instance", str(tmp_path)],
        env=cli_env(served_app),
        input="x\nq\n",
    )

    assert result.exit_code == 0, result.output
    assert "only 0-9, * and # can be pressed" in result.output
    assert "(you hung up)" in result.output and "Connecting you" not in result.output


def test_simulate_sms_prints_the_reply(served_app: str, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        simulate,
        ["sms", "--from", CALLER, "--to", LINE, "--body", "help", "--instance", str(tmp_path)],
        env=cli_env(served_app),
    )

    assert result.exit_code == 0, result.output
    assert "reply to +996 *** *** *56: Got 4 characters" in result.output


def test_a_webhook_over_http_arrives_as_signed_and_its_answer_reads_as_sent() -> None:
    seen: list[dict[str, Any]] = []
    echo = Flask("echo")

    @echo.post("/voice/<step>")
    def answer(step: str) -> Response:
        seen.append({"form": request.form.to_dict(), "query": request.args.to_dict(),
                     "connection": request.headers.get("Connection"),
                     "signature": request.headers.get("X-Twilio-Signature")})  # fmt: skip
        return xml("<Say>Сиз коопсузсузбу? Вы в безопасности?</Say>")

    server = make_server("127.0.0.1", 0, echo, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        transport = HttpTransport(f"http://127.0.0.1:{server.server_port}")
        form = {"CallSid": "CA" + "2" * 32, "Digits": "1", "From": "+996 700 123 456&x=1"}
        got = transport.deliver(
            "POST", PUBLIC_URL + "/voice/menu?tries=1", form, {"X-Twilio-Signature": "sig"}
        )
    finally:
        server.shutdown()
        thread.join()
        server.server_close()

    assert got.status == 200 and got.content_type == "text/xml"
    assert "Сиз коопсузсузбу? Вы в безопасности?" in got.body
    # the form as signed (an & or a space inside a value survives), the query, the signature;
    # and a new connection each time, as Twilio's separate webhooks may come
    assert seen == [
        {"form": form, "query": {"tries": "1"}, "connection": "close", "signature": "sig"}
    ]


def test_a_webhook_to_an_app_that_is_not_listening_comes_back_as_status_0() -> None:
    got = HttpTransport("http://127.0.0.1:9", timeout=2).deliver(
        "POST", PUBLIC_URL + "/voice/incoming", {"CallSid": "CA" + "3" * 32}, {}
    )

    assert got.status == 0 and got.body  # the error's name, for the 11200 notice


def test_the_rest_api_over_http_and_webhooks_over_http(served_app: str) -> None:
    emulator = TwilioEmulator(HttpTransport(served_app), ACCOUNT_SID, AUTH_TOKEN, served_app)
    emulator.add_line(LINE)
    with EmulatorServer(emulator, port=0, interval=0.01) as server:
        api = f"http://127.0.0.1:{server.port}/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
        answer = requests.post(
            api,
            data={"To": CALLER, "From": LINE, "Body": "hi"},
            auth=(ACCOUNT_SID, AUTH_TOKEN),
            timeout=5,
        )
        assert answer.status_code == 201 and answer.json()["status"] == "queued"
        refused = requests.post(api, data={}, auth=(ACCOUNT_SID, "wrong"), timeout=5)
        assert refused.status_code == 401 and refused.json()["code"] == 20003
        for _ in range(200):
            if emulator.outbox[0].status == "delivered":
                break
            threading.Event().wait(0.01)
    assert emulator.outbox[0].status == "delivered"
    assert [r.status for r in emulator.requests] == [204, 204, 204]


def test_a_phone_rung_while_in_another_call_is_busy_and_noted(emulator: TwilioEmulator) -> None:
    assert emulator.engage([FIRST]) == set()
    assert emulator.engage([FIRST, SECOND]) == {FIRST}  # a second call rings it meanwhile
    emulator.disengage([FIRST, SECOND])
    emulator.disengage([FIRST])
    assert emulator.engage([FIRST]) == set()  # both calls are over: free again
    assert emulator.collisions == [FIRST]


def test_a_scaled_clock_moves_with_real_time_sped_up() -> None:
    clock = ScaledClock(1000, start=START)
    clock.advance(50)  # 50 ms of real time
    assert (clock.now() - START).total_seconds() >= 50
