"""Information a caller can hear at any hour: crisis centres near them, emergency numbers."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline import outbox
from hotline.calls import log
from hotline.directory import centres_near
from hotline.extensions import default_region, get_keyring, get_queue, now
from hotline.ivr import twiml
from hotline.ivr.turn import Turn, catalog, this_turn, voice
from hotline.models import CallOutcome, Centre, Message
from hotline.privacy import caller_number, national_form
from hotline.sms import replies
from hotline.webhooks import twilio_webhook, xml

bp = Blueprint("information", __name__)

CENTRES_READ_OUT = 3
CENTRES_TEXT = "ivr:centres"


@bp.post("/centres")
@twilio_webhook
def centres() -> Response:
    """Read out the centres near the caller, then offer the list by SMS (press 1)."""
    turn = this_turn()
    log.settle(turn.session.connection(), turn.form.call_sid, CallOutcome.INFORMATION)
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
    # Sent by the worker, once per call however often this request comes: the caller is never
    # held by a slow Twilio API, and the number travels sealed, the text by reference.
    message = outbox.put(
        turn.session,
        outbox.Outgoing(
            line_id=turn.line.id,
            recipient_sealed=get_keyring().seal(number),
            text_ref=CENTRES_TEXT,
            intent="centres",
            language=turn.lang,
            text_args={"centres": [slug for slug, _ in _nearby(turn)]},
            party=turn.call.caller,
            dedup_key=f"centres:{turn.call.call_sid}",
        ),
        now(),
    )
    log.note_key(turn.call, "S1")
    turn.session.commit()
    outbox.deliver_send(get_queue(), message.id)  # Redis down: the SMS sweeper sends it later
    menu = url_for("ivr.answer.main_menu")
    return xml(twiml.say_and_go(voice(), turn.lang, ["centres_sms_sent"], menu))


@bp.post("/emergency")
@twilio_webhook
def emergency() -> Response:
    """Read out the emergency numbers, then back to the main menu."""
    turn = this_turn()
    log.settle(turn.session.connection(), turn.form.call_sid, CallOutcome.INFORMATION)
    turn.session.commit()
    menu = url_for("ivr.answer.main_menu")
    return xml(twiml.say_and_go(voice(), turn.lang, ["emergency_numbers"], menu))


def _nearby(turn: Turn) -> list[tuple[str, str]]:
    """(slug, phone) of the centres to read out; a centre the catalog cannot name is left out."""
    named = catalog().language(turn.lang).centres
    line_area = turn.line.centre.oblast if turn.line.centre else None
    found = centres_near(turn.session, [turn.call.caller_area, line_area], CENTRES_READ_OUT)
    return [(c.slug, c.public_phone) for c in found if c.public_phone and c.slug in named]


def centres_writer(config_dir: Path) -> outbox.Writer:
    """Writes "ivr:centres" messages in the worker: only numbers under a neutral word, since a
    shared phone's screen must not say what they are."""

    def write(session: Session, message: Message) -> str:
        slugs = list((message.text_args or {}).get("centres", []))
        phones = {
            slug: phone for slug, phone in session.execute(select(Centre.slug, Centre.public_phone))
        }
        numbers = [national_form(phone) for slug in slugs if (phone := phones.get(slug))]
        header = replies.reply_text(config_dir, message.language or "ky", "centres")
        return "\n".join([header, *numbers])

    return write
