"""Answering: the blocked check, the language menu, the main menu, and the call's end."""

from __future__ import annotations

import logging

from flask import Blueprint, Response, abort, send_file
from flask.typing import ResponseReturnValue

from hotline.calls import ending, log
from hotline.calls import hunt as hunting
from hotline.calls.log import Heard, MenuStep
from hotline.db import call_steps, written_at_once
from hotline.extensions import default_region, get_keyring, now, setting
from hotline.ivr import safety, twiml
from hotline.ivr.connect import hunt_after_step
from hotline.ivr.prompts import audio_content_type
from hotline.ivr.turn import (
    TwilioForm,
    again,
    catalog,
    may_ask_again,
    remember_line,
    this_turn,
    twiml_url,
    voice,
)
from hotline.privacy import mask_number
from hotline.twilio_terms import CALL_ENDED
from hotline.webhooks import twilio_webhook, xml

bp = Blueprint("answer", __name__)
logger = logging.getLogger(__name__)

COUNSELLOR_NOW = "ivr.connect.hunt"  # hunted in the menu's own answer (`hunt_after_step`)
MAIN_MENU = {
    "1": COUNSELLOR_NOW,
    "2": "ivr.callback_request.consent",
    "3": "ivr.information.centres",
    "4": "ivr.information.emergency",
}


@bp.post("/incoming")
@twilio_webhook
def incoming() -> Response:
    """A new call: record it, turn away a blocked caller, offer the languages."""
    form = TwilioForm.parse()
    caller = log.identify_caller(get_keyring(), form.from_, default_region())
    at = now()
    with call_steps() as connection:
        # The usual case: one INSERT that reads back what answering needs.
        arrived = log.open_new_call(connection, form.to, caller, form.call_sid, at)
        if arrived is None:  # no line of ours, Twilio retrying a call recorded, or SQLite
            arrived = log.arrival(connection, form.to, caller, form.call_sid, at)
            if arrived is None:
                return _not_a_line(form.to)
            log.open_call(connection, form.call_sid, arrived.line_id, caller, at, arrived.blocked)
    remember_line(arrived.line_number)
    if arrived.blocked:
        return xml(twiml.say_and_hang_up(voice(), arrived.line_language, ["blocked"]))
    order = catalog().languages
    known = arrived.known_language
    if known in order:  # a returning caller hears their language first; digits never move
        order = [known, *(lang for lang in order if lang != known)]
    action = twiml_url(".language", tries=0)
    return xml(twiml.language_menu(voice(), arrived.line_language, order, action))


def _not_a_line(number: str | None) -> Response:
    """A number bought but not yet added: a person must still answer."""
    logger.warning(
        "call to %s, which is no registered line (hotline line add): sent to the reserve line",
        mask_number(number or ""),
    )
    return xml(safety.reserve_line())


@bp.post("/language")
@twilio_webhook
def language() -> Response:
    """The caller picked a language; silence goes straight to a counsellor in the line's."""
    form = TwilioForm.parse()
    digits = form.digits
    if not digits:  # a caller who cannot press a key (or dare not) needs a person now
        return step_and_hunt(form, MenuStep(key="L-", line_language=True))
    chosen = catalog().language_for_digit(digits)
    if chosen is None:
        if not may_ask_again():  # never hang up on a caller who cannot find the key
            return step_and_hunt(form, MenuStep(wrong_key=True, line_language=True))
        heard = menu_step(form, MenuStep(wrong_key=True))
        menu = twiml.language_menu(
            voice(), heard.line_language, catalog().languages, again(".language"), True
        )
        return xml(menu)
    menu_step(form, MenuStep(key=f"L{digits}", language=chosen))
    return xml(twiml.main_menu(voice(), chosen, twiml_url(".menu", tries=0)))


@bp.post("/main-menu")
@twilio_webhook
def main_menu() -> Response:
    """Back to the main menu (after information, or a callback not made)."""
    turn = this_turn()
    return xml(twiml.main_menu(voice(), turn.lang, twiml_url(".menu", tries=0)))


@bp.post("/menu")
@twilio_webhook
def menu() -> Response:
    """The main menu: counsellor, callback, centres near you, emergency numbers."""
    form = TwilioForm.parse()
    digits = form.digits
    target = MAIN_MENU.get(digits) if digits else COUNSELLOR_NOW
    if target == COUNSELLOR_NOW:  # silence means the first option: a counsellor
        return step_and_hunt(form, MenuStep(key=f"M{digits or '-'}"))
    if target is not None:
        menu_step(form, MenuStep(key=f"M{digits}"))
        return xml(twiml.go(twiml_url(target)))
    if not may_ask_again():
        return step_and_hunt(form, MenuStep(wrong_key=True))
    heard = menu_step(form, MenuStep(wrong_key=True))
    lang = heard.language or heard.line_language
    return xml(twiml.main_menu(voice(), lang, again(".menu"), True))


def step_and_hunt(form: TwilioForm, step: MenuStep) -> Response:
    """Record this request's menu step and hunt in the same answer; the step reads back what
    the hunt reads of the call and its line."""
    return hunt_after_step(
        form.call_sid,
        lambda connection: hunting.record_step_and_read(connection, form.call_sid, step, now()),
    )


def menu_step(form: TwilioForm, step: MenuStep) -> Heard:
    """Record this request's menu step (one UPDATE, standing alone); what the next prompt
    needs."""
    with call_steps() as connection:
        heard = log.record_menu_step(connection, form.call_sid, step)
    if heard is None:
        raise LookupError("a voice webhook for a call we have no record of")
    remember_line(heard.line_number)
    return heard


@bp.post("/status")
@twilio_webhook
def status() -> ResponseReturnValue:
    """Twilio's status callback closes the record and frees the counsellor."""
    form = TwilioForm.parse()
    if form.call_status in CALL_ENDED:
        wrap_up = setting("HOTLINE_WRAP_UP_SECONDS")
        with written_at_once() as connection:
            ending.end_call(
                connection, form.call_sid, form.call_status, form.duration, now(), wrap_up
            )
    return "", 204


@bp.get("/hold-music.wav")
def hold_music() -> Response:
    """Serve the hold music to Twilio's <Play>."""
    path = catalog().hold_music()
    if path is None:
        abort(404)
    return send_file(path, mimetype="audio/wav", max_age=86400)


@bp.get("/prompts/<lang>/<name>")
def prompt_audio(lang: str, name: str) -> Response:
    """Serve prompt audio to Twilio's <Play>; files are public and change rarely."""
    path = catalog().audio_path(lang, name)
    if path is None:
        abort(404)
    return send_file(path, mimetype=audio_content_type(name), max_age=86400)
