"""The `hotline` console script: Flask's CLI group plus the hotline's own commands.

Commands that need the app (database, roster, worker) live on `app.cli` (see `register`), so
`app.test_cli_runner()` reaches them; the rest (centres, prompts, simulate) never build the app.
"""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import FlaskGroup

from hotline.cli.centres import centres
from hotline.cli.prompts import prompts
from hotline.cli.simulate import simulate
from hotline.settings import ConfigError


def _create_app() -> Flask:
    from hotline import create_app

    try:
        return create_app()
    except ConfigError as exc:  # a clear message naming the variable, not a traceback
        raise click.ClickException(str(exc)) from None


def register(app: Flask) -> None:
    """Add the commands that work on the app's database and Redis."""
    from hotline.cli.callbacks import callbacks
    from hotline.cli.database import db
    from hotline.cli.demo import demo
    from hotline.cli.roster import counsellor, line, shift
    from hotline.cli.worker import worker

    for command in (callbacks, counsellor, db, demo, line, shift, worker):
        app.cli.add_command(command)


main = FlaskGroup(create_app=_create_app, help="Operate a hotline: database, lines, simulator.")
for command in (centres, prompts, simulate):
    main.add_command(command)
