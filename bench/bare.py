"""The ceiling the webhooks are measured against: bare Flask answering a static TwiML document
of the same size, served by the same gunicorn configuration."""

from __future__ import annotations

import os

from flask import Flask, Response


def answer_body() -> str:
    """A TwiML document of BARE_BODY_BYTES (the size of the new call's answer)."""
    size = int(os.environ.get("BARE_BODY_BYTES", "1000"))
    head = '<?xml version="1.0" encoding="UTF-8"?><Response><Say>'
    tail = "</Say></Response>"
    return head + "x" * max(0, size - len(head) - len(tail)) + tail


def create_app() -> Flask:
    """A Flask app whose every POST answers BARE_BODY_BYTES of TwiML."""
    body = answer_body()
    app = Flask(__name__)

    @app.post("/<path:anything>")
    def answer(anything: str) -> Response:
        return Response(body, mimetype="text/xml")

    return app
