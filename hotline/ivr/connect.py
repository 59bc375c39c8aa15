"""Connecting: ring counsellors in turn, screen each leg, and know when nobody can answer."""

from __future__ import annotations

from flask import Response, current_app, request, url_for
from twilio.twiml.voice_response import VoiceResponse

from hotline import call_log, hunting
from hotline.db import get_session
from hotline.ivr import bp, twiml
from hotline.ivr.context import TwilioForm, language_of, now, setting, this_call, voice
from hotline.keyring import get_keyring
from hotline.models import AttemptResult, CallAttempt, CallOutcome
from hotline.routing import NoOffer
from hotline.webhooks import twilio_webhook
from hotline.webhooks import twiml as xml

AFTER_HUNT_MENU = {"1": "ivr.callback_consent", "2": "ivr.centres_menu", "3": "ivr.emergency"}


@bp.post("/hunt")
@twilio_webhook
def hunt() -> Response:
    """Ring the next counsellor(s), or tell the caller nobody can answer and offer the rest."""
    form = TwilioForm.parse()
    session = get_session()
    call, line = this_call(form)
    lang = language_of(call, line)
    decision, rings = hunting.offer_next_counsellor(session, call, line, lang, now())
    if isinstance(decision, NoOffer):
        call_log.settle(call, CallOutcome.NO_COUNSELLOR)
        session.commit()
        return xml(twiml.menu(voice(), lang, ["no_counsellor"], url_for("ivr.after_hunt")))
    keyring = get_keyring()
    legs = [
        twiml.CounsellorLeg(
            keyring.unseal(r.phone_sealed), url_for("ivr.screen", attempt=r.attempt_id)
        )
        for r in rings
    ]
    prompt = "connecting" if call.attempts == len(rings) else "hold"
    session.commit()
    return xml(
        twiml.ring_counsellors(
            voice(),
            lang,
            prompt,
            legs,
            line.number,
            decision.ring_timeout,
            url_for("ivr.dial_done"),
        )
    )


@bp.post("/dial-done")
@twilio_webhook
def dial_done() -> Response:
    """The <Dial> ended: after a conversation say goodbye, otherwise try the next counsellor."""
    form = TwilioForm.parse()
    session = get_session()
    call, line = this_call(form)
    answered = hunting.settle_dial(session, call, form.dial_status, now())
    if answered:
        hunting.release_counsellor(
            session, call.call_sid, now(), setting("HOTLINE_WRAP_UP_SECONDS")
        )
    session.commit()
    lang = language_of(call, line)
    if answered:
        return xml(twiml.say_then(voice(), lang, ["goodbye"]))
    return xml(twiml.redirect(url_for("ivr.hunt")))


@bp.post("/screen")
@twilio_webhook
def screen() -> Response:
    """The counsellor's leg: hear the caller's language and press 1 to take the call."""
    attempt = _attempt()
    if attempt is None or attempt.result != AttemptResult.RINGING:
        return xml(twiml.say_then(voice(), "ru", []))  # already taken or over: hang up
    lang = attempt.call.language or "ru"
    return xml(twiml.screen(voice(), lang, url_for("ivr.screen_answer", attempt=attempt.id)))


@bp.post("/screen/answer")
@twilio_webhook
def screen_answer() -> Response:
    """Only "1" takes the call; silence (voicemail) or any other key hangs up this leg."""
    form = TwilioForm.parse()
    attempt = _attempt()
    session = get_session()
    if attempt is None:
        return xml(twiml.say_then(voice(), "ru", []))
    lang = attempt.call.language or "ru"
    if form.digits == "1" and hunting.accept_offer(session, attempt.id, now()):
        session.commit()
        response = VoiceResponse()
        voice().speak(response, lang, "screen_accepted")
        return xml(response)  # the document ends here and Twilio bridges the caller
    hunting.decline_offer(session, attempt.id, now())
    session.commit()
    return xml(twiml.say_then(voice(), lang, []))


@bp.post("/after-hunt")
@twilio_webhook
def after_hunt() -> Response:
    """Nobody could answer: callback, centres, emergency numbers; silence -> the reserve line."""
    form = TwilioForm.parse()
    session = get_session()
    call, line = this_call(form)
    lang = language_of(call, line)
    target = AFTER_HUNT_MENU.get(form.digits)
    if target is not None:
        call_log.note_key(call, f"N{form.digits}")
        session.commit()
        return xml(twiml.redirect(url_for(target)))
    call_log.settle(call, CallOutcome.BACKUP)
    session.commit()
    backup = current_app.config.get("HOTLINE_BACKUP_NUMBER")
    return xml(twiml.connect_backup(voice(), [lang], backup, line.number))


def _attempt() -> CallAttempt | None:
    raw = request.args.get("attempt", "")
    return get_session().get(CallAttempt, int(raw)) if raw.isdigit() else None
