"""hotline: a privacy-first voice and SMS crisis hotline on Twilio."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask, Request

MAX_REQUEST_BYTES = 64 * 1024


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the hotline app from the environment, then `config` overrides (tests)."""
    # Imported here, so that `import hotline.<anything>` (the console script) stays light.
    from werkzeug.middleware.proxy_fix import ProxyFix

    from hotline import db, extensions, health, ivr, sms, supervisor, turns
    from hotline.privacy import install_phone_masking
    from hotline.settings import load_settings

    config = dict(config or {})
    instance_path = config.pop("INSTANCE_PATH", None) or os.environ.get("HOTLINE_INSTANCE_PATH")
    app = Flask(
        __name__, instance_path=str(Path(instance_path).resolve()) if instance_path else None
    )
    app.config.update(load_settings(os.environ, Path(app.instance_path)))
    app.config.update(config)
    app.config["SECRET_KEY"] = app.config["HOTLINE_SECRET_KEY"]
    # Twilio's requests are small; a large body is refused before it is parsed.
    app.config["MAX_CONTENT_LENGTH"] = MAX_REQUEST_BYTES
    app.request_class = _with_limits(app)
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=app.config["HOTLINE_PUBLIC_URL"].startswith("https://"),
    )
    proxies = app.config["HOTLINE_PROXY_COUNT"]
    if proxies:  # behind a TLS-terminating proxy: trust its X-Forwarded-* headers
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies
        )

    install_phone_masking()
    db.init_app(app)
    turns.install(app)
    extensions.init_app(app)
    ivr.init_app(app)
    sms.init_app(app)
    supervisor.init_app(app)
    app.register_blueprint(health.bp)
    return app


def _with_limits(app: Flask) -> type[Request]:
    """Flask's request with the app's limits on a body read once, from its config: Flask's own
    looks each of them up through `current_app` whenever it reads a form (eight lookups through
    the proxy for each webhook, 3.6% of a new call's instructions)."""

    class LimitedRequest(Request):
        max_content_length = app.config["MAX_CONTENT_LENGTH"]
        max_form_memory_size = app.config["MAX_FORM_MEMORY_SIZE"]
        max_form_parts = app.config["MAX_FORM_PARTS"]

    return LimitedRequest
