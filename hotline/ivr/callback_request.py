"""Asking for a callback: is it safe, on which number, and when. No consent, no callback."""

from __future__ import annotations

from flask import Blueprint, Response, url_for

from hotline import callbacks
from hotline.calls import log
from hotline.extensions import (
    default_region,
    get_keyring,
    get_queue,
    local_zone,
    now,
    setting,
)
from hotline.ivr import twiml
from hotline.ivr.turn import Turn, again, may_ask_again, this_turn, tries, voice
from hotline.models import CallOutcome
from hotline.privacy import InvalidNumber, SealError, caller_number, normalize_number
from hotline.privacy.phones import callback_allowed
from hotline.webhooks import twilio_webhook, xml

bp = Blueprint("callback_request", __name__, url_prefix="/callback")

MAX_NUMBER_DIGITS = 15  # E.164's limit


@bp.post("")
@twilio_webhook
def consent() -> Response:
    """A waiting request can be cancelled; otherwise ask whether a callback is safe."""
    turn = this_turn()
    if callbacks.open_request(turn.session, turn.call.caller) is not None:
        return xml(twiml.menu(voice(), turn.lang, ["callback_pending"], url_for(".cancel")))
    return xml(twiml.menu(voice(), turn.lang, ["callback_safe_question"], url_for(".safe")))


@bp.post("/cancel")
@twilio_webhook
def cancel() -> Response:
    """ "1" cancels the waiting request (its number is erased); "2", or no answer, keeps it."""
    turn = this_turn()
    if turn.digits not in ("1", "2") and may_ask_again():
        action = again(".cancel")
        return xml(
            twiml.menu(voice(), turn.lang, ["callback_pending"], action, invalid=bool(turn.digits))
        )
    if turn.digits != "1":
        action = url_for("ivr.answer.menu", tries=0)
        return xml(twiml.main_menu(voice(), turn.lang, action))
    callbacks.cancel_open(turn.session, turn.call.caller, now())
    log.note_key(turn.call, "X1")
    turn.session.commit()
    return xml(twiml.say_and_hang_up(voice(), turn.lang, ["callback_cancelled", "goodbye"]))


@bp.post("/safe")
@twilio_webhook
def safe() -> Response:
    """Only "1" (yes, it is safe) goes on; a hidden number must key in one."""
    turn = this_turn()
    if turn.digits not in ("1", "2") and may_ask_again():
        keys, invalid = ["callback_safe_question"], bool(turn.digits)
        return xml(twiml.menu(voice(), turn.lang, keys, again(".safe"), invalid=invalid))
    if turn.digits != "1":
        return _not_created(turn)
    if caller_number(turn.form.from_, default_region()) is None:
        return _ask_number(turn.lang)
    return xml(twiml.menu(voice(), turn.lang, ["callback_which_number"], url_for(".which")))


@bp.post("/which")
@twilio_webhook
def which() -> Response:
    """This number (1) or another one (2)."""
    turn = this_turn()
    if turn.digits == "2":
        return _ask_number(turn.lang)
    if turn.digits == "1":
        callbacks.held.release(turn.session, turn.call.call_sid)  # their own number after all
        turn.session.commit()
        return _ask_when(turn.lang)
    if may_ask_again():
        keys, invalid = ["callback_which_number"], bool(turn.digits)
        return xml(twiml.menu(voice(), turn.lang, keys, again(".which"), invalid=invalid))
    return _not_created(turn)


@bp.post("/number")
@twilio_webhook
def number() -> Response:
    """A keyed-in number: a Kyrgyz (or allowed) ordinary number, sealed at once."""
    turn, heard = this_turn(), tries()
    try:
        keyed = normalize_number(turn.digits, default_region())
        if not callback_allowed(keyed, setting("HOTLINE_CALLBACK_COUNTRIES")):
            raise InvalidNumber("not a number the hotline calls back")
    except InvalidNumber:
        if heard >= 1:
            menu = url_for("ivr.answer.main_menu")
            return xml(twiml.say_and_go(voice(), turn.lang, ["callback_number_refused"], menu))
        return _ask_number(turn.lang, ["callback_number_refused", "callback_enter_number"], 1)
    callbacks.held.hold(turn.session, turn.call.call_sid, get_keyring().seal(keyed), now())
    turn.session.commit()
    return _ask_when(turn.lang)


@bp.post("/when")
@twilio_webhook
def when() -> Response:
    """Record the callback in the safe window the caller chose, and queue it."""
    turn = this_turn()
    if callbacks.asked_by(turn.session, turn.call.call_sid) is not None:
        return _registered(turn)  # Twilio's request again: it is booked already
    window = callbacks.WINDOW_KEYS.get(turn.digits)
    chosen = _chosen_number(turn)
    if chosen is None:
        return _not_created(turn)
    if window is None:
        if not may_ask_again():  # never a time the caller did not choose
            return _not_created(turn)
        return _ask_when(turn.lang, again_=True, invalid=bool(turn.digits))
    callback = callbacks.request_callback(
        turn.session,
        get_keyring(),
        line_id=turn.line.id,
        caller=turn.call.caller,
        number=chosen,
        language=turn.lang,
        window=window,
        now=now(),
        zone=local_zone(),
        source_sid=turn.call.call_sid,
    )
    callbacks.held.release(turn.session, turn.call.call_sid)  # sealed in the callback now
    log.note_key(turn.call, f"C{turn.digits}")
    turn.call.outcome = CallOutcome.CALLBACK_REQUESTED
    turn.session.commit()
    # Redis may be down: the request is saved all the same and the sweeper queues it later.
    callbacks.deliver(get_queue(), callback.id, callback.next_attempt_at)
    return _registered(turn)


def _registered(turn: Turn) -> Response:
    return xml(twiml.say_and_hang_up(voice(), turn.lang, ["callback_registered", "goodbye"]))


def _not_created(turn: Turn) -> Response:
    menu = url_for("ivr.answer.main_menu")
    return xml(twiml.say_and_go(voice(), turn.lang, ["callback_not_created"], menu))


def _ask_number(lang: str, keys: list[str] | None = None, heard: int = 0) -> Response:
    action = url_for(".number", tries=heard)
    prompts = keys or ["callback_enter_number"]
    return xml(twiml.menu(voice(), lang, prompts, action, digits=MAX_NUMBER_DIGITS))


def _ask_when(lang: str, again_: bool = False, invalid: bool = False) -> Response:
    action = again(".when") if again_ else url_for(".when")
    return xml(twiml.menu(voice(), lang, ["callback_when"], action, invalid=invalid))


def _chosen_number(turn: Turn) -> str | None:
    """The number keyed in during this call (held on the server), else the caller's own."""
    sealed = callbacks.held.held(turn.session, turn.call.call_sid, now())
    if sealed is None:
        return caller_number(turn.form.from_, default_region())
    try:
        return get_keyring().unseal(sealed)
    except SealError:
        return None
