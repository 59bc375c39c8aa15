"""A callback's calls: the counsellor is rung first; on "1" the caller is dialled from the line.

The person who answers the caller's phone hears a neutral "you have a call, press 1": no word
of a hotline, in case it is not the caller; a voicemail presses nothing and the call is retried.
"""

from __future__ import annotations

import logging

from flask import Response, current_app, request, url_for
from twilio.twiml.voice_response import Dial, VoiceResponse

from hotline import callback_queue, callbacks, hunting
from hotline.db import get_session
from hotline.ivr import bp, twiml
from hotline.ivr.context import TwilioForm, now, setting, voice
from hotline.keyring import get_keyring
from hotline.models import Callback, CallbackState, Counsellor, Line
from hotline.queueing import get_queue
from hotline.safe_windows import BISHKEK
from hotline.webhooks import twilio_webhook
from hotline.webhooks import twiml as xml

log = logging.getLogger(__name__)

CALLER_RING_SECONDS = 30
CALLER_ANSWERED = "caller-answered"  # outcome mark while the two are talking


def _callback() -> Callback | None:
    raw = request.args.get("callback", "")
    return get_session().get(Callback, int(raw)) if raw.isdigit() else None


def _hang_up() -> Response:
    return xml(str(VoiceResponse().hangup()))


@bp.post("/callback/screen")
@twilio_webhook
def callback_screen() -> Response:
    """The counsellor picked up: the language, when it was asked, what to say; press 1."""
    callback = _callback()
    if callback is None or callback.state != CallbackState.RINGING_COUNSELLOR:
        return _hang_up()
    lang = callback.language
    response = VoiceResponse()
    node = twiml.gather(url_for("ivr.callback_accept", callback=callback.id))
    speaker = voice()
    speaker.speak(node, lang, "callback_asked_at")
    asked = callback.requested_at.astimezone(BISHKEK)
    node.say(f"{asked:%H:%M}", language="ru-RU")  # the time in digits, read by a voice
    speaker.speak(node, lang, "callback_screen")
    response.append(node)
    return xml(response)


@bp.post("/callback/accept")
@twilio_webhook
def callback_accept() -> Response:
    """Only "1" places the call to the caller, once (compare-and-set); else another counsellor."""
    form = TwilioForm.parse()
    callback = _callback()
    session = get_session()
    if callback is None:
        return _hang_up()
    counsellor_id = callback.counsellor_id
    if form.digits != "1":
        if callbacks.counsellor_declined(session, callback, counsellor_id, now()):
            session.commit()
            callback_queue.deliver(get_queue(), callback.id)
        return _hang_up()
    moved = callbacks.move(
        session,
        callback.id,
        CallbackState.RINGING_COUNSELLOR,
        state=CallbackState.RINGING_CALLER,
        attempts=Callback.attempts + 1,
        counsellor_call_sid=form.call_sid,
    )
    if not moved:
        return _hang_up()
    callback = session.get_one(Callback, callback.id)
    if counsellor_id is not None:  # busy for other calls while on this one
        session.get_one(Counsellor, counsellor_id).on_call_sid = form.call_sid
    line = session.get_one(Line, callback.line_id)
    number = get_keyring().unseal(callback.number_sealed or "")
    session.commit()
    response = VoiceResponse()
    dial = Dial(
        caller_id=line.number,
        answer_on_bridge=True,
        record="do-not-record",
        timeout=CALLER_RING_SECONDS,
        method="POST",
        action=url_for("ivr.callback_caller_done", callback=callback.id),
    )
    dial.number(number, url=url_for("ivr.callback_caller_screen", callback=callback.id))
    response.append(dial)
    return xml(response)


@bp.post("/callback/caller-screen")
@twilio_webhook
def callback_caller_screen() -> Response:
    """Whoever answers the caller's phone hears only a neutral "press 1"."""
    callback = _callback()
    if callback is None or callback.state != CallbackState.RINGING_CALLER:
        return _hang_up()
    action = url_for("ivr.callback_caller_answer", callback=callback.id)
    return xml(twiml.menu(voice(), callback.language, ["callback_caller_screen"], action))


@bp.post("/callback/caller-answer")
@twilio_webhook
def callback_caller_answer() -> Response:
    """A person pressed 1: bridge them to the counsellor. Silence (a machine) hangs up."""
    form = TwilioForm.parse()
    callback = _callback()
    session = get_session()
    if callback is None or form.digits != "1":
        return _hang_up()
    callbacks.move(
        session,
        callback.id,
        CallbackState.RINGING_CALLER,
        outcome=CALLER_ANSWERED,
        caller_call_sid=form.call_sid,
    )
    session.commit()
    return xml(str(VoiceResponse()))  # an empty document: Twilio bridges the two


@bp.post("/callback/caller-done")
@twilio_webhook
def callback_caller_done() -> Response:
    """The dial to the caller ended: completed, or missed (retry later or expire)."""
    callback = _callback()
    if callback is None:
        return _hang_up()
    key = _settle_caller_leg(callback)
    response = VoiceResponse()
    voice().speak(response, callback.language, key)
    response.hangup()
    return xml(response)


@bp.post("/callback/status")
@twilio_webhook
def callback_status() -> tuple[str, int]:
    """The counsellor's call ended; if it never reached the caller, try again."""
    form = TwilioForm.parse()
    callback = _callback()
    session = get_session()
    if callback is None or form.call_status not in (
        "completed",
        "busy",
        "failed",
        "no-answer",
        "canceled",
    ):
        return "", 204
    if callback.state == CallbackState.RINGING_COUNSELLOR:
        if callbacks.counsellor_declined(session, callback, callback.counsellor_id, now()):
            session.commit()
            callback_queue.deliver(get_queue(), callback.id)
    elif callback.state == CallbackState.RINGING_CALLER:
        _settle_caller_leg(callback)  # the dial action was lost: settle from here
    hunting.release_counsellor(session, form.call_sid, now(), setting("HOTLINE_WRAP_UP_SECONDS"))
    session.commit()
    return "", 204


def _settle_caller_leg(callback: Callback) -> str:
    """Close a callback whose caller leg ended; returns the prompt for the counsellor."""
    session = get_session()
    if callback.state != CallbackState.RINGING_CALLER:
        return "callback_counsellor_goodbye"
    if callback.outcome == CALLER_ANSWERED:
        callbacks.close(
            session, callback, CallbackState.RINGING_CALLER, CallbackState.COMPLETED, now()
        )
        session.commit()
        return "callback_counsellor_goodbye"
    state = callbacks.caller_missed(
        session, callback, now(), callbacks.policy_from(current_app.config)
    )
    session.commit()
    if state == CallbackState.SCHEDULED:
        retry = session.get_one(Callback, callback.id)
        callback_queue.deliver(get_queue(), retry.id, retry.next_attempt_at)
    return "callback_caller_missed"
