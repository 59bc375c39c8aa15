"""What every voice view starts from: Twilio's form, the call and its line, the caller's language,
and the prompt catalog that speaks to them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask, abort, url_for
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from hotline.context import this_app, this_request
from hotline.db import get_session
from hotline.ivr.prompts import PromptCatalog
from hotline.ivr.twiml import Voice
from hotline.models import Call, Line
from hotline.privacy import is_e164

CATALOG = "hotline.prompts"
VOICE = "hotline.voice"
LINES_SEEN = "hotline.lines_seen"
URLS = "hotline.twiml_urls"
URLS_KEPT_AT_MOST = 256
MENU_TURNS = 2
"""A menu is heard at most this many times without a valid key; then the call moves on."""


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
        # A plain dict of each parameter's first value, as the form's `get` gives: werkzeug's
        # form makes and catches an error for each name it lacks (1 µs; a new call lacks four).
        form = this_request().form.to_dict()
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


@dataclass(frozen=True)
class Turn:
    """One webhook in the middle of a call: what Twilio sent, our record, where we are."""

    form: TwilioForm
    session: Session
    call: Call
    line: Line

    @property
    def lang(self) -> str:
        """The caller's language, or the line's until they choose."""
        return self.call.language or self.line.language

    @property
    def digits(self) -> str:
        """The keys the caller pressed this turn ("" for silence)."""
        return self.form.digits


# The call and its line in one round trip: every step of a call starts here, so the statement
# is built once, the CallSid bound (building it cost more than running it).
_TURN = (
    select(Call, Line)
    .join(Line, Call.line_id == Line.id)
    .where(Call.call_sid == bindparam("call_sid"))
)


def this_turn() -> Turn:
    """The turn of the current request: a webhook for a call we have a record of."""
    form = TwilioForm.parse()
    session = get_session()
    found = session.execute(_TURN, {"call_sid": form.call_sid}).one_or_none()
    if found is None:
        raise LookupError("a voice webhook for a call we have no record of")
    call, line = found
    remember_line(line.number)
    return Turn(form, session, call, line)


def remember_line(number: str) -> None:
    """Note a registered line's number: the fallback, which reads no database, may show it."""
    lines: set[str] = this_app().extensions[LINES_SEEN]
    lines.add(number)


def registered_line(number: str | None) -> str | None:
    """`number` if it is one of our lines, as far as this process can tell without a database.

    A line it has seen answers for itself. Before it has seen any (just started, database
    down), Twilio's signed To of one of our numbers is trusted if it has a number's shape.
    """
    lines: set[str] = this_app().extensions[LINES_SEEN]
    if number in lines or (not lines and number is not None and is_e164(number)):
        return number
    return None


def tries() -> int:
    """How many times the current menu has been heard already (the `tries` query value)."""
    raw = this_request().args.get("tries", "0")
    return int(raw) if raw.isdigit() else 0


def may_ask_again() -> bool:
    """Whether the current menu may be heard once more (silence or a wrong key)."""
    return tries() + 1 < MENU_TURNS


def again(endpoint: str, **values: Any) -> str:
    """The action URL of the current menu heard once more."""
    return twiml_url(endpoint, tries=tries() + 1, **values)


def twiml_url(endpoint: str, **values: Any) -> str:
    """`url_for` for a URL Twilio is told to request next, kept once built: a menu's action or
    the next turn on hold is the same URL call after call, and werkzeug took 7 µs to build one
    (1.5% of a new call's CPU, two of them 2% of a turn on hold). Not for values of one call
    alone (an offer's attempt), which would only crowd the others out."""
    req = this_request()
    if endpoint.startswith("."):  # as url_for reads it: in the request's blueprint
        endpoint = f"{req.blueprint}{endpoint}" if req.blueprint else endpoint[1:]
    key = (endpoint, req.script_root, *values.items())
    kept: dict[tuple[object, ...], str] = this_app().extensions[URLS]
    url = kept.get(key)
    if url is None:
        if len(kept) >= URLS_KEPT_AT_MOST:
            kept.clear()
        url = kept[key] = url_for(endpoint, **values)
    return url


def init_app(app: Flask) -> None:
    """Load the prompt catalog once (not the directory file: centres come from the database)."""
    config_dir = Path(app.config["HOTLINE_CONFIG_DIR"])
    app.extensions[CATALOG] = PromptCatalog.load(config_dir, with_directory=False)
    app.extensions[VOICE] = Voice(app.extensions[CATALOG], _audio_url)
    app.extensions[LINES_SEEN] = set()
    app.extensions[URLS] = {}


def catalog() -> PromptCatalog:
    """The app's prompt catalog."""
    loaded: PromptCatalog = this_app().extensions[CATALOG]
    return loaded


def voice() -> Voice:
    """Speaks the catalog's prompts, audio served by this app (one voice for each app)."""
    made: Voice = this_app().extensions[VOICE]
    return made


def _audio_url(lang: str, name: str) -> str:
    return url_for("ivr.answer.prompt_audio", lang=lang, name=name)
