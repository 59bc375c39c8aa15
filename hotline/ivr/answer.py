"""Answering: the blocked check, the language menu, the main menu, and the call's end."""

from __future__ import annotations

from flask import Response, abort, request, send_file, url_for
from flask.typing import ResponseReturnValue

from hotline import call_log
from hotline.db import get_session
from hotline.hunting import release_counsellor
from hotline.ivr import bp, twiml
from hotline.ivr.context import (
    TwilioForm,
    catalog,
    language_of,
    now,
    setting,
    this_call,
    voice,
)
from hotline.ivr.prompt_audio import audio_content_type
from hotline.keyring import get_keyring
from hotline.models import CallOutcome
from hotline.webhooks import twilio_webhook
from hotline.webhooks import twiml as xml

# A menu heard this many times without a valid key sends the caller to a counsellor.
MENU_REPEATS = 2
MAIN_MENU = {
    "1": "ivr.hunt",
    "2": "ivr.callback_consent",
    "3": "ivr.centres_menu",
    "4": "ivr.emergency",
}
TERMINAL_STATUSES = frozenset({"completed", "busy", "failed", "no-answer", "canceled"})


@bp.post("/incoming")
@twilio_webhook
def incoming() -> Response:
    """A new call: record it, turn away a blocked caller, offer the languages."""
    form = TwilioForm.parse()
    session = get_session()
    line = call_log.find_line(session, form.to)
    if line is None:
        raise LookupError("a call to a number that is not a registered line")
    caller = call_log.identify_caller(get_keyring(), form.from_)
    call = call_log.open_call(session, form.call_sid, line, caller, now())
    if call_log.is_blocked(session, caller.pseudonym, now()):
        call.outcome = CallOutcome.BLOCKED
        session.commit()
        return xml(twiml.say_then(voice(), line.language, ["blocked"]))
    known = call_log.returning_language(session, caller.pseudonym, form.call_sid)
    session.commit()
    order = catalog().languages
    if known in order:  # a returning caller hears their language first; digits never move
        order = [known, *(lang for lang in order if lang != known)]
    action = url_for("ivr.language", tries=0)
    return xml(twiml.language_menu(voice(), line.language, order, action))


@bp.post("/language")
@twilio_webhook
def language() -> Response:
    """The caller picked a language (or pressed nothing: the line's own)."""
    form, tries = TwilioForm.parse(), _tries()
    session = get_session()
    call, line = this_call(form)
    chosen = catalog().language_for_digit(form.digits) if form.digits else line.language
    if chosen is None:
        call.invalid_keys += 1
        session.commit()
        if tries + 1 >= MENU_REPEATS:  # never hang up on a caller who cannot find the key
            call.language = line.language
            session.commit()
            return xml(twiml.redirect(url_for("ivr.hunt")))
        order = catalog().languages
        action = url_for("ivr.language", tries=tries + 1)
        return xml(twiml.language_menu(voice(), line.language, order, action))
    call.language = chosen
    call_log.note_key(call, f"L{form.digits or '-'}")
    session.commit()
    return xml(twiml.menu(voice(), chosen, ["main_menu"], url_for("ivr.menu", tries=0)))


@bp.post("/menu")
@twilio_webhook
def menu() -> Response:
    """The main menu: counsellor, callback, centres near you, emergency numbers."""
    form, tries = TwilioForm.parse(), _tries()
    session = get_session()
    call, line = this_call(form)
    lang = language_of(call, line)
    target = MAIN_MENU.get(form.digits)
    if target is not None:
        call_log.note_key(call, f"M{form.digits}")
        session.commit()
        return xml(twiml.redirect(url_for(target)))
    if form.digits:
        call.invalid_keys += 1
    session.commit()
    if tries + 1 >= MENU_REPEATS:
        return xml(twiml.redirect(url_for("ivr.hunt")))
    keys = ["invalid_choice", "main_menu"] if form.digits else ["main_menu"]
    return xml(twiml.menu(voice(), lang, keys, url_for("ivr.menu", tries=tries + 1)))


@bp.post("/status")
@twilio_webhook
def status() -> ResponseReturnValue:
    """Twilio's status callback closes the record and frees the counsellor."""
    form = TwilioForm.parse()
    session = get_session()
    call = call_log.find_call(session, form.call_sid)
    if call is not None and form.call_status in TERMINAL_STATUSES:
        call_log.close_call(call, form.call_status, form.duration, now())
        release_counsellor(session, form.call_sid, now(), setting("HOTLINE_WRAP_UP_SECONDS"))
        session.commit()
    return "", 204


@bp.get("/prompts/<lang>/<name>")
def prompt_audio(lang: str, name: str) -> Response:
    """Serve prompt audio to Twilio's <Play>; files are public and change rarely."""
    path = catalog().audio_path(lang, name)
    if path is None:
        abort(404)
    response = send_file(path, mimetype=audio_content_type(name), max_age=86400)
    return response


def _tries() -> int:
    raw = request.args.get("tries", "0")
    return int(raw) if raw.isdigit() else 0
