"""A caller never hears an application error: every failure becomes the reserve line."""

from __future__ import annotations

import logging

from flask import Response, current_app, g, request
from twilio.twiml.voice_response import Dial, VoiceResponse
from werkzeug.exceptions import HTTPException

from hotline.ivr import bp, twiml
from hotline.ivr.context import voice
from hotline.webhooks import twilio_webhook
from hotline.webhooks import twiml as xml

log = logging.getLogger(__name__)


@bp.post("/fallback")
@twilio_webhook
def fallback() -> Response:
    """Twilio's Fallback URL: no database, no Redis, straight to the reserve line."""
    return xml(backup_twiml())


@bp.errorhandler(Exception)
def safe_answer(error: Exception) -> Response | HTTPException:
    """Any failure inside a voice webhook answers with the reserve line, never a 500."""
    if isinstance(error, HTTPException):  # 403 bad signature, 404, ...: not a caller's problem
        return error
    # The type only: exception texts may carry request data.
    log.error("voice webhook %s failed: %s", request.path, type(error).__name__)
    _rollback()
    if request.path.startswith("/voice/screen"):
        return xml(str(VoiceResponse().hangup()))  # a counsellor's leg: just let it go
    return xml(backup_twiml())


def backup_twiml() -> str:
    """The reserve line (HOTLINE_BACKUP_NUMBER) in Kyrgyz and Russian, or emergency numbers."""
    backup = current_app.config.get("HOTLINE_BACKUP_NUMBER")
    caller_id = request.form.get("To") or None
    try:
        return twiml.connect_backup(voice(), twiml.FALLBACK_LANGUAGES, backup, caller_id)
    except Exception:  # the catalog itself is broken: plain words still reach the caller
        log.exception("prompt catalog unusable in the fallback")
        response = VoiceResponse()
        response.say("Пожалуйста, подождите.", language="ru-RU")
        if backup:
            dial = Dial(caller_id=caller_id, timeout=30)
            dial.number(backup)
            response.append(dial)
        response.say("Полиция: 102. Скорая помощь: 103.", language="ru-RU")
        return str(response)


def _rollback() -> None:
    session = g.get("db_session")
    if session is not None:
        try:
            session.rollback()
        except Exception:  # the database may be the thing that is down
            log.warning("rollback failed after a voice webhook error")
