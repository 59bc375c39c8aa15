"""`hotline demo`: a line and counsellors to try the hotline with, on an empty database."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from hotline import accounts, audit, roster
from hotline.db import session_scope
from hotline.directory import DIRECTORY_FILE, load_directory, sync_centres
from hotline.extensions import get_keyring, now
from hotline.models import DutyOverride, Line, Role, Strategy, User

DEMO_LINE = "+996312900100"
DEMO_ADMIN = "admin@example.org"
DEMO_CALLER = "+996312512699"
# Fictional numbers; the Twilio emulator answers for them.
DEMO_COUNSELLORS = (
    ("Aigul (demo)", "+996555000101", ["ky", "ru"]),
    ("Dilnoza (demo)", "+996700000202", ["uz", "ru"]),
    ("Sarah (demo)", "+996772000303", ["en", "ru"]),
)

demo = AppGroup("demo", help="Demo data for trying the hotline on a laptop.")


@demo.command("seed")
def seed() -> None:
    """Add the centres, a national demo line and three on-duty counsellors, if there is no line."""
    with session_scope() as session:
        if session.scalar(select(Line.id).limit(1)) is not None:
            click.echo("lines exist already: demo data not added")
            return
        directory = load_directory(Path(current_app.config["HOTLINE_CONFIG_DIR"]) / DIRECTORY_FILE)
        sync_centres(session, directory)
        roster.add_line(session, DEMO_LINE, "ky", None, Strategy.RRMEMORY)
        for name, phone, languages in DEMO_COUNSELLORS:
            roster.add_counsellor(
                session, get_keyring(), name=name, phone=phone, languages=languages
            )
            session.flush()
            roster.set_duty(session, name, DutyOverride.ON)
    click.echo(f"demo line {DEMO_LINE} and {len(DEMO_COUNSELLORS)} counsellors on duty added")


@demo.command("admin")
def admin() -> None:
    """In development, on a database with no account: a demo admin with a one-time password."""
    if current_app.config["HOTLINE_ENV"] != "development":
        raise click.ClickException("demo accounts are for development only")
    with session_scope() as session:
        if session.scalar(select(User.id).limit(1)) is not None:
            click.echo("console accounts exist already: no demo admin added")
            return
        password = accounts.one_time_password()
        hasher = accounts.hasher_for(current_app.config)
        accounts.add_user(session, hasher, DEMO_ADMIN, Role.ADMIN, password, must_change=True)
        audit.record(
            session, audit.CLI, audit.Action.USER_ADD, now(), f"account {DEMO_ADMIN}", "demo"
        )
    url = current_app.config["HOTLINE_PUBLIC_URL"]
    click.echo(
        f"\nDemo console account: {DEMO_ADMIN}, one-time password {password}\n"
        f"Sign in at {url}/supervisor/ ; you then choose a password and scan a QR code\n"
        "with an authenticator app (admins sign in with a code from their phone).\n"
    )


@demo.command("banner")
def banner() -> None:
    """Say where the hotline runs and how to call it."""
    url = current_app.config["HOTLINE_PUBLIC_URL"]
    click.echo(
        f"\nThe hotline answers at {url} (web), with Redis, a worker and the Twilio emulator.\n"
        f"Health: {url}/healthz\n"
        f"Supervisor console: {url}/supervisor/\n"
        "First admin (in production too): .venv/bin/hotline user add you@example.org --role admin\n"
        "Call it from another terminal:\n"
        f"  .venv/bin/hotline simulate call --from {DEMO_CALLER} --to {DEMO_LINE}\n"
        "Every operator command: .venv/bin/hotline --help "
        "(or `source .venv/bin/activate`, then `hotline --help`).\n"
        "Ctrl-C stops everything.\n"
    )
    if not current_app.config.get("HOTLINE_BACKUP_NUMBER"):
        click.echo(
            "warning: HOTLINE_BACKUP_NUMBER is not set. When nobody can answer, or the app "
            "fails, callers hear the emergency numbers and the call ends. Set it to your "
            "reserve line's number.\n"
        )
