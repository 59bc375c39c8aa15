"""What every voice view needs: Twilio's form, the clock, the prompt catalog, the call."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from flask import Flask, abort, current_app, request, url_for

from hotline.call_log import find_call
from hotline.clock import now as now  # the views take the clock from here
from hotline.db import get_session
from hotline.ivr.prompt_catalog import PromptCatalog
from hotline.ivr.twiml import Voice
from hotline.models import Call, Line

CATALOG = "hotline.prompts"


@dataclass(frozen=True)
class TwilioForm:
    """The parameters of a voice webhook we use; Twilio may send more."""

    call_sid: str
    from_: str | None
    to: str | None
    digits: str
    call_status: str
    dial_status: str
    duration: int | None

    @classmethod
    def parse(cls) -> TwilioForm:
        """Read the current request's form; a request without CallSid is not Twilio's."""
        form = request.form
        call_sid = form.get("CallSid", "")
        if not call_sid:
            abort(400)
        raw_duration = form.get("CallDuration") or form.get("DialCallDuration") or ""
        return cls(
            call_sid=call_sid,
            from_=form.get("From"),
            to=form.get("To"),
            digits=form.get("Digits", "").strip(),
            call_status=form.get("CallStatus", ""),
            dial_status=form.get("DialCallStatus", ""),
            duration=int(raw_duration) if raw_duration.isdigit() else None,
        )


def init_app(app: Flask) -> None:
    """Load the prompt catalog once; a broken catalog stops the app from starting."""
    app.extensions[CATALOG] = PromptCatalog.load(Path(app.config["HOTLINE_CONFIG_DIR"]))


def catalog() -> PromptCatalog:
    """The app's prompt catalog."""
    loaded: PromptCatalog = current_app.extensions[CATALOG]
    return loaded


def voice() -> Voice:
    """Speaks the catalog's prompts, audio served by this app."""
    return Voice(catalog(), lambda lang, name: url_for("ivr.prompt_audio", lang=lang, name=name))


def setting(name: str) -> int:
    """An integer setting of the voice line."""
    return int(current_app.config[name])


def this_call(form: TwilioForm) -> tuple[Call, Line]:
    """The Call and its Line for a webhook in the middle of a call."""
    session = get_session()
    call = find_call(session, form.call_sid)
    if call is None or call.line_id is None:
        raise LookupError("a voice webhook for a call we have no record of")
    return call, session.get_one(Line, call.line_id)


def language_of(call: Call, line: Line) -> str:
    """The caller's language, or the line's until they choose."""
    return call.language or line.language
