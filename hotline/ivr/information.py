"""Information a caller can hear at any hour: crisis centres near them, emergency numbers."""

from __future__ import annotations

from flask import Response, url_for
from twilio.twiml.voice_response import VoiceResponse

from hotline import call_log, centres
from hotline.db import get_session
from hotline.ivr import bp, twiml
from hotline.ivr.context import TwilioForm, catalog, language_of, this_call, voice
from hotline.models import Call, CallOutcome, Direction, Line, Message
from hotline.privacy import caller_number
from hotline.sms.segments import segments
from hotline.telephony import get_twilio
from hotline.webhooks import twilio_webhook
from hotline.webhooks import twiml as xml

CENTRES_READ_OUT = 3


@bp.post("/centres")
@twilio_webhook
def centres_menu() -> Response:
    """Read out the centres near the caller, then offer the list by SMS (press 1)."""
    form = TwilioForm.parse()
    session = get_session()
    call, line = this_call(form)
    lang = language_of(call, line)
    call_log.settle(call, CallOutcome.INFORMATION)
    session.commit()
    response = VoiceResponse()
    node = twiml.gather(url_for("ivr.centres_sms"))
    speaker = voice()
    speaker.speak(node, lang, "centres_intro")
    for slug, phone in _nearby(call, line):
        speaker.add(node, lang, catalog().centre_prompt(lang, slug, phone))
    if caller_number(form.from_) is not None:  # a hidden number cannot receive an SMS
        speaker.speak(node, lang, "centres_sms_offer")
    response.append(node)
    response.redirect(url_for("ivr.menu", tries=0), method="POST")
    return xml(response)


@bp.post("/centres/sms")
@twilio_webhook
def centres_sms() -> Response:
    """Text the list to the caller's own number, only when they pressed 1."""
    form = TwilioForm.parse()
    session = get_session()
    call, line = this_call(form)
    lang = language_of(call, line)
    number = caller_number(form.from_)
    if form.digits != "1" or number is None:
        return xml(twiml.menu(voice(), lang, ["main_menu"], url_for("ivr.menu", tries=0)))
    body = _centres_text(lang, call, line)
    sent = get_twilio().messages.create(to=number, from_=line.number, body=body)
    session.add(
        Message(
            message_sid=sent.sid,
            line_id=line.id,
            direction=Direction.OUTBOUND,
            party=call.caller,
            language=lang,
            intent="centres",
            segments=segments(body),
            status=sent.status,
        )
    )
    call_log.note_key(call, "S1")
    session.commit()
    return xml(twiml.say_then(voice(), lang, ["centres_sms_sent"], url_for("ivr.menu")))


@bp.post("/emergency")
@twilio_webhook
def emergency() -> Response:
    """Read out the emergency numbers, then back to the main menu."""
    form = TwilioForm.parse()
    session = get_session()
    call, line = this_call(form)
    call_log.settle(call, CallOutcome.INFORMATION)
    session.commit()
    lang = language_of(call, line)
    return xml(twiml.say_then(voice(), lang, ["emergency_numbers"], url_for("ivr.menu")))


def _nearby(call: Call, line: Line) -> list[tuple[str, str]]:
    """(slug, phone) of the centres to read out; a centre the catalog cannot name is left out."""
    named = catalog().language(language_of(call, line)).centres
    line_area = line.centre.oblast if line.centre else None
    found = centres.centres_near(get_session(), [call.caller_area, line_area], CENTRES_READ_OUT)
    return [(c.slug, c.public_phone) for c in found if c.public_phone and c.slug in named]


def _centres_text(lang: str, call: Call, line: Line) -> str:
    language = catalog().language(lang)
    entries = [
        f"{language.centres.get(slug, slug)}: {phone}" for slug, phone in _nearby(call, line)
    ]
    return "\n".join([language.prompts["centres_intro"], *entries])
