"""`make bench` serves its mid-call webhooks calls staged as a real call stands when Twilio
sends them: `/voice/hunt` a caller on hold whose hunt the menu began, the dial action a call
whose offer is still ringing. A stage that left the hunt unbegun would have each of those
requests write what no real one writes; one without the offer, end nothing a real one ends."""

from __future__ import annotations

from flask import Flask, request
from sqlalchemy import func, select

from bench import stage as staging
from bench.webhooks import WEBHOOKS
from hotline.db import session_scope
from hotline.models import AttemptResult, Call, CallAttempt
from hotline.simulator import Behaviour, TwilioEmulator
from tests.conftest import Hotline

AIGUL, DILNOZA = "+996555000101", "+996700000202"
CALLER, OTHER_CALLER = "+996700123456", "+996700999888"
Shape = tuple[bool, int, int]  # hunt begun, counsellors offered, offers ringing


def shape(app: Flask, call_sid: str) -> Shape:
    """What the mid-call webhooks read of a call before they write."""
    with session_scope(app) as session:
        call = session.scalars(select(Call).where(Call.call_sid == call_sid)).one()
        ringing = session.scalar(
            select(func.count())
            .select_from(CallAttempt)
            .where(CallAttempt.call_id == call.id, CallAttempt.result == AttemptResult.RINGING)
        )
        return call.hunt_started_at is not None, call.attempt_count, ringing or 0


def shapes_seen(app: Flask, path: str) -> list[Shape]:
    """The shape of each call as a request to `path` arrives, before the hotline serves it."""
    seen: list[Shape] = []

    def look() -> None:
        if request.path == path:
            seen.append(shape(app, request.form["CallSid"]))

    app.before_request(look)
    return seen


def staged(app: Flask, webhook_name: str) -> Shape:
    """The shape of a call the benchmarks stage for this webhook."""
    (webhook,) = [w for w in WEBHOOKS if w.name == webhook_name]
    stage = staging.Stage(env={}, app=app)
    sid = "CA" + "5" * 32
    staging.calls_in_progress(stage, [sid], webhook.language, webhook.hunting, webhook.rung)
    return shape(app, sid)


def test_a_hunt_is_staged_as_the_menu_leaves_a_caller_on_hold(
    app: Flask, hotline: Hotline, emulator: TwilioEmulator
) -> None:
    hotline.line(number=staging.LINE, language="ru")
    hotline.counsellor("Aigul", AIGUL, languages="ru")
    seen = shapes_seen(app, "/voice/hunt")
    emulator.call(OTHER_CALLER, staging.LINE, keys=["2", "1"])  # Aigul in wrap-up after it
    seen.clear()

    emulator.call(CALLER, staging.LINE, keys=["2", "1"])

    assert seen and set(seen) == {(True, 0, 0)}
    assert staged(app, "hunt") == (True, 0, 0)


def test_a_dial_action_is_staged_as_an_offer_leaves_the_call(
    app: Flask, hotline: Hotline, emulator: TwilioEmulator
) -> None:
    hotline.line(number=staging.LINE, language="ru")
    hotline.counsellor("Dilnoza", DILNOZA, languages="ru", behaviour=Behaviour.IGNORE)
    seen = shapes_seen(app, "/voice/dial-done")

    emulator.call(CALLER, staging.LINE, keys=["2", "1"])

    assert seen[0] == (True, 1, 1)  # her phone rang out: the first offer, still ringing
    assert staged(app, "dial action") == (True, 1, 1)
