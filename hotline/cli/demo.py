"""`hotline demo`: a line and counsellors to try the hotline with, on an empty database."""

from __future__ import annotations

import random
import time
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline import accounts, audit, roster
from hotline.cli import history
from hotline.db import session_factory, session_scope
from hotline.directory import DIRECTORY_FILE, load_directory, sync_centres
from hotline.extensions import get_keyring, local_zone, now
from hotline.models import Counsellor, DutyOverride, Line, Role, Strategy, User

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
        if not _seed(session):
            click.echo("lines exist already: demo data not added")
            return
    click.echo(f"demo line {DEMO_LINE} and {len(DEMO_COUNSELLORS)} counsellors on duty added")


def _seed(session: Session) -> bool:
    """The demo line and counsellors, on a database with no line; False when it has one."""
    if session.scalar(select(Line.id).limit(1)) is not None:
        return False
    directory = load_directory(Path(current_app.config["HOTLINE_CONFIG_DIR"]) / DIRECTORY_FILE)
    sync_centres(session, directory)
    roster.add_line(session, DEMO_LINE, "ky", None, Strategy.RRMEMORY)
    for name, phone, languages in DEMO_COUNSELLORS:
        roster.add_counsellor(session, get_keyring(), name=name, phone=phone, languages=languages)
        session.flush()
        roster.set_duty(session, name, DutyOverride.ON)
    return True


@demo.command("data")
@click.option("--calls", default=10_000, type=click.IntRange(1, 5_000_000), show_default=True)
@click.option("--days", default=3 * 365, type=click.IntRange(1, 3660), show_default=True)
@click.option("--seed", "seed_value", type=int, help="The same seed, the same history.")
def data(calls: int, days: int, seed_value: int | None) -> None:
    """Demo history: calls, callbacks and SMS over past days, with their daily figures."""
    began = time.monotonic()
    with session_factory()() as session:  # history commits a chunk at a time
        _seed(session)  # the demo line and counsellors when there is no line yet
        people = session.execute(
            select(Counsellor.id, Counsellor.languages).where(Counsellor.active.is_(True))
        )
        setting = history.Setting(
            list(session.scalars(select(Line.id).order_by(Line.id))),
            {person: list(spoken) for person, spoken in people},
            local_zone(),
        )
        rng = random.Random(seed_value)
        crowd = history.Crowd(get_keyring(), rng, size=max(20, calls * 11 // 20))
        today = now().astimezone(local_zone()).date()
        written = history.generate(session, crowd, setting, calls, days, today)
    click.echo(f"{written} calls over {days} days written in {time.monotonic() - began:.0f} s")


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
