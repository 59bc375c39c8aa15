"""Information a caller can hear at any hour: crisis centres near them, emergency numbers."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, url_for

from hotline.calls import log
from hotline.directory import centres_near
from hotline.extensions import default_region, get_twilio, now, setting
from hotline.ivr import twiml
from hotline.ivr.turn import Turn, catalog, this_turn, voice
from hotline.models import CallOutcome, Direction, Message
from hotline.privacy import caller_number, national_form
from hotline.sms import replies
from hotline.sms.segments import segments
from hotline.webhooks import twilio_webhook, xml

bp = Blueprint("information", __name__)

CENTRES_READ_OUT = 3


@bp.post("/centres")
@twilio_webhook
def centres() -> Response:
    """Read out the centres near the caller, then offer the list by SMS (press 1)."""
    turn = this_turn()
    log.settle(turn.call, CallOutcome.INFORMATION)
    turn.session.commit()
    entries = [catalog().centre_prompt(turn.lang, slug, phone) for slug, phone in _nearby(turn)]
    # A hidden number cannot receive an SMS.
    offer_sms = caller_number(turn.form.from_, default_region()) is not None
    action, then = url_for(".centres_sms"), url_for("ivr.answer.main_menu")
    return xml(twiml.centres(voice(), turn.lang, entries, offer_sms, action, then))


@bp.post("/centres/sms")
@twilio_webhook
def centres_sms() -> Response:
    """Text the list to the caller's own number, only when they pressed 1."""
    turn = this_turn()
    number = caller_number(turn.form.from_, default_region())
    if turn.digits != "1" or number is None:  # on to the main menu; a wrong key hears so
        action = url_for("ivr.answer.menu", tries=0)
        return xml(twiml.main_menu(voice(), turn.lang, action, invalid=bool(turn.digits)))
    body = _centres_text(turn)
    sent = get_twilio().messages.create(to=number, from_=turn.line.number, body=body)
    turn.session.add(
        Message(
            message_sid=sent.sid,
            line_id=turn.line.id,
            direction=Direction.OUTBOUND,
            party=turn.call.caller,
            language=turn.lang,
            intent="centres",
            segments=segments(body),
            status=sent.status,
            created_at=now(),
        )
    )
    log.note_key(turn.call, "S1")
    turn.session.commit()
    menu = url_for("ivr.answer.main_menu")
    return xml(twiml.say_and_go(voice(), turn.lang, ["centres_sms_sent"], menu))


@bp.post("/emergency")
@twilio_webhook
def emergency() -> Response:
    """Read out the emergency numbers, then back to the main menu."""
    turn = this_turn()
    log.settle(turn.call, CallOutcome.INFORMATION)
    turn.session.commit()
    menu = url_for("ivr.answer.main_menu")
    return xml(twiml.say_and_go(voice(), turn.lang, ["emergency_numbers"], menu))


def _nearby(turn: Turn) -> list[tuple[str, str]]:
    """(slug, phone) of the centres to read out; a centre the catalog cannot name is left out."""
    named = catalog().language(turn.lang).centres
    line_area = turn.line.centre.oblast if turn.line.centre else None
    found = centres_near(turn.session, [turn.call.caller_area, line_area], CENTRES_READ_OUT)
    return [(c.slug, c.public_phone) for c in found if c.public_phone and c.slug in named]


def _centres_text(turn: Turn) -> str:
    """Only numbers under a neutral word: a shared phone's screen must not say what they are."""
    header = replies.reply_text(Path(setting("HOTLINE_CONFIG_DIR")), turn.lang, "centres")
    return "\n".join([header, *(national_form(phone) for _, phone in _nearby(turn))])
