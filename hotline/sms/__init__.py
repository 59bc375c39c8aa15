"""The SMS channel: keywords in four languages, callback requests by SMS, the SMS log.

`views` holds the blueprint (Twilio's SMS webhooks); `keywords` reads a message (pure),
`answers` acts on it, `replies` are the texts (config/sms), `records` the metadata log,
`memory` what is kept in Redis by pseudonym, `segments` counts SMS parts.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from hotline.outbox import register_writer
from hotline.sms import replies
from hotline.sms.views import bp


def init_app(app: Flask) -> None:
    """Check the reply texts, let the outbox write them, and register the SMS blueprint."""
    # A missing or incomplete reply file stops the app at start, not a person mid-crisis.
    config_dir = Path(app.config["HOTLINE_CONFIG_DIR"])
    replies.load_replies(config_dir)
    register_writer(app.extensions, "sms", replies.reply_writer(config_dir))
    app.register_blueprint(bp)


__all__ = ["bp", "init_app"]
