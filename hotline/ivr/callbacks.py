"""Asking for a callback: is it safe to call this number, and when. No consent, no callback."""

from __future__ import annotations

from flask import Response, url_for

from hotline import call_log
from hotline.callbacks import WINDOW_KEYS, request_callback
from hotline.db import get_session
from hotline.ivr import bp, twiml
from hotline.ivr.context import TwilioForm, language_of, now, this_call, voice
from hotline.keyring import get_keyring
from hotline.models import CallOutcome
from hotline.privacy import caller_number
from hotline.webhooks import twilio_webhook
from hotline.webhooks import twiml as xml


@bp.post("/callback")
@twilio_webhook
def callback_consent() -> Response:
    """Ask whether calling this number back is safe."""
    form = TwilioForm.parse()
    call, line = this_call(form)
    lang = language_of(call, line)
    if caller_number(form.from_) is None:  # a hidden number cannot be called back
        return xml(twiml.say_then(voice(), lang, ["callback_not_created"], url_for("ivr.menu")))
    return xml(twiml.menu(voice(), lang, ["callback_safe_question"], url_for("ivr.callback_safe")))


@bp.post("/callback/safe")
@twilio_webhook
def callback_safe() -> Response:
    """Only "1" (yes, it is safe) goes on to the time question."""
    form = TwilioForm.parse()
    call, line = this_call(form)
    lang = language_of(call, line)
    if form.digits != "1":
        return xml(twiml.say_then(voice(), lang, ["callback_not_created"], url_for("ivr.menu")))
    return xml(twiml.menu(voice(), lang, ["callback_when"], url_for("ivr.callback_when")))


@bp.post("/callback/when")
@twilio_webhook
def callback_when() -> Response:
    """Record the callback in the safe window the caller chose."""
    form = TwilioForm.parse()
    session = get_session()
    call, line = this_call(form)
    lang = language_of(call, line)
    window = WINDOW_KEYS.get(form.digits)
    number = caller_number(form.from_)
    if window is None or number is None:
        return xml(twiml.menu(voice(), lang, ["callback_when"], url_for("ivr.callback_when")))
    request_callback(session, get_keyring(), call, number, lang, window, now())
    call_log.note_key(call, f"C{form.digits}")
    call.outcome = CallOutcome.CALLBACK_REQUESTED
    session.commit()
    return xml(twiml.say_then(voice(), lang, ["callback_registered", "goodbye"]))
