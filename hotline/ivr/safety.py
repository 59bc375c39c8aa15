"""A caller never hears an application error: every failure becomes the reserve line.

Not every voice webhook runs on a caller's call, though. A counsellor's leg is told that
something failed, then let go; a callback's leg to the caller's own phone hangs up without a
word (whoever answers there must never hear us, and never the reserve line or the emergency
numbers). Each view says which leg it runs on with `runs_on`; unmarked is a caller's call.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from enum import StrEnum
from typing import TypeVar

from flask import Blueprint, Response, current_app, request
from werkzeug.exceptions import HTTPException

from hotline.db import discard_session
from hotline.ivr import twiml
from hotline.ivr.turn import registered_line, voice
from hotline.webhooks import out_of_turn, twilio_webhook, xml

log = logging.getLogger(__name__)

bp = Blueprint("safety", __name__)

View = TypeVar("View", bound=Callable[..., object])
LEG = "hotline_leg"  # the attribute `runs_on` puts on a view


class Leg(StrEnum):
    """Whose phone a voice webhook's answer is heard on."""

    CALLER = "caller"  # a caller's own call to a line
    COUNSELLOR = "counsellor"  # a counsellor's phone, rung for a call or a callback
    CALLERS_PHONE = "callers-phone"  # a callback dialling the caller's own phone


def runs_on(leg: Leg) -> Callable[[View], View]:
    """Mark a view with the leg it answers, for the failure answer."""

    def mark(view: View) -> View:
        setattr(view, LEG, leg)
        return view

    return mark


def leg_of_this_request() -> Leg:
    """The leg the current request's view answers (a caller's call if unmarked)."""
    view = current_app.view_functions.get(request.endpoint or "")
    leg: Leg = getattr(view, LEG, Leg.CALLER)
    return leg


@bp.post("/fallback")
@twilio_webhook
@out_of_turn
def fallback() -> Response:
    """Twilio's Fallback URL: no database, no Redis, straight to the reserve line."""
    return xml(reserve_line())


def safe_answer(error: Exception) -> Response | HTTPException:
    """Any failure inside a voice webhook answers with the reserve line, never a 500."""
    if isinstance(error, HTTPException):  # 403 bad signature, 404, ...: not a caller's problem
        return error
    # The type only: exception texts may carry request data.
    log.error("voice webhook %s failed: %s", request.path, type(error).__name__)
    discard_session()
    leg = leg_of_this_request()
    if leg is Leg.CALLERS_PHONE:
        return xml(twiml.hang_up())
    if leg is Leg.COUNSELLOR:
        return xml(counsellor_told())
    return xml(reserve_line())


def counsellor_told() -> str:
    """A counsellor's leg after a failure: a short word of it in Kyrgyz and Russian, then away."""
    try:
        return twiml.say_and_hang_up_in(voice(), twiml.FALLBACK_LANGUAGES, "counsellor_leg_failed")
    except Exception:  # the catalog itself is broken: let the leg go
        log.exception("prompt catalog unusable for a counsellor's leg")
        return twiml.hang_up()


def reserve_line() -> str:
    """The reserve line (HOTLINE_BACKUP_NUMBER) in Kyrgyz and Russian, or emergency numbers."""
    reserve = current_app.config.get("HOTLINE_BACKUP_NUMBER")
    # Only a line's own number is shown; anything else from the request stays out of TwiML
    # (without a callerId Twilio shows the caller's number, to our reserve line only).
    caller_id = registered_line(request.form.get("To"))
    try:
        return twiml.reserve_line(voice(), twiml.FALLBACK_LANGUAGES, reserve, caller_id)
    except Exception:  # the catalog itself is broken: plain words still reach the caller
        log.exception("prompt catalog unusable in the fallback")
        return twiml.reserve_line_in_plain_words(reserve, caller_id)
