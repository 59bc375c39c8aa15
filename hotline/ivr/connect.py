"""Connecting: ring counsellors in turn, screen each leg, and know when nobody can answer."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, Response, request, url_for
from sqlalchemy import Connection

from hotline import db_deadline
from hotline.calls import answers, log
from hotline.calls import hunt as hunting
from hotline.calls.reservations import CALL_TIME_LIMIT_SECONDS
from hotline.context import this_request
from hotline.db import call_steps, get_session, offers_taken, written_at_once
from hotline.extensions import get_keyring, local_zone, now, setting
from hotline.ivr import twiml
from hotline.ivr.safety import Leg, runs_on
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
from hotline.models import CallOutcome
from hotline.routing import Hold, NoOffer, Offer
from hotline.webhooks import twilio_webhook, xml

bp = Blueprint("connect", __name__)

# What reads the call and its line for a hunt, on the hunt's connection (None: no such call).
Reading = Callable[[Connection], hunting.Hunting | None]

# A holding caller hears "still trying" every this many turns of hold music (about 30 s).
HOLD_REMINDER_TURNS = 4
AFTER_HUNT_MENU = {
    "1": "ivr.callback_request.consent",
    "2": "ivr.information.centres",
    "3": "ivr.information.emergency",
}


@bp.post("/hunt")
@twilio_webhook
def hunt() -> Response:
    """Ring the next counsellor(s), hold for one who will be free, or say nobody can answer."""
    return _hunt_answer(TwilioForm.parse().call_sid)


def hunt_at_once(call_sid: str, found: hunting.Hunting) -> Response:
    """The hunt's answer from a webhook that has done its own step first (the dial action, when
    nobody answered): a Redirect to /voice/hunt would cost the caller a round trip more to
    Twilio before the next ring. The hunt gets the database time it had as a request of its
    own. `found`: the call and line as the step read them (`hunting.end_dial_and_read`)."""
    db_deadline.start_again()
    return _hunt_answer(call_sid, lambda connection: found)


def hunt_after_step(call_sid: str, step: Reading) -> Response:
    """The hunt's answer from a menu step that goes on to hunt (a caller who asks for a
    counsellor), as `hunt_at_once`, but with the step run first on the hunt's own connection:
    one checkout from the pool, not two. `step` records it and reads the call and line for the
    hunt (`hunting.record_step_and_read`); the hunt then gets the database time it had as a
    request of its own, on that connection too."""

    def step_then_hunt(connection: Connection) -> hunting.Hunting | None:
        found = step(connection)
        db_deadline.start_again()
        return found

    return _hunt_answer(call_sid, step_then_hunt)


def _hunt_answer(call_sid: str, read: Reading | None = None) -> Response:
    """Routing's decision for the call, answered: a ring, a turn on hold, or the menu after
    nobody could answer. `read`: what reads the call and its line for the hunt, on the hunt's
    connection (by default `hunting.read_for_hunt`).

    The look at the roster, and a hunt that rings nobody (a caller on hold comes back every
    few seconds), are steps of the call (`call_steps`): no transaction around them, and on
    PostgreSQL their one write (when the caller began holding, or that nobody can answer)
    does not wait for the disk. Only an offer takes a transaction (`offers_taken`), and waits:
    it reserves counsellors."""
    with call_steps() as connection:
        found = read(connection) if read else hunting.read_for_hunt(connection, call_sid)
        if found is None:
            raise LookupError("a voice webhook for a call we have no record of")
        call, line = found
        remember_line(line.number)
        looked = hunting.look_for_counsellor(connection, call, line, now(), local_zone())
        if not isinstance(looked.decision, Offer):
            hunting.ring_nobody(connection, call, looked)
    decision = looked.decision
    rings: list[hunting.Ring] = []
    if isinstance(decision, Offer):
        with offers_taken() as connection:
            decision, rings = hunting.take_offer(connection, call, line, looked)
    if isinstance(decision, Hold):
        return xml(_hold(call.language))
    if isinstance(decision, NoOffer):
        after = twiml_url("ivr.connect.after_hunt")
        return xml(twiml.menu(voice(), call.language, ["no_counsellor"], after))
    keyring = get_keyring()
    # The screen's URL for the offer's language is kept (`twiml_url`), each leg's attempt added
    # to it: werkzeug took 13 us to build each whole.
    screen = twiml_url("ivr.connect.screen", offer=decision.language)
    legs = [
        twiml.CounsellorLeg(keyring.unseal(r.phone_sealed), f"{screen}&attempt={r.attempt_id}")
        for r in rings
    ]
    prompt = "connecting" if call.attempt_count == 0 else "still_trying"
    done = twiml_url("ivr.connect.dial_done")
    ringing = twiml.Ringing(decision.ring_timeout, CALL_TIME_LIMIT_SECONDS, done)
    return xml(twiml.ring_counsellors(voice(), call.language, prompt, legs, line.number, ringing))


def _hold(lang: str) -> str:
    """One turn on hold: the hold prompt first, a reminder now and then, music between."""
    raw = this_request().args.get("held", "")
    held = int(raw) if raw.isdigit() else 0
    keys = ["hold"] if held == 0 else ["still_trying"] if held % HOLD_REMINDER_TURNS == 0 else []
    music = twiml_url("ivr.answer.hold_music") if catalog().hold_music() else None
    return twiml.hold(voice(), lang, keys, music, twiml_url("ivr.connect.hunt", held=held + 1))


@bp.post("/dial-done")
@twilio_webhook
def dial_done() -> Response:
    """The <Dial> ended: after a conversation say goodbye, otherwise try the next counsellor."""
    form = TwilioForm.parse()
    wrap_up = setting("HOTLINE_WRAP_UP_SECONDS")
    with written_at_once() as connection:
        found = hunting.end_dial_and_read(
            connection, form.call_sid, form.dial_status, now(), wrap_up
        )
    if found is None:
        raise LookupError("a voice webhook for a call we have no record of")
    dialled, (call, line) = found
    remember_line(line.number)
    if dialled.answered:
        return xml(twiml.say_and_hang_up(voice(), call.language, ["goodbye"]))
    # The call and line as read before the offers ended: ending them changes neither.
    return hunt_at_once(form.call_sid, (call, line))


@bp.post("/screen")
@runs_on(Leg.COUNSELLOR)
@twilio_webhook
def screen() -> Response:
    """The counsellor's leg: hear the caller's language and press 1 to take the call."""
    offer = _offer()
    if offer is None or not offer.ringing:
        return xml(twiml.hang_up())  # already taken or over
    lang, caller_lang = _screen_languages(offer)
    action = url_for(".screen_answer", attempt=offer.attempt_id, offer=lang)
    return xml(twiml.screen(voice(), lang, caller_lang, action))


@bp.post("/screen/answer")
@runs_on(Leg.COUNSELLOR)
@twilio_webhook
def screen_answer() -> Response:
    """Only "1" takes the call; silence (voicemail) or any other key hangs up this leg."""
    form = TwilioForm.parse()
    offer = _offer()
    session = get_session()
    if offer is None:
        return xml(twiml.hang_up())
    lang, caller_lang = _screen_languages(offer)
    if form.digits == "1" and answers.accept_offer(session, offer, now()):
        session.commit()
        return xml(twiml.bridge(voice(), lang, "screen_accepted"))
    if form.digits not in ("", "1") and may_ask_again():  # a slip of the finger: once more
        action = again(".screen_answer", attempt=offer.attempt_id, offer=lang)
        return xml(twiml.screen(voice(), lang, caller_lang, action, invalid=True))
    answers.decline_offer(session, offer, now())
    session.commit()
    return xml(twiml.hang_up())


@bp.post("/after-hunt")
@twilio_webhook
def after_hunt() -> Response:
    """Nobody could answer: callback, centres, emergency numbers; silence -> the reserve line."""
    turn = this_turn()
    target = AFTER_HUNT_MENU.get(turn.digits)
    if target is not None:
        log.note_key(turn.call, f"N{turn.digits}")
        turn.session.commit()
        return xml(twiml.go(twiml_url(target)))
    if turn.digits and may_ask_again():
        return xml(
            twiml.menu(voice(), turn.lang, ["no_counsellor"], again(".after_hunt"), invalid=True)
        )
    log.settle(turn.session.connection(), turn.form.call_sid, CallOutcome.RESERVE_LINE)
    turn.session.commit()
    reserve = setting("HOTLINE_BACKUP_NUMBER")
    return xml(twiml.reserve_line(voice(), [turn.lang], reserve, turn.line.number))


def _screen_languages(offer: answers.RungOffer) -> tuple[str, str]:
    """The language the counsellor was offered the call in, and the caller's."""
    caller_lang = offer.caller_language or "ru"
    offered_in = request.args.get("offer", "")
    return (offered_in if offered_in in catalog().languages else caller_lang), caller_lang


def _offer() -> answers.RungOffer | None:
    raw = request.args.get("attempt", "")
    return answers.read_offer(get_session(), int(raw)) if raw.isdigit() else None
