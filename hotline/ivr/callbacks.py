"""Asking for a callback: is it safe, on which number, and when. No consent, no callback."""

from __future__ import annotations

from flask import Response, current_app, request, url_for

from hotline import call_log, callback_queue, callbacks
from hotline.db import get_session
from hotline.ivr import bp, twiml
from hotline.ivr.context import TwilioForm, language_of, now, this_call, voice
from hotline.keyring import get_keyring
from hotline.models import CallOutcome
from hotline.privacy import InvalidNumber, SealError, caller_number, normalize_number
from hotline.privacy.phones import callback_allowed
from hotline.queueing import get_queue
from hotline.webhooks import twilio_webhook
from hotline.webhooks import twiml as xml

MAX_NUMBER_DIGITS = 15  # E.164's limit


@bp.post("/callback")
@twilio_webhook
def callback_consent() -> Response:
    """A waiting request can be cancelled; otherwise ask whether a callback is safe."""
    form = TwilioForm.parse()
    call, line = this_call(form)
    lang = language_of(call, line)
    if callbacks.open_request(get_session(), call.caller) is not None:
        return xml(twiml.menu(voice(), lang, ["callback_pending"], url_for("ivr.callback_cancel")))
    return xml(twiml.menu(voice(), lang, ["callback_safe_question"], url_for("ivr.callback_safe")))


@bp.post("/callback/cancel")
@twilio_webhook
def callback_cancel() -> Response:
    """ "1" cancels the waiting request (its number is erased); anything else keeps it."""
    form = TwilioForm.parse()
    session = get_session()
    call, line = this_call(form)
    lang = language_of(call, line)
    if form.digits != "1":
        return xml(twiml.menu(voice(), lang, ["main_menu"], url_for("ivr.menu", tries=0)))
    callbacks.cancel_open(session, call.caller, now())
    call_log.note_key(call, "X1")
    session.commit()
    return xml(twiml.say_then(voice(), lang, ["callback_cancelled", "goodbye"]))


@bp.post("/callback/safe")
@twilio_webhook
def callback_safe() -> Response:
    """Only "1" (yes, it is safe) goes on; a hidden number must key in one."""
    form = TwilioForm.parse()
    call, line = this_call(form)
    lang = language_of(call, line)
    if form.digits != "1":
        return xml(twiml.say_then(voice(), lang, ["callback_not_created"], url_for("ivr.menu")))
    if caller_number(form.from_) is None:
        return _ask_number(lang)
    return xml(twiml.menu(voice(), lang, ["callback_which_number"], url_for("ivr.callback_which")))


@bp.post("/callback/which")
@twilio_webhook
def callback_which() -> Response:
    """This number (1) or another one (2)."""
    form = TwilioForm.parse()
    call, line = this_call(form)
    lang = language_of(call, line)
    if form.digits == "2":
        return _ask_number(lang)
    return _ask_when(lang, None)


@bp.post("/callback/number")
@twilio_webhook
def callback_number() -> Response:
    """A keyed-in number: a Kyrgyz (or allowed) ordinary number, sealed at once."""
    form = TwilioForm.parse()
    call, line = this_call(form)
    lang = language_of(call, line)
    tries = int(request.args.get("tries", "0") or 0)
    try:
        number = normalize_number(form.digits)
        if not callback_allowed(number, current_app.config["HOTLINE_CALLBACK_COUNTRIES"]):
            raise InvalidNumber("not a number the hotline calls back")
    except InvalidNumber:
        if tries >= 1:
            return xml(
                twiml.say_then(voice(), lang, ["callback_number_refused"], url_for("ivr.menu"))
            )
        return _ask_number(lang, ["callback_number_refused", "callback_enter_number"], tries + 1)
    return _ask_when(lang, get_keyring().seal(number))


@bp.post("/callback/when")
@twilio_webhook
def callback_when() -> Response:
    """Record the callback in the safe window the caller chose, and queue it."""
    form = TwilioForm.parse()
    session = get_session()
    call, line = this_call(form)
    lang = language_of(call, line)
    window = callbacks.WINDOW_KEYS.get(form.digits)
    number = _chosen_number(form)
    if number is None:
        return xml(twiml.say_then(voice(), lang, ["callback_not_created"], url_for("ivr.menu")))
    if window is None:
        return _ask_when(lang, request.args.get("n"))
    callback = callbacks.request_callback(
        session,
        get_keyring(),
        line_id=line.id,
        caller=call.caller,
        number=number,
        language=lang,
        window=window,
        now=now(),
        source_sid=call.call_sid,
    )
    call_log.note_key(call, f"C{form.digits}")
    call.outcome = CallOutcome.CALLBACK_REQUESTED
    session.commit()
    # Redis may be down: the request is saved all the same and the sweeper queues it later.
    callback_queue.deliver(get_queue(), callback.id, callback.next_attempt_at)
    return xml(twiml.say_then(voice(), lang, ["callback_registered", "goodbye"]))


def _ask_number(lang: str, keys: list[str] | None = None, tries: int = 0) -> Response:
    action = url_for("ivr.callback_number", tries=tries)
    prompts = keys or ["callback_enter_number"]
    return xml(twiml.menu(voice(), lang, prompts, action, digits=MAX_NUMBER_DIGITS))


def _ask_when(lang: str, sealed: str | None) -> Response:
    # A keyed-in number travels sealed in the action URL until the request is saved.
    action = url_for("ivr.callback_when", n=sealed) if sealed else url_for("ivr.callback_when")
    return xml(twiml.menu(voice(), lang, ["callback_when"], action))


def _chosen_number(form: TwilioForm) -> str | None:
    sealed = request.args.get("n")
    if not sealed:
        return caller_number(form.from_)
    try:
        return get_keyring().unseal(sealed)
    except SealError:
        return None
