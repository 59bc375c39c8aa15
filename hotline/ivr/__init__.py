"""The voice line: Twilio's webhooks for calls, from the language menu to a counsellor.

One blueprint per module (`answer`, `connect`, `callback_request`, `callback_legs`,
`information`, `safety`), nested under `bp` at /voice, which also carries the error handler
that turns any failure into the reserve line. `turn` is what every view starts from, `twiml`
builds every document, `prompts` is the catalog they speak from.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Flask

from hotline import outbox
from hotline.ivr import answer, callback_legs, callback_request, connect, information, safety
from hotline.ivr.turn import init_app as load_prompts

bp = Blueprint("ivr", __name__, url_prefix="/voice")
for module in (answer, connect, callback_request, callback_legs, information, safety):
    bp.register_blueprint(module.bp)
bp.register_error_handler(Exception, safety.safe_answer)


def init_app(app: Flask) -> None:
    """Load the prompt catalog, let the outbox write the IVR's SMS, register the blueprint."""
    load_prompts(app)
    config_dir = Path(app.config["HOTLINE_CONFIG_DIR"])
    outbox.register_writer(app.extensions, "ivr", information.centres_writer(config_dir))
    app.register_blueprint(bp)
