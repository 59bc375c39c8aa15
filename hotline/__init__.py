"""hotline: a privacy-first voice and SMS crisis hotline on Twilio."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from hotline.settings import load_settings


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the hotline app from the environment, then `config` overrides (tests)."""
    config = dict(config or {})
    instance_path = config.pop("INSTANCE_PATH", None) or os.environ.get("HOTLINE_INSTANCE_PATH")
    app = Flask(
        __name__, instance_path=str(Path(instance_path).resolve()) if instance_path else None
    )
    settings = load_settings(os.environ, Path(app.instance_path))
    app.config.update(settings)
    app.config.update(config)
    app.config["SECRET_KEY"] = app.config["HOTLINE_SECRET_KEY"]
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=app.config["HOTLINE_PUBLIC_URL"].startswith("https://"),
    )
    proxies = int(os.environ.get("HOTLINE_PROXY_COUNT", "0") or 0)
    if proxies:  # behind a TLS-terminating proxy: trust its X-Forwarded-* headers
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies
        )

    from hotline import db, keyring, queueing, telephony
    from hotline.privacy import install_phone_masking

    install_phone_masking()
    db.init_app(app)
    queueing.init_app(app)
    telephony.init_app(app)
    keyring.init_app(app)

    from hotline import cli, health, ivr, sms
    from hotline.ivr import context as ivr_context

    ivr_context.init_app(app)
    app.register_blueprint(health.bp)
    app.register_blueprint(ivr.bp)
    app.register_blueprint(sms.bp)
    cli.register(app)
    return app
