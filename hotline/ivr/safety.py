"""A caller never hears an application error: every failure becomes the reserve line."""

from __future__ import annotations

import logging

from flask import Blueprint, Response, current_app, request
from werkzeug.exceptions import HTTPException

from hotline.db import discard_session
from hotline.ivr import twiml
from hotline.ivr.turn import registered_line, voice
from hotline.webhooks import twilio_webhook, xml

log = logging.getLogger(__name__)

bp = Blueprint("safety", __name__)


@bp.post("/fallback")
@twilio_webhook
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
    if request.path.startswith("/voice/screen"):
        return xml(twiml.hang_up())  # a counsellor's leg: just let it go
    return xml(reserve_line())


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
