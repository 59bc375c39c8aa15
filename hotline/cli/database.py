"""`hotline db`: schema migrations."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from hotline import db as database
from hotline import migrate

db = AppGroup("db", help="Database schema (Alembic migrations).")


@db.command("upgrade")
@click.argument("revision", default="head")
def upgrade(revision: str) -> None:
    """Migrate the database up to REVISION (default: the newest)."""
    engine = database.engine()
    migrate.upgrade(engine, revision)
    click.echo(f"database at {revision} ({engine.url.get_backend_name()})")


@db.command("downgrade")
@click.argument("revision")
def downgrade(revision: str) -> None:
    """Migrate the database down to REVISION."""
    migrate.downgrade(database.engine(), revision)
    click.echo(f"database at {revision}")


@db.command("revision")
@click.option("-m", "--message", required=True)
def revision(message: str) -> None:
    """Autogenerate a migration from the models (developers)."""
    migrate.revision(database.engine(), message)
