"""The guard every Twilio webhook passes, the one way we answer with TwiML, and the public URLs
Twilio is given for our webhooks.

A signature alone is not enough: Twilio signs the sorted names and values run together, so a
value can swallow the next parameter's name and a request can lose a parameter yet keep its
signature. So the parameters Twilio always sends must be there too, with our account's sid.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from functools import wraps
from typing import Any, ParamSpec, TypeVar
from urllib.parse import urlsplit

from flask import Flask, Response, abort, request
from twilio.request_validator import RequestValidator, compare
from werkzeug.datastructures import MultiDict

from hotline import db_deadline, turns
from hotline.context import this_app, this_request

P = ParamSpec("P")
R = TypeVar("R")

# What Twilio sends with every request of each channel, keyed by path prefix.
ALWAYS_SENT = {
    "/voice/": ("CallSid", "AccountSid", "From", "To"),
    "/sms/": ("MessageSid", "AccountSid", "From", "To"),
}

PUBLIC_URLS = "hotline.public_urls"
OUT_OF_TURN = "hotline_out_of_turn"  # the attribute `out_of_turn` puts on a view

log = logging.getLogger(__name__)


def signature_is_valid() -> bool:
    """Check X-Twilio-Signature over the public URL and every POST parameter that arrived."""
    app, req = this_app(), this_request()  # each read once: hotline.context
    validator = RequestValidator(app.config["TWILIO_AUTH_TOKEN"])
    # A missing header must be "" (None makes twilio raise TypeError, i.e. a 500).
    signature = req.headers.get("X-Twilio-Signature", "")
    # The URL Twilio signed: HOTLINE_PUBLIC_URL + path + query, as Twilio called it.
    url = str(app.config["HOTLINE_PUBLIC_URL"]) + req.path
    if req.query_string:
        url += "?" + req.query_string.decode()
    # The URL as Twilio is told it: one HMAC. twilio's validate tries it with and without a
    # port too, two HMACs and a parse on every request: only for a signature that failed here.
    if compare(validator.compute_signature(url, _SignedForm(req.form)), signature):
        return True
    return bool(validator.validate(url, req.form, signature))


class _SignedForm:
    """A form as twilio's validator reads it: it asks each parameter's values of `getall`
    first (aiohttp's name), and Flask's form, which calls it `getlist`, cost it a caught
    AttributeError for every parameter (a third of the signature's CPU)."""

    __slots__ = ("_form",)

    def __init__(self, form: MultiDict[str, str]) -> None:
        self._form = form

    def __iter__(self) -> Iterator[str]:
        return iter(self._form)

    def __len__(self) -> int:
        return len(self._form)

    def getall(self, name: str) -> list[str]:
        return self._form.getlist(name)


def twilio_webhook(view: Callable[P, R]) -> Callable[P, R]:
    """Reject any request not signed by our Twilio account (403) or lacking what Twilio always
    sends (400); nothing is written for either. Then wait for a turn (`hotline.turns`), unless
    the view is marked `out_of_turn`."""

    takes_turn = not getattr(view, OUT_OF_TURN, False)

    @wraps(view)
    def guarded(*args: P.args, **kwargs: P.kwargs) -> R:
        if not signature_is_valid():
            log.warning("rejected a webhook with a bad signature on %s", request.path)
            abort(403)
        if not sent_by_our_account():
            log.warning("rejected a webhook without Twilio's own parameters on %s", request.path)
            abort(400)
        if not takes_turn:
            return view(*args, **kwargs)
        with turns.turn_of(this_app()) as queued:
            if queued:  # the database's deadline counts from the turn, not from the queue
                db_deadline.start_again()
            return view(*args, **kwargs)

    return guarded


def out_of_turn(view: Callable[P, R]) -> Callable[P, R]:
    """Mark a view (under `twilio_webhook`) as answered without waiting for a turn
    (`hotline.turns`): Twilio's fallback, and the SMS webhooks."""
    setattr(view, OUT_OF_TURN, True)
    return view


def sent_by_our_account() -> bool:
    """Every parameter Twilio always sends is there, and AccountSid is ours."""
    app, req = this_app(), this_request()
    form = req.form
    required = next(
        (names for prefix, names in ALWAYS_SENT.items() if req.path.startswith(prefix)), ()
    )
    if not all(form.get(name, "").strip() for name in required):
        return False
    return bool(form.get("AccountSid") == app.config["TWILIO_ACCOUNT_SID"])


def xml(document: str) -> Response:
    """A TwiML document as a text/xml response: the one way a webhook answers with TwiML."""
    return Response(document, mimetype="text/xml")


def public_url(app: Flask, endpoint: str, **values: Any) -> str:
    """A webhook's URL as Twilio is given it (under HOTLINE_PUBLIC_URL), outside any request:
    for the jobs that place calls and send messages. Built by one URL adapter kept for the
    app, where a request context made for each URL cost a third of a millisecond."""
    adapter = app.extensions.get(PUBLIC_URLS)
    if adapter is None:
        base = urlsplit(app.config["HOTLINE_PUBLIC_URL"])
        adapter = app.url_map.bind(base.netloc, base.path or "/", url_scheme=base.scheme)
        app.extensions[PUBLIC_URLS] = adapter
    url: str = adapter.build(endpoint, values, force_external=True)
    return url
