"""A callback's calls: the counsellor is rung first; on "1" the caller is dialled from the line.

The person who answers the caller's phone hears a neutral "you have a call, press 1": no word
of a hotline, in case it is not the caller; a voicemail presses nothing and the call is retried.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, request, url_for

from hotline import callbacks
from hotline.calls import answers, ending, reservations
from hotline.db import get_session
from hotline.extensions import get_keyring, get_queue, local_zone, now, setting
from hotline.ivr import twiml
from hotline.ivr.safety import Leg, runs_on
from hotline.ivr.turn import TwilioForm, again, may_ask_again, voice
from hotline.models import Callback, CallbackState, Line
from hotline.twilio_terms import CALL_ENDED
from hotline.webhooks import twilio_webhook, xml

bp = Blueprint("callback_legs", __name__, url_prefix="/callback")

CALLER_RING_SECONDS = 30


def _callback() -> Callback | None:
    raw = request.args.get("callback", "")
    return get_session().get(Callback, int(raw)) if raw.isdigit() else None


@bp.post("/screen")
@runs_on(Leg.COUNSELLOR)
@twilio_webhook
def screen() -> Response:
    """The counsellor picked up: the language, when it was asked, what to say; press 1."""
    callback = _callback()
    if callback is None or callback.state != CallbackState.RINGING_COUNSELLOR:
        return xml(twiml.hang_up())
    return xml(_callback_screen(callback, url_for(".accept", callback=callback.id)))


def _callback_screen(callback: Callback, action: str, invalid: bool = False) -> str:
    asked = f"{callback.requested_at.astimezone(local_zone()):%H:%M}"
    return twiml.callback_screen(voice(), callback.language, asked, action, invalid)


@bp.post("/accept")
@runs_on(Leg.COUNSELLOR)
@twilio_webhook
def accept() -> Response:
    """Only "1" places the call to the caller, once (compare-and-set); else another counsellor."""
    form = TwilioForm.parse()
    callback = _callback()
    session = get_session()
    if callback is None:
        return xml(twiml.hang_up())
    if form.digits not in ("", "1") and may_ask_again():  # a slip of the finger: once more
        action = again(".accept", callback=callback.id)
        return xml(_callback_screen(callback, action, invalid=True))
    counsellor_id = callback.counsellor_id
    reservations.release(session, reservations.callback_holder(callback.id))
    if form.digits != "1":
        declined = callbacks.counsellor_declined(session, callback, counsellor_id, now())
        session.commit()
        if declined:
            callbacks.deliver(get_queue(), callback.id)
        return xml(twiml.hang_up())
    if not callbacks.counsellor_accepted(session, callback.id, form.call_sid):
        session.commit()
        return xml(twiml.hang_up())
    callback = session.get_one(Callback, callback.id)
    if counsellor_id is not None:  # busy for other calls while on this one
        answers.mark_on_call(session, counsellor_id, form.call_sid, now())
    line = session.get_one(Line, callback.line_id)
    number = get_keyring().unseal(callback.number_sealed or "")
    session.commit()
    action = url_for(".caller_done", callback=callback.id)
    screen_url = url_for(".caller_screen", callback=callback.id)
    return xml(twiml.dial_caller(number, line.number, CALLER_RING_SECONDS, action, screen_url))


@bp.post("/caller-screen")
@runs_on(Leg.CALLERS_PHONE)
@twilio_webhook
def caller_screen() -> Response:
    """Whoever answers the caller's phone hears only a neutral "press 1"."""
    callback = _callback()
    if callback is None or callback.state != CallbackState.RINGING_CALLER:
        return xml(twiml.hang_up())
    action = url_for(".caller_answer", callback=callback.id)
    return xml(twiml.menu(voice(), callback.language, ["callback_caller_screen"], action))


@bp.post("/caller-answer")
@runs_on(Leg.CALLERS_PHONE)
@twilio_webhook
def caller_answer() -> Response:
    """A person pressed 1: bridge them to the counsellor. Silence (a machine) hangs up."""
    form = TwilioForm.parse()
    callback = _callback()
    session = get_session()
    if callback is not None and form.digits not in ("", "1") and may_ask_again():
        action = again(".caller_answer", callback=callback.id)
        keys = ["callback_caller_screen"]
        return xml(twiml.menu(voice(), callback.language, keys, action, invalid=True))
    if callback is None or form.digits != "1":
        return xml(twiml.hang_up())
    callbacks.caller_answered(session, callback.id, form.call_sid)
    session.commit()
    return xml(twiml.bridge())


@bp.post("/caller-done")
@runs_on(Leg.COUNSELLOR)
@twilio_webhook
def caller_done() -> Response:
    """The dial to the caller ended: completed, or missed (retry later or expire)."""
    callback = _callback()
    if callback is None:
        return xml(twiml.hang_up())
    missed = _settle_caller_leg(callback)
    key = "callback_caller_missed" if missed else "callback_counsellor_goodbye"
    return xml(twiml.say_and_hang_up(voice(), callback.language, [key]))


@bp.post("/status")
@runs_on(Leg.COUNSELLOR)
@twilio_webhook
def status() -> tuple[str, int]:
    """The counsellor's call ended; if it never reached the caller, try again."""
    form = TwilioForm.parse()
    callback = _callback()
    session = get_session()
    if callback is None or form.call_status not in CALL_ENDED:
        return "", 204
    if callback.state == CallbackState.RINGING_COUNSELLOR:
        if callbacks.counsellor_declined(session, callback, callback.counsellor_id, now()):
            session.commit()
            callbacks.deliver(get_queue(), callback.id)
    elif callback.state == CallbackState.RINGING_CALLER:
        _settle_caller_leg(callback)  # the dial action was lost: settle from here
    ending.release_counsellor(session, form.call_sid, now(), setting("HOTLINE_WRAP_UP_SECONDS"))
    reservations.release(session, reservations.callback_holder(callback.id))
    session.commit()
    return "", 204


def _settle_caller_leg(callback: Callback) -> bool:
    """Settle a callback whose caller leg ended (queueing a retry); True if the caller missed it."""
    if callback.state != CallbackState.RINGING_CALLER:
        return False  # settled already, by the dial action or the status callback
    session = get_session()
    policy = callbacks.policy_from(current_app.config)
    ended = callbacks.caller_leg_ended(session, callback, now(), policy)
    session.commit()
    if ended == CallbackState.SCHEDULED:
        retry = session.get_one(Callback, callback.id)
        callbacks.deliver(get_queue(), retry.id, retry.next_attempt_at)
    return ended != CallbackState.COMPLETED
