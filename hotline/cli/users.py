"""`hotline user ...`: console accounts; `hotline audit verify`: check the audit trail's chain."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy.orm import Session

from hotline import accounts, audit
from hotline.db import session_scope
from hotline.extensions import now
from hotline.models import Role

user = AppGroup("user", help="Console accounts: admins and supervisors.")
audit_group = AppGroup("audit", help="The console's audit trail.")


def _password(from_stdin: bool) -> str:
    """The new password: one line of standard input, or asked twice without echo."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    entered: str = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    return entered


@contextmanager
def account_change() -> Iterator[Session]:
    """A committed session; an AccountError becomes a clean CLI error and nothing is written."""
    try:
        with session_scope() as session:
            yield session
    except accounts.AccountError as refused:
        raise click.ClickException(str(refused)) from None


def _check(password: str) -> None:
    try:
        accounts.check_password_rule(password)
    except accounts.PasswordRefused as refused:
        raise click.ClickException(str(refused)) from None


@user.command("add")
@click.argument("email")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def user_add(email: str, role: str, password_stdin: bool) -> None:
    """Add a console account for EMAIL."""
    password = _password(password_stdin)
    _check(password)
    with account_change() as session:
        added = accounts.add_user(
            session,
            accounts.hasher_for(current_app.config),
            email,
            Role(role),
            password,
            must_change=False,
        )
        session.flush()
        audit.record(
            session, audit.CLI, audit.Action.USER_ADD, now(), f"account {added.username}", role
        )
    second = " (they set up the second factor at first sign-in)" if role == "admin" else ""
    click.echo(f"{role} {added.username} added{second}")


@user.command("list")
def user_list() -> None:
    """Every account: role, state, second factor, last sign-in."""
    with session_scope() as session:
        for item in accounts.list_users(session):
            state = "active" if item.active else "disabled"
            factor = "totp" if item.totp_secret_sealed else "no-totp"
            last = f"{item.last_login_at:%Y-%m-%d %H:%M}Z" if item.last_login_at else "never"
            click.echo(f"{item.username}  {item.role.value}  {state}  {factor}  last:{last}")


@user.command("disable")
@click.argument("email")
def user_disable(email: str) -> None:
    """Disable EMAIL's account; its sessions end at once."""
    with account_change() as session:
        changed = accounts.set_active(session, email, False, now())
        audit.record(
            session,
            audit.CLI,
            audit.Action.USER_ACTIVE,
            now(),
            f"account {changed.username}",
            "disabled",
        )
    click.echo(f"{changed.username} disabled")


@user.command("reset")
@click.argument("email")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.option("--second-factor", is_flag=True, help="Also remove the second factor (lost phone).")
def user_reset(email: str, password_stdin: bool, second_factor: bool) -> None:
    """Give EMAIL a new password (and enable the account); their sessions end."""
    password = _password(password_stdin)
    _check(password)
    with account_change() as session:
        changed = accounts.reset_password(
            session,
            accounts.hasher_for(current_app.config),
            email,
            password,
            now(),
            must_change=False,
            clear_second_factor=second_factor,
        )
        changed.active = True
        audit.record(
            session, audit.CLI, audit.Action.USER_RESET, now(), f"account {changed.username}"
        )
    click.echo(
        f"{changed.username}: new password" + (", no second factor" if second_factor else "")
    )


@audit_group.command("verify")
def audit_verify() -> None:
    """Recompute the chain: any edited or deleted entry is named; exit 1 if there is one."""
    with session_scope() as session:
        checked, problems = audit.verify(session)
        head = audit.head_hash(session)
    for problem in problems:
        click.echo(f"broken: {problem}")
    if problems:
        raise SystemExit(1)
    click.echo(f"audit trail intact: {checked} entries, newest hash {head}")
