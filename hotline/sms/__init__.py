"""The SMS channel: keywords in four languages, callback requests by SMS, the SMS log.

`views` holds the blueprint (Twilio's SMS webhooks); `keywords` reads a message (pure),
`answers` acts on it, `replies` are the texts (config/sms), `records` the metadata log,
`memory` what is kept in Redis by pseudonym, `segments` counts SMS parts.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from hotline.sms import replies
from hotline.sms.views import bp


def init_app(app: Flask) -> None:
    """Check the reply texts and register the SMS blueprint."""
    # A missing or incomplete reply file stops the app at start, not a person mid-crisis.
    replies.load_replies(Path(app.config["HOTLINE_CONFIG_DIR"]))
    app.register_blueprint(bp)


__all__ = ["bp", "init_app"]
