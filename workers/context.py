"""The Flask app a job runs in: one per worker process, made on first use."""

from __future__ import annotations

from flask import Flask

_app: Flask | None = None


def job_app() -> Flask:
    """The app for job functions (RQ imports jobs by name, so they cannot be handed one)."""
    global _app
    if _app is None:
        from hotline import create_app

        _app = create_app()
    return _app


def use_app(app: Flask) -> None:
    """Run jobs in `app` (the `hotline worker` command's app, or a test's)."""
    global _app
    _app = app
