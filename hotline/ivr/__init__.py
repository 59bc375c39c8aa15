"""The voice line: Twilio's webhooks for calls, from the language menu to a counsellor."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("ivr", __name__, url_prefix="/voice")

# The view modules attach their routes to `bp`.
from hotline.ivr import (  # noqa: E402, F401
    answer,
    callback_legs,
    callbacks,
    connect,
    information,
    safety,
)
