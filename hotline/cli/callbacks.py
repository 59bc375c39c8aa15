"""`hotline callbacks`: the queue counsellors work from (never a number), and a manual sweep."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from hotline.db import session_scope
from hotline.extensions import now as clock_now
from hotline.models import Callback, CallbackState

callbacks = AppGroup("callbacks", help="Callbacks the hotline owes.")


@callbacks.command("list")
@click.option("--all", "show_all", is_flag=True, help="Include completed, expired, cancelled.")
def list_command(show_all: bool) -> None:
    """Waiting callbacks: language, age, attempts, safe window, next attempt."""
    now = clock_now()
    with session_scope() as session:
        query = select(Callback).order_by(Callback.requested_at)
        if not show_all:
            query = query.where(Callback.closed_at.is_(None))
        rows = session.scalars(query).all()
        click.echo(
            f"{'id':>5}  {'state':<19}{'lang':<6}{'age':>7}  {'tries':>5}  "
            f"{'window':<10}next attempt (UTC)"
        )
        for row in rows:
            age = int((now - row.requested_at).total_seconds() // 60)
            nxt = f"{row.next_attempt_at:%Y-%m-%d %H:%M}" if row.next_attempt_at else "-"
            if row.state != CallbackState.PENDING and row.state != CallbackState.SCHEDULED:
                nxt = "-"
            click.echo(
                f"{row.id:>5}  {row.state.value:<19}{row.language:<6}{age:>5} m  "
                f"{row.attempts:>5}  {row.safe_window.value:<10}{nxt}"
            )
        click.echo(f"{len(rows)} callback(s)")


@callbacks.command("sweep")
def sweep_command() -> None:
    """Expire old requests, recover lost ones, queue due ones (the worker does it each minute)."""
    from workers.sweeping import sweep

    click.echo(sweep(current_app._get_current_object()))  # type: ignore[attr-defined]
