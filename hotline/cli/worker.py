"""`hotline worker`: the RQ worker (`rq worker --with-scheduler` with our settings)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext


@click.command("worker")
@click.option("--burst", is_flag=True, help="Run queued jobs, then exit.")
@with_appcontext
def worker(burst: bool) -> None:
    """Run the background worker: callbacks, retention, redaction."""
    from workers import runner

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    runner.run(app, burst=burst)
