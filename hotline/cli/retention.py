"""`hotline purge`: metadata past HOTLINE_RETENTION_DAYS folded into the figures and deleted."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from hotline import audit, retention
from hotline.db import session_factory
from hotline.extensions import local_zone, now, setting


@click.command("purge")
@click.option("--dry-run", is_flag=True, help="Count what would go; change nothing.")
@with_appcontext
def purge_command(dry_run: bool) -> None:
    """Fold old calls, SMS and closed callbacks into the figures, then delete them."""
    days = setting("HOTLINE_RETENTION_DAYS")
    before = retention.cutoff(now(), local_zone(), days)
    with session_factory()() as session:  # a purge commits each batch itself
        if dry_run:
            found = retention.plan(session, before)
            click.echo(f"would remove (before {before.date()}, {days} days): {found.describe()}")
            return
        done = retention.purge(session, now(), local_zone(), before, audit.CLI)
    click.echo(f"removed (before {before.date()}, {days} days): {done.describe()}")
