"""The SMS channel: keywords in four languages, callback requests by SMS, the SMS log."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint
from flask.blueprints import BlueprintSetupState

bp = Blueprint("sms", __name__, url_prefix="/sms")

# The view module attaches its routes to `bp`.
from hotline.sms import replies, views  # noqa: E402, F401


@bp.record_once
def _check_replies(state: BlueprintSetupState) -> None:
    # A missing or incomplete reply file stops the app at start, not a person mid-crisis.
    replies.load_replies(Path(state.app.config["HOTLINE_CONFIG_DIR"]))
